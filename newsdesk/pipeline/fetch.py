"""Fetch a URL safely: size cap, deadline, redirect limit, no private addresses, file roots."""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import httpx


class FetchError(Exception):
    """A URL could not be fetched; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What the fetcher may do: limits, and which private hosts or folders it may read."""

    allow: tuple[str, ...] = ()
    file_roots: tuple[Path, ...] = ()
    max_bytes: int = 10 * 1024 * 1024
    timeout: float = 20.0
    deadline: float = 60.0
    max_redirects: int = 5
    user_agent: str = "newsdesk"


@dataclass(slots=True)
class FetchResult:
    """What came back: 200 with a body, or 304 when the validators still hold."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str = ""
    last_modified: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch_url(
    url: str,
    *,
    policy: FetchPolicy,
    etag: str = "",
    last_modified: str = "",
) -> FetchResult:
    """Fetch an http(s):// or file:// URL under the policy; conditional when given validators."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise FetchError(f"malformed URL {url!r}: {exc}") from exc
    if scheme == "file":
        return _fetch_file(url, policy=policy, last_modified=last_modified)
    if scheme not in {"http", "https"}:
        raise FetchError(f"unsupported URL scheme {scheme!r}: {url}")
    return _fetch_http(url, policy=policy, etag=etag, last_modified=last_modified)


def check_address_allowed(host: str, *, allow: tuple[str, ...]) -> None:
    """Refuse hosts that resolve to private, loopback, link-local or multicast addresses."""
    if not host:
        raise FetchError("URL has no host")
    bare = host.strip("[]").lower()
    if bare in {entry.lower() for entry in allow}:
        return
    try:
        infos = socket.getaddrinfo(bare, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {bare}: {exc}") from exc
    networks = [_as_network(entry) for entry in allow]
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address.is_global and not address.is_multicast:
            continue
        if any(net is not None and address in net for net in networks):
            continue
        raise FetchError(
            f"refusing to fetch {bare}: it resolves to the non-public address {address} "
            "(allow it with NEWSDESK_FETCH_ALLOW)"
        )


def _as_network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


def _fetch_http(url: str, *, policy: FetchPolicy, etag: str, last_modified: str) -> FetchResult:
    started = time.monotonic()
    headers = {
        "User-Agent": policy.user_agent,
        "Accept-Encoding": "gzip, deflate",
        "Accept": "application/rss+xml, application/atom+xml, application/xml, "
        "text/xml, text/html;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, 10.0))
    seen: set[str] = set()
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(policy.max_redirects + 1):
            if url in seen:
                raise FetchError(f"redirect loop at {url}")
            # The deadline covers the whole chain, not only the final body.
            if time.monotonic() - started > policy.deadline:
                raise FetchError(f"took longer than the {policy.deadline:g} s deadline")
            seen.add(url)
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"}:
                raise FetchError(f"redirect to unsupported scheme: {url}")
            check_address_allowed(parts.hostname or "", allow=policy.allow)
            try:
                with client.stream("GET", url, headers=headers) as response:
                    # httpx's is_redirect is true for every 3xx, 304 included.
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchError(f"HTTP {response.status_code} without Location")
                        url = urljoin(url, location)
                        continue
                    if response.status_code == 304:
                        return _result(url, response, b"")
                    # Redirects and 304 were handled above; other 3xx carry no feed.
                    if response.status_code >= 300:
                        raise FetchError(f"HTTP {response.status_code} from {url}")
                    body = _read_capped(response, policy=policy, started=started)
                    return _result(url, response, body)
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out fetching {url}") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {url}: {exc}") from exc
            except (httpx.InvalidURL, ValueError) as exc:
                # A bad port, a stray control character or a broken Location header.
                raise FetchError(f"malformed URL {url!r}: {exc}") from exc
    raise FetchError(f"more than {policy.max_redirects} redirects from {url}")


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _read_capped(response: httpx.Response, *, policy: FetchPolicy, started: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(f"body of {declared} bytes is over the {policy.max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"body is over the {policy.max_bytes}-byte cap")
        if time.monotonic() - started > policy.deadline:
            raise FetchError(f"took longer than the {policy.deadline:g} s deadline")
        chunks.append(chunk)
    return b"".join(chunks)


def _result(url: str, response: httpx.Response, body: bytes) -> FetchResult:
    content_type = response.headers.get("content-type", "")
    return FetchResult(
        url=url,
        status=response.status_code,
        content=body,
        content_type=content_type.split(";", 1)[0].strip().lower(),
        charset=response.charset_encoding,
        etag=response.headers.get("etag", ""),
        last_modified=response.headers.get("last-modified", ""),
        headers=dict(response.headers),
    )


def _fetch_file(url: str, *, policy: FetchPolicy, last_modified: str) -> FetchResult:
    parts = urlsplit(url)
    if parts.netloc not in {"", "localhost"}:
        raise FetchError(f"file URL with a remote host is not supported: {url}")
    raw = Path(url2pathname(unquote(parts.path)))
    # A relative path would be read against the worker's current directory.
    if not raw.is_absolute() or "\x00" in str(raw):
        raise FetchError(f"file URL needs an absolute path: {url!r}")
    path = raw.resolve()
    # Roots are resolved too, so a root given through a symlink still holds its own files.
    if not any(path.is_relative_to(Path(root).resolve()) for root in policy.file_roots):
        raise FetchError(f"refusing to read {path}: it is outside the allowed file roots")
    try:
        stat = path.stat()
        if not path.is_file():
            raise FetchError(f"not a file: {path}")
        if stat.st_size > policy.max_bytes:
            raise FetchError(
                f"file of {stat.st_size} bytes is over the {policy.max_bytes}-byte cap"
            )
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if last_modified and last_modified == modified:
            return FetchResult(url=url, status=304, last_modified=modified)
        with path.open("rb") as handle:
            content = handle.read(policy.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(content) > policy.max_bytes:
        raise FetchError(f"file is over the {policy.max_bytes}-byte cap")
    suffix = path.suffix.lower()
    content_type = {
        ".xml": "application/xml",
        ".rss": "application/rss+xml",
        ".atom": "application/atom+xml",
        ".json": "application/json",
        ".html": "text/html",
        ".htm": "text/html",
    }.get(suffix, "application/octet-stream")
    return FetchResult(
        url=url, status=200, content=content, content_type=content_type, last_modified=modified
    )
