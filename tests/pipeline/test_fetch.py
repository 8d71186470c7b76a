"""fetch_url against a real HTTP server on loopback and real files on disk."""

from __future__ import annotations

import email.utils
import os
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsdesk.pipeline.fetch import FetchError, FetchPolicy, fetch_url
from tests.loopback import LoopbackServer, endless_body, redirect_to, trickle_body

LOOPBACK = FetchPolicy(allow=("127.0.0.1",), timeout=5.0, deadline=10.0)


def _policy(**kwargs: object) -> FetchPolicy:
    values: dict[str, object] = {"allow": ("127.0.0.1",), "timeout": 5.0, "deadline": 10.0}
    values.update(kwargs)
    return FetchPolicy(**values)  # type: ignore[arg-type]


def _requests_to(server: LoopbackServer, path: str) -> list[dict[str, str]]:
    return [headers for seen, headers in server.requests if seen == path]


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def moved_without_location(handler: BaseHTTPRequestHandler) -> None:
    """A 302 that forgets its Location header."""
    handler.send_response(302)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def oversized_declared_length(handler: BaseHTTPRequestHandler) -> None:
    """Declare a huge Content-Length, send a little, then hang up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(50 * 1024 * 1024))
    handler.end_headers()
    try:
        handler.wfile.write(b"<p>start</p>")
    except (BrokenPipeError, ConnectionResetError):
        return


# --- plain HTTP ---------------------------------------------------------------------------


def test_200_returns_body_content_type_and_charset(http_server: LoopbackServer) -> None:
    url = http_server.add(
        "/feed.xml",
        b"<rss>ok</rss>",
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
    )

    result = fetch_url(url, policy=LOOPBACK)

    assert result.status == 200
    assert not result.not_modified
    assert result.content == b"<rss>ok</rss>"
    assert result.content_type == "application/rss+xml"
    assert result.charset == "utf-8"
    assert result.url == url


def test_request_carries_the_policy_user_agent(http_server: LoopbackServer) -> None:
    url = http_server.add("/ua", b"ok")

    fetch_url(url, policy=_policy(user_agent="newsdesk-test/1.0"))

    assert _header(_requests_to(http_server, "/ua")[0], "User-Agent") == "newsdesk-test/1.0"


def test_etag_is_sent_back_as_if_none_match_and_304_is_not_modified(
    http_server: LoopbackServer,
) -> None:
    url = http_server.add("/etag", b"<rss/>", etag='"v1"')

    first = fetch_url(url, policy=LOOPBACK)
    second = fetch_url(url, policy=LOOPBACK, etag=first.etag)

    assert first.status == 200
    assert first.etag == '"v1"'
    assert second.not_modified
    assert second.content == b""
    assert second.etag == '"v1"'
    seen = _requests_to(http_server, "/etag")
    assert _header(seen[0], "If-None-Match") == ""
    assert _header(seen[1], "If-None-Match") == '"v1"'


def test_stale_etag_gets_the_full_body(http_server: LoopbackServer) -> None:
    url = http_server.add("/etag", b"<rss>new</rss>", etag='"v2"')

    result = fetch_url(url, policy=LOOPBACK, etag='"v1"')

    assert result.status == 200
    assert result.content == b"<rss>new</rss>"
    assert result.etag == '"v2"'


def test_last_modified_is_sent_back_as_if_modified_since_and_304_is_not_modified(
    http_server: LoopbackServer,
) -> None:
    stamp = "Mon, 03 Mar 2025 10:00:00 GMT"
    url = http_server.add("/lm", b"<rss/>", last_modified=stamp)

    first = fetch_url(url, policy=LOOPBACK)
    second = fetch_url(url, policy=LOOPBACK, last_modified=first.last_modified)

    assert first.status == 200
    assert first.last_modified == stamp
    assert second.not_modified
    assert second.content == b""
    seen = _requests_to(http_server, "/lm")
    assert _header(seen[0], "If-Modified-Since") == ""
    assert _header(seen[1], "If-Modified-Since") == stamp


def test_gzip_body_is_decompressed(http_server: LoopbackServer) -> None:
    body = "<rss><title>Новости</title></rss>".encode() * 200
    url = http_server.add("/gz", body, gzip=True)

    result = fetch_url(url, policy=LOOPBACK)

    assert "gzip" in _header(_requests_to(http_server, "/gz")[0], "Accept-Encoding")
    assert result.headers.get("content-encoding") == "gzip"
    assert result.content == body


def test_gzip_body_over_the_cap_once_decompressed_is_refused(
    http_server: LoopbackServer,
) -> None:
    # 2 MB of zeros compresses to a few KB: the cap applies to what we would keep.
    url = http_server.add("/bomb", b"0" * (2 * 1024 * 1024), gzip=True)

    with pytest.raises(FetchError, match="cap"):
        fetch_url(url, policy=_policy(max_bytes=100_000))


@pytest.mark.parametrize("status", [404, 410])
def test_client_error_status_raises_naming_the_status(
    http_server: LoopbackServer, status: int
) -> None:
    url = http_server.add("/gone", b"nope", status=status)

    with pytest.raises(FetchError, match=f"HTTP {status}"):
        fetch_url(url, policy=LOOPBACK)


def test_non_redirect_3xx_raises_naming_the_status(http_server: LoopbackServer) -> None:
    url = http_server.add("/choices", b"<ul><li>a</li></ul>", status=300)

    with pytest.raises(FetchError, match="HTTP 300"):
        fetch_url(url, policy=LOOPBACK)


def test_unknown_path_on_the_server_raises_404(http_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url(http_server.url("/missing"), policy=LOOPBACK)


def test_server_error_raises(http_server: LoopbackServer) -> None:
    url = http_server.add("/boom", b"oops", status=500)

    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_url(url, policy=LOOPBACK)


def test_connection_refused_raises_fetch_error() -> None:
    # Bind a port, note it, close it: nobody listens there any more.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"

    with pytest.raises(FetchError, match="cannot fetch"):
        fetch_url(url, policy=LOOPBACK)


# --- redirects ----------------------------------------------------------------------------


def test_redirect_is_followed_and_result_url_is_the_final_url(
    http_server: LoopbackServer,
) -> None:
    final = http_server.add("/new", b"<rss>moved</rss>")
    start = http_server.add("/old", handler=redirect_to("/new"))

    result = fetch_url(start, policy=LOOPBACK)

    assert result.status == 200
    assert result.url == final
    assert result.content == b"<rss>moved</rss>"


def test_redirect_loop_raises_quickly(http_server: LoopbackServer) -> None:
    url = http_server.add("/a", handler=redirect_to("/b"))
    http_server.add("/b", handler=redirect_to("/a"))

    started = time.monotonic()
    with pytest.raises(FetchError, match="redirect loop"):
        fetch_url(url, policy=_policy(max_redirects=20))

    assert time.monotonic() - started < 2.0
    assert len(http_server.requests) == 2


def test_more_redirects_than_allowed_raises(http_server: LoopbackServer) -> None:
    for hop in range(5):
        http_server.add(f"/hop{hop}", handler=redirect_to(f"/hop{hop + 1}"))
    http_server.add("/hop5", b"finally")

    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch_url(http_server.url("/hop0"), policy=_policy(max_redirects=2))
    assert fetch_url(http_server.url("/hop0"), policy=_policy(max_redirects=5)).content == (
        b"finally"
    )


def test_redirect_without_location_raises(http_server: LoopbackServer) -> None:
    url = http_server.add("/nowhere", handler=moved_without_location)

    with pytest.raises(FetchError, match="without Location"):
        fetch_url(url, policy=LOOPBACK)


def test_redirect_to_an_unsupported_scheme_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.add("/ftp", handler=redirect_to("ftp://127.0.0.1/feed.xml"))

    with pytest.raises(FetchError, match="unsupported scheme"):
        fetch_url(url, policy=LOOPBACK)


def test_redirect_from_allowed_host_to_private_address_is_refused(
    http_server: LoopbackServer,
) -> None:
    url = http_server.add("/meta", handler=redirect_to("http://169.254.169.254/latest/"))

    with pytest.raises(FetchError, match=r"non-public address 169\.254\.169\.254"):
        fetch_url(url, policy=LOOPBACK)


def test_redirect_to_a_private_network_address_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.add("/lan", handler=redirect_to("http://10.1.2.3/admin"))

    with pytest.raises(FetchError, match=r"non-public address 10\.1\.2\.3"):
        fetch_url(url, policy=LOOPBACK)


# --- size cap and deadline ----------------------------------------------------------------


def test_endless_body_is_cut_at_max_bytes(http_server: LoopbackServer) -> None:
    url = http_server.add("/endless", handler=endless_body)

    started = time.monotonic()
    with pytest.raises(FetchError, match="over the 200000-byte cap"):
        fetch_url(url, policy=_policy(max_bytes=200_000))

    assert time.monotonic() - started < 3.0


def test_declared_content_length_over_the_cap_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.add("/huge", handler=oversized_declared_length)

    with pytest.raises(FetchError, match=f"body of {50 * 1024 * 1024} bytes is over"):
        fetch_url(url, policy=_policy(max_bytes=1024 * 1024))


def test_body_exactly_at_the_cap_is_accepted(http_server: LoopbackServer) -> None:
    url = http_server.add("/exact", b"x" * 1000)

    assert len(fetch_url(url, policy=_policy(max_bytes=1000)).content) == 1000


def test_trickling_server_hits_the_deadline(http_server: LoopbackServer) -> None:
    url = http_server.add("/slow", handler=trickle_body)

    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetch_url(url, policy=_policy(timeout=0.5, deadline=1.0))

    assert time.monotonic() - started < 3.0


def test_slow_redirect_chain_hits_the_deadline(http_server: LoopbackServer) -> None:
    def slow_redirect(target: str) -> Callable[[BaseHTTPRequestHandler], None]:
        def handler(h: BaseHTTPRequestHandler) -> None:
            time.sleep(0.3)
            redirect_to(target)(h)

        return handler

    for hop in range(8):
        http_server.add(f"/slow{hop}", handler=slow_redirect(f"/slow{hop + 1}"))
    http_server.add("/slow8", b"finally")

    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        fetch_url(
            http_server.url("/slow0"), policy=_policy(timeout=0.5, deadline=1.0, max_redirects=10)
        )

    assert time.monotonic() - started < 2.0


def test_silent_server_hits_the_read_timeout(http_server: LoopbackServer) -> None:
    def silent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(2.0)

    url = http_server.add("/silent", handler=silent)

    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(url, policy=_policy(timeout=0.3, deadline=1.0))

    assert time.monotonic() - started < 1.5


# --- private addresses --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_when_not_allowed(http_server: LoopbackServer, host: str) -> None:
    http_server.add("/feed", b"secret")
    url = http_server.url("/feed").replace("127.0.0.1", host)

    with pytest.raises(FetchError, match="non-public address"):
        fetch_url(url, policy=FetchPolicy())

    assert http_server.requests == []


@pytest.mark.parametrize(
    ("host", "allow"),
    [
        ("127.0.0.1", ("127.0.0.1",)),
        ("127.0.0.1", ("127.0.0.0/8",)),
        ("localhost", ("localhost",)),
        ("localhost", ("LOCALHOST",)),
    ],
)
def test_loopback_is_allowed_when_listed(
    http_server: LoopbackServer, host: str, allow: tuple[str, ...]
) -> None:
    url = http_server.add("/feed", b"ok").replace("127.0.0.1", host)

    assert fetch_url(url, policy=_policy(allow=allow)).content == b"ok"


def test_localhost_is_allowed_when_its_address_is_listed(http_server: LoopbackServer) -> None:
    url = http_server.add("/feed", b"ok").replace("127.0.0.1", "localhost")

    assert fetch_url(url, policy=_policy(allow=("127.0.0.0/8", "::1"))).content == b"ok"


def test_a_different_private_network_in_allow_does_not_open_loopback(
    http_server: LoopbackServer,
) -> None:
    url = http_server.add("/feed", b"ok")

    with pytest.raises(FetchError, match="non-public address"):
        fetch_url(url, policy=_policy(allow=("10.0.0.0/8", "not-a-network")))


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="non-public address"):
        fetch_url(url, policy=FetchPolicy())


def test_unresolvable_host_raises_fetch_error() -> None:
    with pytest.raises(FetchError, match="cannot resolve host"):
        fetch_url("http://no-such-host.invalid/feed", policy=FetchPolicy())


# --- bad URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/feed.xml",
        "javascript:alert(1)",
        "data:text/html,<p>hi</p>",
        "gopher://example.com/",
        "example.com/feed.xml",
        "",
    ],
)
def test_unsupported_scheme_is_refused(url: str) -> None:
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch_url(url, policy=FetchPolicy())


@pytest.mark.parametrize(
    "url",
    [
        "http://[bad/feed.xml",
        "http://127.0.0.1:99999/feed.xml",
        "http://127.0.0.1:port/feed.xml",
        "http://127.0.0.1/feed xml\n",
    ],
)
def test_malformed_url_raises_fetch_error(url: str) -> None:
    with pytest.raises(FetchError):
        fetch_url(url, policy=LOOPBACK)


@pytest.mark.parametrize("location", ["http://[bad/", "http://127.0.0.1:99999/"])
def test_redirect_to_a_malformed_url_raises_fetch_error(
    http_server: LoopbackServer, location: str
) -> None:
    url = http_server.add("/bad", handler=redirect_to(location))

    with pytest.raises(FetchError):
        fetch_url(url, policy=LOOPBACK)


def test_http_url_without_a_host_is_refused() -> None:
    with pytest.raises(FetchError, match="no host"):
        fetch_url("http:///feed.xml", policy=FetchPolicy())


def test_scheme_is_case_insensitive(http_server: LoopbackServer) -> None:
    url = http_server.add("/feed", b"ok").replace("http://", "HTTP://")

    assert fetch_url(url, policy=LOOPBACK).content == b"ok"


# --- file:// ------------------------------------------------------------------------------


@pytest.fixture
def feed_root(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    root.mkdir()
    (root / "news.xml").write_bytes(b"<rss>local</rss>")
    return root


def test_file_inside_a_root_is_read(feed_root: Path) -> None:
    path = feed_root / "news.xml"

    result = fetch_url(path.as_uri(), policy=FetchPolicy(file_roots=(feed_root,)))

    assert result.status == 200
    assert result.content == b"<rss>local</rss>"
    assert result.content_type == "application/xml"
    assert result.last_modified == email.utils.formatdate(path.stat().st_mtime, usegmt=True)


def test_file_url_with_localhost_host_is_read(feed_root: Path) -> None:
    url = "file://localhost" + str(feed_root / "news.xml")

    assert fetch_url(url, policy=FetchPolicy(file_roots=(feed_root,))).content == (
        b"<rss>local</rss>"
    )


def test_file_with_percent_encoded_name_is_read(feed_root: Path) -> None:
    path = feed_root / "мир новости.xml"
    path.write_bytes(b"<rss>world</rss>")

    result = fetch_url(path.as_uri(), policy=FetchPolicy(file_roots=(feed_root,)))

    assert "%20" in path.as_uri()
    assert result.content == b"<rss>world</rss>"


def test_file_outside_the_roots_is_refused(feed_root: Path) -> None:
    with pytest.raises(FetchError, match="outside the allowed file roots"):
        fetch_url("file:///etc/passwd", policy=FetchPolicy(file_roots=(feed_root,)))


def test_file_url_is_refused_when_no_roots_are_configured(feed_root: Path) -> None:
    with pytest.raises(FetchError, match="outside the allowed file roots"):
        fetch_url((feed_root / "news.xml").as_uri(), policy=FetchPolicy())


def test_dot_dot_cannot_climb_out_of_a_root(feed_root: Path) -> None:
    (feed_root.parent / "secret.xml").write_bytes(b"secret")
    url = "file://" + str(feed_root) + "/../secret.xml"

    with pytest.raises(FetchError, match="outside the allowed file roots"):
        fetch_url(url, policy=FetchPolicy(file_roots=(feed_root,)))


def test_symlink_inside_a_root_pointing_outside_is_refused(feed_root: Path) -> None:
    secret = feed_root.parent / "secret.xml"
    secret.write_bytes(b"secret")
    (feed_root / "link.xml").symlink_to(secret)

    with pytest.raises(FetchError, match="outside the allowed file roots"):
        fetch_url((feed_root / "link.xml").as_uri(), policy=FetchPolicy(file_roots=(feed_root,)))


def test_root_given_through_a_symlink_still_admits_its_files(feed_root: Path) -> None:
    alias = feed_root.parent / "alias"
    alias.symlink_to(feed_root)

    result = fetch_url((alias / "news.xml").as_uri(), policy=FetchPolicy(file_roots=(alias,)))

    assert result.content == b"<rss>local</rss>"


def test_missing_file_raises_fetch_error_not_os_error(feed_root: Path) -> None:
    url = (feed_root / "missing.xml").as_uri()

    with pytest.raises(FetchError, match="cannot read"):
        fetch_url(url, policy=FetchPolicy(file_roots=(feed_root,)))


def test_directory_is_not_read_as_a_file(feed_root: Path) -> None:
    (feed_root / "sub").mkdir()

    with pytest.raises(FetchError, match="not a file"):
        fetch_url((feed_root / "sub").as_uri(), policy=FetchPolicy(file_roots=(feed_root,)))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_raises_fetch_error(feed_root: Path) -> None:
    path = feed_root / "locked.xml"
    path.write_bytes(b"x")
    path.chmod(0)

    with pytest.raises(FetchError, match="cannot read"):
        fetch_url(path.as_uri(), policy=FetchPolicy(file_roots=(feed_root,)))


def test_file_url_with_a_remote_host_is_refused(feed_root: Path) -> None:
    url = "file://example.com" + str(feed_root / "news.xml")

    with pytest.raises(FetchError, match="remote host"):
        fetch_url(url, policy=FetchPolicy(file_roots=(feed_root,)))


@pytest.mark.parametrize("suffix", ["/x%00.xml", "/%00"])
def test_file_url_with_a_nul_byte_raises_fetch_error(feed_root: Path, suffix: str) -> None:
    url = feed_root.as_uri() + suffix

    with pytest.raises(FetchError, match="absolute path"):
        fetch_url(url, policy=FetchPolicy(file_roots=(feed_root,)))


@pytest.mark.parametrize("url", ["file:", "file://", "file:news.xml", "file:feeds/news.xml"])
def test_file_url_without_an_absolute_path_is_refused(
    feed_root: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even when the working directory sits inside a root, a relative path is not read.
    monkeypatch.chdir(feed_root)

    with pytest.raises(FetchError, match="absolute path"):
        fetch_url(url, policy=FetchPolicy(file_roots=(feed_root.parent,)))


def test_file_over_the_cap_is_refused(feed_root: Path) -> None:
    path = feed_root / "big.xml"
    path.write_bytes(b"x" * 5000)

    with pytest.raises(FetchError, match="over the 1000-byte cap"):
        fetch_url(path.as_uri(), policy=FetchPolicy(file_roots=(feed_root,), max_bytes=1000))


def test_file_conditional_fetch_is_not_modified_when_last_modified_matches(
    feed_root: Path,
) -> None:
    url = (feed_root / "news.xml").as_uri()
    policy = FetchPolicy(file_roots=(feed_root,))

    first = fetch_url(url, policy=policy)
    second = fetch_url(url, policy=policy, last_modified=first.last_modified)

    assert second.not_modified
    assert second.content == b""


def test_file_conditional_fetch_reads_again_after_the_file_changes(feed_root: Path) -> None:
    path = feed_root / "news.xml"
    policy = FetchPolicy(file_roots=(feed_root,))
    first = fetch_url(path.as_uri(), policy=policy)
    path.write_bytes(b"<rss>changed</rss>")
    later = path.stat().st_mtime + 10
    os.utime(path, (later, later))

    result = fetch_url(path.as_uri(), policy=policy, last_modified=first.last_modified)

    assert result.status == 200
    assert result.content == b"<rss>changed</rss>"
