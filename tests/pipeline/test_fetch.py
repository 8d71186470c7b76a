"""fetch_url against a real HTTP server on loopback and real files on disk."""

from __future__ import annotations

import email.utils
import gzip
import importlib.util
import itertools
import logging
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis

from newsdesk.pipeline.fetch import (
    FetchError,
    FetchPolicy,
    fetch_url,
    parse_retry_after,
    product_token,
)
from newsdesk.pipeline.politeness import LocalHostGate, RedisHostGate, RobotsCache
from tests.conftest import require_service
from tests.loopback import (
    LoopbackServer,
    Reply,
    endless_body,
    paths_requested,
    redirect_to,
    replies,
    send_raw,
    serve_bomb,
    silent,
    trickle_body,
)


def _no_sleep(seconds: float) -> None:
    """Retries in these tests do not wait; tests/pipeline/test_politeness.py covers waiting."""


# Loopback allowed explicitly; no robots.txt and no per-host delay unless a test is about them.
LOOPBACK_DEFAULTS: dict[str, object] = {
    "allow": ("127.0.0.1",),
    "timeout": 5.0,
    "deadline": 10.0,
    "host_delay": 0.0,
    "obey_robots": False,
    "sleep": _no_sleep,
}


def _policy(**kwargs: object) -> FetchPolicy:
    values = {**LOOPBACK_DEFAULTS, **kwargs}
    return FetchPolicy(**values)  # type: ignore[arg-type]


LOOPBACK = _policy()


class Sleeps(list[float]):
    """Records the waits the fetcher asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


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


def test_trickling_server_hits_the_deadline_and_is_not_retried(
    http_server: LoopbackServer,
) -> None:
    sleeps = Sleeps()
    url = http_server.add("/slow", handler=trickle_body)

    started = time.monotonic()
    with pytest.raises(FetchError, match="took longer than the 1 s deadline"):
        fetch_url(url, policy=_policy(timeout=0.5, deadline=1.0, sleep=sleeps))

    assert time.monotonic() - started < 3.0
    assert sleeps == []
    assert len(_requests_to(http_server, "/slow")) == 1


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


# --- resolve once, connect to the checked address -----------------------------------------

NAME = "feeds.example.test"


class FakeDNS:
    """A resolver that answers for NAME (as a hostile DNS server might) and counts lookups."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups = 0
        self.real = socket.getaddrinfo

    def __call__(self, host: object, port: object, *args: object, **kwargs: object) -> object:
        if host != NAME:
            return self.real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        addresses = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port or 0))
            for ip in addresses
        ]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeDNS]:
    def install(*answers: list[str]) -> FakeDNS:
        dns = FakeDNS(*answers)
        monkeypatch.setattr(socket, "getaddrinfo", dns)
        return dns

    return install


def _named(server: LoopbackServer, path: str) -> str:
    return server.url(path).replace("127.0.0.1", NAME)


def test_hostname_resolving_to_loopback_is_refused_without_allow(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS]
) -> None:
    fake_dns(["127.0.0.1"])
    http_server.add("/feed", b"secret")

    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
        fetch_url(_named(http_server, "/feed"), policy=_policy(allow=()))

    assert http_server.requests == []


@pytest.mark.parametrize("allow", [("127.0.0.1",), ("127.0.0.0/8",), (NAME,), (NAME.upper(),)])
def test_hostname_resolving_to_loopback_is_fetched_when_allowed(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS], allow: tuple[str, ...]
) -> None:
    fake_dns(["127.0.0.1"])
    http_server.add("/feed", b"ok")

    result = fetch_url(_named(http_server, "/feed"), policy=_policy(allow=allow))

    assert result.content == b"ok"
    assert result.url == _named(http_server, "/feed")
    port = http_server.httpd.server_address[1]
    # The request went to the address, but the server still sees the name.
    assert _header(_requests_to(http_server, "/feed")[0], "Host") == f"{NAME}:{port}"


def test_the_address_connected_to_is_the_one_that_was_checked(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS]
) -> None:
    # DNS rebinding: the first answer passes the check, later answers point elsewhere.
    # 127.0.0.1 is allowed; 127.0.0.9 is not (and nothing listens there).
    dns = fake_dns(["127.0.0.1"], ["127.0.0.9"])
    http_server.add("/feed", b"ok")

    result = fetch_url(_named(http_server, "/feed"), policy=_policy(allow=("127.0.0.1",)))

    assert result.content == b"ok"
    assert dns.lookups == 1


def test_a_redirect_to_the_same_name_is_resolved_and_checked_again(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS]
) -> None:
    dns = fake_dns(["127.0.0.1"], ["10.0.0.7"])
    http_server.add("/old", handler=redirect_to("/new"))
    http_server.add("/new", b"ok")

    with pytest.raises(FetchError, match=r"non-public address 10\.0\.0\.7"):
        fetch_url(_named(http_server, "/old"), policy=_policy(allow=("127.0.0.1",)))

    assert dns.lookups == 2
    assert [path for path, _ in http_server.requests] == ["/old"]


def test_one_unallowed_address_among_several_refuses_the_host(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS]
) -> None:
    fake_dns(["127.0.0.1", "192.168.1.20"])
    http_server.add("/feed", b"ok")

    with pytest.raises(FetchError, match=r"non-public address 192\.168\.1\.20"):
        fetch_url(_named(http_server, "/feed"), policy=_policy(allow=("127.0.0.1",)))

    assert http_server.requests == []


def test_the_next_checked_address_is_tried_when_one_refuses_connections(
    http_server: LoopbackServer, fake_dns: Callable[..., FakeDNS]
) -> None:
    # Nothing listens on 127.0.0.9 at the server's port; 127.0.0.1 answers.
    fake_dns(["127.0.0.9", "127.0.0.1"])
    http_server.add("/feed", b"ok")

    result = fetch_url(_named(http_server, "/feed"), policy=_policy(allow=("127.0.0.0/8",)))

    assert result.content == b"ok"


# --- retries ------------------------------------------------------------------------------


def test_503_then_200_is_retried_and_succeeds(http_server: LoopbackServer) -> None:
    sleeps = Sleeps()
    url = http_server.add("/flaky", handler=replies(Reply(503), Reply(200, b"<rss/>")))

    result = fetch_url(url, policy=_policy(sleep=sleeps, backoff=1.0))

    assert result.content == b"<rss/>"
    assert len(_requests_to(http_server, "/flaky")) == 2
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 1.0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_reported_with_the_status(
    http_server: LoopbackServer, status: int
) -> None:
    sleeps = Sleeps()
    url = http_server.add("/down", b"down", status=status)

    with pytest.raises(FetchError, match=rf"HTTP {status} from .* \(3 attempts\)") as caught:
        fetch_url(url, policy=_policy(sleep=sleeps, retries=2))

    assert caught.value.status == status
    assert caught.value.retry_after is None
    assert len(_requests_to(http_server, "/down")) == 3
    assert len(sleeps) == 2


def test_backoff_grows_exponentially_with_full_jitter(http_server: LoopbackServer) -> None:
    url = http_server.add("/down", b"down", status=500)
    waits: list[Sleeps] = []
    for _ in range(20):
        sleeps = Sleeps()
        with pytest.raises(FetchError):
            fetch_url(url, policy=_policy(sleep=sleeps, retries=3, backoff=0.5))
        waits.append(sleeps)

    for attempt, cap in enumerate([0.5, 1.0, 2.0]):
        seen = [sleeps[attempt] for sleeps in waits]
        assert all(0.0 <= wait <= cap for wait in seen)
        # Jitter: the waits differ from fetch to fetch.
        assert len(set(seen)) > 1
    assert max(s[2] for s in waits) > 0.5


@pytest.mark.parametrize("status", [404, 410, 403, 400])
def test_client_errors_are_not_retried(http_server: LoopbackServer, status: int) -> None:
    sleeps = Sleeps()
    url = http_server.add("/gone", b"gone", status=status)

    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetch_url(url, policy=_policy(sleep=sleeps))

    assert caught.value.status == status
    assert len(_requests_to(http_server, "/gone")) == 1
    assert sleeps == []


def test_429_with_retry_after_seconds_waits_that_long_then_succeeds(
    http_server: LoopbackServer,
) -> None:
    sleeps = Sleeps()
    url = http_server.add(
        "/busy",
        handler=replies(Reply(429, headers={"Retry-After": "7"}), Reply(200, b"ok")),
    )

    result = fetch_url(url, policy=_policy(sleep=sleeps))

    assert result.content == b"ok"
    assert sleeps == [7.0]
    assert len(_requests_to(http_server, "/busy")) == 2


def test_429_with_an_http_date_retry_after_waits_until_then(http_server: LoopbackServer) -> None:
    sleeps = Sleeps()
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    url = http_server.add(
        "/busy",
        handler=replies(Reply(429, headers={"Retry-After": later}), Reply(200, b"ok")),
    )

    result = fetch_url(url, policy=_policy(sleep=sleeps, deadline=60.0))

    assert result.content == b"ok"
    assert len(sleeps) == 1
    assert 25.0 <= sleeps[0] <= 31.0


def test_retry_after_over_the_cap_raises_at_once_carrying_the_value(
    http_server: LoopbackServer,
) -> None:
    sleeps = Sleeps()
    url = http_server.add("/busy", b"later", status=429, headers={"Retry-After": "3600"})

    with pytest.raises(FetchError, match="Retry-After 3600 s is over the 60 s cap") as caught:
        fetch_url(url, policy=_policy(sleep=sleeps, max_retry_after=60.0))

    assert caught.value.retry_after == 3600.0
    assert caught.value.status == 429
    assert sleeps == []
    assert len(_requests_to(http_server, "/busy")) == 1


def test_retry_after_past_the_deadline_raises_carrying_the_value(
    http_server: LoopbackServer,
) -> None:
    sleeps = Sleeps()
    url = http_server.add("/busy", b"later", status=503, headers={"Retry-After": "30"})

    with pytest.raises(FetchError, match="would pass the 10 s deadline") as caught:
        fetch_url(url, policy=_policy(sleep=sleeps, deadline=10.0))

    assert caught.value.retry_after == 30.0
    assert caught.value.status == 503
    assert sleeps == []


def test_retry_after_on_the_last_attempt_is_still_reported(http_server: LoopbackServer) -> None:
    url = http_server.add("/busy", b"later", status=429, headers={"Retry-After": "5"})

    with pytest.raises(FetchError, match=r"\(1 attempt\)") as caught:
        fetch_url(url, policy=_policy(retries=0))

    assert caught.value.retry_after == 5.0


@pytest.mark.parametrize("value", ["soon", "-5", "1e9", "Mon, 99 Foo 2025"])
def test_a_malformed_retry_after_falls_back_to_backoff(
    http_server: LoopbackServer, value: str
) -> None:
    sleeps = Sleeps()
    url = http_server.add(
        "/busy", handler=replies(Reply(503, headers={"Retry-After": value}), Reply(200, b"ok"))
    )

    assert fetch_url(url, policy=_policy(sleep=sleeps, backoff=1.0)).content == b"ok"
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 1.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_connection_refused_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(FetchError, match=r"cannot fetch .* \(3 attempts\)") as caught:
        fetch_url(f"http://127.0.0.1:{port}/", policy=_policy(sleep=sleeps))

    assert caught.value.status is None
    assert len(sleeps) == 2


def test_a_silent_server_is_retried_after_the_read_timeout(http_server: LoopbackServer) -> None:
    sleeps = Sleeps()
    url = http_server.add("/silent", handler=silent(2.0))

    with pytest.raises(FetchError, match=r"timed out .* \(2 attempts\)"):
        fetch_url(url, policy=_policy(timeout=0.2, retries=1, sleep=sleeps))

    assert len(_requests_to(http_server, "/silent")) == 2


# --- timeouts -----------------------------------------------------------------------------


def test_connect_and_read_timeouts_default_to_timeout() -> None:
    policy = FetchPolicy(timeout=7.0)

    assert (policy.connect_seconds, policy.read_seconds) == (7.0, 7.0)
    assert FetchPolicy(timeout=7.0, connect_timeout=2.0).connect_seconds == 2.0
    assert FetchPolicy(timeout=7.0, read_timeout=3.0).read_seconds == 3.0


def test_read_timeout_applies_on_its_own(http_server: LoopbackServer) -> None:
    # Without the 0.2 s read timeout the 5 s timeout would outlast the silent 2 s and the
    # server would hang up: a different error.
    url = http_server.add("/silent", handler=silent(2.0))

    with pytest.raises(FetchError, match="timed out"):
        fetch_url(url, policy=_policy(timeout=5.0, read_timeout=0.2, retries=0))


# --- compression --------------------------------------------------------------------------


def test_accept_encoding_offers_gzip_and_deflate_but_not_brotli_without_a_decoder(
    http_server: LoopbackServer,
) -> None:
    url = http_server.add("/plain", b"ok")

    fetch_url(url, policy=LOOPBACK)

    offered = _header(_requests_to(http_server, "/plain")[0], "Accept-Encoding")
    assert "gzip" in offered
    assert "deflate" in offered
    assert ("br" in offered) == (importlib.util.find_spec("brotli") is not None)


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compression_bomb_is_cut_at_the_cap_of_decompressed_bytes(
    http_server: LoopbackServer, coding: str
) -> None:
    # 64 MiB of zeros in about 64 KB on the wire.
    url = http_server.add("/bomb", handler=serve_bomb(coding=coding))

    with pytest.raises(FetchError, match="over the 1000000-byte cap"):
        fetch_url(url, policy=_policy(max_bytes=1_000_000))


def test_a_gzip_body_exactly_at_the_cap_is_accepted(http_server: LoopbackServer) -> None:
    url = http_server.add("/gz", b"x" * 5000, gzip=True)

    assert len(fetch_url(url, policy=_policy(max_bytes=5000)).content) == 5000


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("deflate", zlib.compress(b"<rss>zlib</rss>")),
        ("deflate", zlib.compress(b"<rss>zlib</rss>")[2:-4]),  # raw deflate, no wrapper
        ("gzip", gzip.compress(b"<rss>one</rss>") + gzip.compress(b"<rss>two</rss>")),
        ("x-gzip", gzip.compress(b"<rss>x</rss>")),
        ("identity", b"<rss>plain</rss>"),
    ],
)
def test_compressed_bodies_are_decoded(
    http_server: LoopbackServer, coding: str, packed: bytes
) -> None:
    url = http_server.add(
        "/c", handler=lambda h: send_raw(h, body=packed, headers={"Content-Encoding": coding})
    )

    content = fetch_url(url, policy=LOOPBACK).content

    assert content.startswith(b"<rss>")
    assert content.endswith(b"</rss>")
    if coding == "gzip":
        assert content == b"<rss>one</rss><rss>two</rss>"


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", b"this is not gzip at all"),
        ("gzip", gzip.compress(b"<rss>" * 1000)[:-200] + b"\xff" * 50),
        ("deflate", b"\x00\xff\x00\xff garbage"),
    ],
)
def test_corrupt_compressed_body_raises_fetch_error(
    http_server: LoopbackServer, coding: str, body: bytes
) -> None:
    url = http_server.add(
        "/bad", handler=lambda h: send_raw(h, body=body, headers={"Content-Encoding": coding})
    )

    with pytest.raises(FetchError, match="corrupt"):
        fetch_url(url, policy=LOOPBACK)


@pytest.mark.parametrize("coding", ["zstd", "compress", "gzip, gzip"])
def test_an_unrequested_content_encoding_is_refused(
    http_server: LoopbackServer, coding: str
) -> None:
    url = http_server.add(
        "/odd",
        handler=lambda h: send_raw(h, body=b"\x28\xb5", headers={"Content-Encoding": coding}),
    )

    with pytest.raises(FetchError, match="unsupported content encoding"):
        fetch_url(url, policy=LOOPBACK)


# --- content type and charset -------------------------------------------------------------


def test_a_wrong_content_type_is_reported_not_refused(http_server: LoopbackServer) -> None:
    url = http_server.add("/feed", b"<rss>ok</rss>", headers={"Content-Type": "image/png"})

    result = fetch_url(url, policy=LOOPBACK)

    assert result.content_type == "image/png"
    assert result.content == b"<rss>ok</rss>"


def test_an_unlabelled_windows_1251_page_is_sniffed(http_server: LoopbackServer) -> None:
    page = "<html><body><p>Состоялся телефонный разговор Владимира Путина.</p></body></html>"
    url = http_server.add("/ru", page.encode("cp1251"), headers={"Content-Type": "text/html"})

    result = fetch_url(url, policy=LOOPBACK)

    assert result.charset is None
    assert result.sniffed_charset() == "windows-1251"
    assert result.text() == page


def test_a_feed_labelled_utf8_in_koi8_r_is_sniffed(http_server: LoopbackServer) -> None:
    feed = "<rss><channel><title>Президент России: новости</title></channel></rss>"
    url = http_server.add(
        "/feed",
        feed.encode("koi8_r"),
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
    )

    result = fetch_url(url, policy=LOOPBACK)

    assert result.charset == "utf-8"
    assert result.kind == "xml"
    assert result.sniffed_charset() == "koi8-r"
    assert result.text() == feed


# --- robots.txt ---------------------------------------------------------------------------


def _robots_policy(**kwargs: object) -> FetchPolicy:
    return _policy(obey_robots=True, user_agent="newsdesk/0.1 (self-hosted news reader)", **kwargs)


def test_a_url_disallowed_by_robots_txt_is_refused_and_not_requested(
    http_server: LoopbackServer,
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    url = http_server.add("/private/feed.xml", b"<rss/>")

    with pytest.raises(FetchError, match=f"disallowed by robots.txt: {url}"):
        fetch_url(url, policy=_robots_policy(), robots=RobotsCache())

    assert paths_requested(http_server) == ["/robots.txt"]


def test_an_allowed_url_is_fetched_and_robots_txt_is_read_once_per_host(
    http_server: LoopbackServer,
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    first = http_server.add("/feed.xml", b"<rss/>")
    second = http_server.add("/news/1.html", b"<p>1</p>")
    robots = RobotsCache()

    fetch_url(first, policy=_robots_policy(), robots=robots)
    fetch_url(second, policy=_robots_policy(), robots=robots)

    assert paths_requested(http_server) == ["/robots.txt", "/feed.xml", "/news/1.html"]
    robots_request = _requests_to(http_server, "/robots.txt")[0]
    assert _header(robots_request, "User-Agent") == "newsdesk/0.1 (self-hosted news reader)"


def test_rules_for_our_product_token_apply_and_others_do_not(
    http_server: LoopbackServer,
) -> None:
    http_server.add(
        "/robots.txt",
        "User-agent: otherbot\nDisallow: /\n\nUser-agent: newsdesk\nDisallow: /drafts/\n"
        "\nUser-agent: news\nDisallow: /feed.xml\n",
    )
    feed = http_server.add("/feed.xml", b"<rss/>")
    draft = http_server.add("/drafts/1.html", b"draft")
    robots = RobotsCache()

    assert fetch_url(feed, policy=_robots_policy(), robots=robots).content == b"<rss/>"
    with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        fetch_url(draft, policy=_robots_policy(), robots=robots)


def test_product_token_is_the_first_word_before_its_version() -> None:
    assert product_token("newsdesk/0.1 (self-hosted news reader)") == "newsdesk"
    assert product_token("newsdesk") == "newsdesk"


@pytest.mark.parametrize("status", [404, 410, 401, 403])
def test_robots_txt_answering_4xx_allows_everything(
    http_server: LoopbackServer, status: int
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", status=status)
    url = http_server.add("/feed.xml", b"<rss/>")

    assert fetch_url(url, policy=_robots_policy(), robots=RobotsCache()).content == b"<rss/>"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_txt_answering_5xx_allows_and_logs(
    http_server: LoopbackServer, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", status=status)
    url = http_server.add("/feed.xml", b"<rss/>")

    with caplog.at_level(logging.INFO, logger="newsdesk.pipeline.fetch"):
        result = fetch_url(url, policy=_robots_policy(), robots=RobotsCache())

    assert result.content == b"<rss/>"
    assert f"HTTP {status}" in caplog.text
    assert "allow-all" in caplog.text


def test_a_silent_robots_txt_allows_after_its_own_short_timeout(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.add("/robots.txt", handler=silent(2.0))
    url = http_server.add("/feed.xml", b"<rss/>")

    with caplog.at_level(logging.INFO, logger="newsdesk.pipeline.fetch"):
        result = fetch_url(url, policy=_robots_policy(robots_timeout=0.2), robots=RobotsCache())

    assert result.content == b"<rss/>"
    assert "robots.txt" in caplog.text


def test_an_endless_robots_txt_is_read_up_to_its_cap(http_server: LoopbackServer) -> None:
    def endless_rules(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        try:
            handler.wfile.write(b"User-agent: *\nDisallow: /private/\n")
            while True:
                handler.wfile.write(b"# " + b"x" * 65534 + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            return

    http_server.add("/robots.txt", handler=endless_rules)
    url = http_server.add("/private/feed.xml", b"<rss/>")

    with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        fetch_url(url, policy=_robots_policy(robots_max_bytes=100_000), robots=RobotsCache())


@pytest.mark.parametrize(
    "rules", [b"\x00\xff\xfe garbage \x80\x81", b"<html>not robots</html>", b"Disallow /x"]
)
def test_garbage_robots_txt_allows(http_server: LoopbackServer, rules: bytes) -> None:
    http_server.add("/robots.txt", rules)
    url = http_server.add("/feed.xml", b"<rss/>")

    assert fetch_url(url, policy=_robots_policy(), robots=RobotsCache()).content == b"<rss/>"


def test_each_redirect_hop_is_checked_against_robots_txt(http_server: LoopbackServer) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    start = http_server.add("/feed.xml", handler=redirect_to("/private/feed.xml"))
    http_server.add("/private/feed.xml", b"<rss/>")

    with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        fetch_url(start, policy=_robots_policy(), robots=RobotsCache())

    assert "/private/feed.xml" not in paths_requested(http_server)


def test_obey_robots_false_never_asks_for_robots_txt(http_server: LoopbackServer) -> None:
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n")
    url = http_server.add("/feed.xml", b"<rss/>")

    assert fetch_url(url, policy=LOOPBACK, robots=RobotsCache()).content == b"<rss/>"
    assert paths_requested(http_server) == ["/feed.xml"]


def test_file_urls_skip_robots_and_gates(tmp_path: Path) -> None:
    (tmp_path / "news.xml").write_bytes(b"<rss/>")
    policy = FetchPolicy(file_roots=(tmp_path,), obey_robots=True, host_delay=30.0)

    assert fetch_url((tmp_path / "news.xml").as_uri(), policy=policy).content == b"<rss/>"


def test_a_private_host_is_refused_before_its_robots_txt_is_asked_for(
    http_server: LoopbackServer,
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nAllow: /\n")
    url = http_server.add("/feed.xml", b"<rss/>")

    with pytest.raises(FetchError, match="non-public address"):
        fetch_url(url, policy=_robots_policy(allow=()), robots=RobotsCache())

    assert http_server.requests == []


# --- per-host spacing ---------------------------------------------------------------------


class FakeClock:
    """A gate clock that only moves when the gate sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_crawl_delay_spaces_requests_to_the_host(http_server: LoopbackServer) -> None:
    http_server.add("/robots.txt", "User-agent: *\nCrawl-delay: 5\n")
    first = http_server.add("/a", b"a")
    second = http_server.add("/b", b"b")
    time_ = FakeClock()
    gate = LocalHostGate(clock=time_.clock, sleep=time_.sleep)
    robots = RobotsCache()

    fetch_url(first, policy=_robots_policy(), gate=gate, robots=robots)
    fetch_url(second, policy=_robots_policy(), gate=gate, robots=robots)

    # After robots.txt, and between the two pages.
    assert time_.sleeps == [5.0, 5.0]


def test_host_delay_wins_over_a_shorter_crawl_delay(http_server: LoopbackServer) -> None:
    http_server.add("/robots.txt", "User-agent: *\nCrawl-delay: 2\n")
    first = http_server.add("/a", b"a")
    second = http_server.add("/b", b"b")
    time_ = FakeClock()
    gate = LocalHostGate(clock=time_.clock, sleep=time_.sleep)
    robots = RobotsCache()
    policy = _robots_policy(host_delay=3.0)

    fetch_url(first, policy=policy, gate=gate, robots=robots)
    fetch_url(second, policy=policy, gate=gate, robots=robots)

    assert time_.sleeps == [3.0, 3.0]


def test_a_huge_crawl_delay_is_capped(http_server: LoopbackServer) -> None:
    http_server.add("/robots.txt", "User-agent: newsdesk\nCrawl-delay: 3600\n")
    url = http_server.add("/a", b"a")
    time_ = FakeClock()
    gate = LocalHostGate(clock=time_.clock, sleep=time_.sleep)

    fetch_url(url, policy=_robots_policy(deadline=100.0), gate=gate, robots=RobotsCache())

    assert time_.sleeps == [30.0]


def test_a_crawl_delay_longer_than_the_deadline_fails_without_waiting(
    http_server: LoopbackServer,
) -> None:
    http_server.add("/robots.txt", "User-agent: *\nCrawl-delay: 20\n")
    url = http_server.add("/a", b"a")
    time_ = FakeClock()
    gate = LocalHostGate(clock=time_.clock, sleep=time_.sleep)

    with pytest.raises(FetchError, match="busy"):
        fetch_url(url, policy=_robots_policy(deadline=10.0), gate=gate, robots=RobotsCache())

    assert time_.sleeps == []
    assert paths_requested(http_server) == ["/robots.txt"]


def test_retries_to_one_host_keep_the_host_delay(http_server: LoopbackServer) -> None:
    url = http_server.add("/flaky", handler=replies(Reply(503), Reply(200, b"ok")))
    time_ = FakeClock()
    gate = LocalHostGate(clock=time_.clock, sleep=time_.sleep)

    fetch_url(url, policy=_policy(host_delay=2.0), gate=gate)

    assert time_.sleeps == [2.0]


def test_concurrent_fetches_to_one_host_are_spaced_by_the_host_delay(
    http_server: LoopbackServer,
) -> None:
    # Real time here: lower bounds on the gaps only.
    gate = LocalHostGate()
    for n in range(3):
        http_server.add(f"/p{n}", b"ok")
    done: list[float] = []

    def fetch(n: int) -> None:
        fetch_url(http_server.url(f"/p{n}"), policy=_policy(host_delay=0.15), gate=gate)
        done.append(time.monotonic())

    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    done.sort()
    assert len(done) == 3
    assert all(later - earlier >= 0.14 for earlier, later in itertools.pairwise(done))


def test_fetch_through_a_redis_gate_spaces_requests(http_server: LoopbackServer) -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/14", socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("Redis", str(exc))
    prefix = f"test-fetch:{uuid.uuid4().hex}"
    sleeps = Sleeps()
    gate = RedisHostGate(client, prefix=prefix, sleep=sleeps)
    url = http_server.add("/a", b"a")
    try:
        fetch_url(url, policy=_policy(host_delay=5.0), gate=gate)
        fetch_url(url, policy=_policy(host_delay=5.0), gate=gate)
    finally:
        client.delete(f"{prefix}:127.0.0.1:last", f"{prefix}:127.0.0.1:lock")
        client.close()

    assert len(sleeps) == 1
    assert 4.0 < sleeps[0] <= 5.0


# --- https: the checked address, the name's certificate -----------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for NAME, made with the openssl command."""
    if shutil.which("openssl") is None:
        require_service("openssl", "the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={NAME}"),
            *("-addext", f"subjectAltName=DNS:{NAME}"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, dict[str, str]]]:
    """An HTTPS server on 127.0.0.1 that notes the SNI name and Host header it was sent."""
    seen: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["host"] = self.headers.get("Host", "")
            send_raw(self, body=b"secure")

        def log_message(self, format: str, *args: object) -> None:
            return

    def note_sni(sock: object, name: str | None, context: object) -> None:
        seen["sni"] = name or ""

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = note_sni
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_checked_address_with_sni_and_certificate_for_the_name(
    https_server: tuple[int, dict[str, str]],
    certificate: tuple[Path, Path],
    fake_dns: Callable[..., FakeDNS],
) -> None:
    port, seen = https_server
    fake_dns(["127.0.0.1"])
    policy = _policy(ca_file=str(certificate[0]))

    result = fetch_url(f"https://{NAME}:{port}/feed", policy=policy)

    assert result.content == b"secure"
    assert seen == {"sni": NAME, "host": f"{NAME}:{port}"}


def test_https_refuses_a_certificate_for_another_name(
    https_server: tuple[int, dict[str, str]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, _seen = https_server
    real = socket.getaddrinfo

    def other_name(host: object, port_: object, *args: object, **kwargs: object) -> object:
        if host == "other.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]
        return real(host, port_, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", other_name)

    with pytest.raises(FetchError, match="certificate verify failed"):
        fetch_url(
            f"https://other.example.test:{port}/feed",
            policy=_policy(ca_file=str(certificate[0]), retries=0),
        )


def test_https_without_the_ca_refuses_a_self_signed_certificate_without_retrying(
    https_server: tuple[int, dict[str, str]], fake_dns: Callable[..., FakeDNS]
) -> None:
    port, _seen = https_server
    fake_dns(["127.0.0.1"])
    sleeps = Sleeps()

    with pytest.raises(FetchError, match="certificate verify failed"):
        fetch_url(f"https://{NAME}:{port}/feed", policy=_policy(retries=2, sleep=sleeps))

    assert sleeps == []
