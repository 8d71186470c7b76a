"""Fetch a URL safely and politely: checked addresses, caps, deadline, retries, robots.txt."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import importlib.util
import ipaddress
import logging
import random
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import certifi
import httpx
from protego import Protego

from newsdesk.pipeline.encoding import decode_text
from newsdesk.pipeline.politeness import (
    ALLOW_ALL,
    MAX_CRAWL_DELAY,
    GateTimeout,
    HostGate,
    LocalHostGate,
    RobotsCache,
)

logger = logging.getLogger(__name__)


class FetchError(Exception):
    """A URL could not be fetched; the message says why in one line.

    STATUS is the last HTTP status when there was one; RETRY_AFTER the seconds the server
    asked us to wait (Retry-After), so a scheduler can come back no sooner.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What the fetcher may do: limits, politeness, which private hosts or folders it may read."""

    allow: tuple[str, ...] = ()
    file_roots: tuple[Path, ...] = ()
    max_bytes: int = 10 * 1024 * 1024
    # The default for connect_timeout and read_timeout when they are not set.
    timeout: float = 20.0
    # The whole fetch: every redirect, retry and wait for the host included.
    deadline: float = 60.0
    max_redirects: int = 5
    user_agent: str = "newsdesk"
    connect_timeout: float | None = None
    read_timeout: float | None = None
    # Further attempts after a timeout, a connection error, 429 or 500/502/503/504.
    retries: int = 2
    # Attempt N waits a random time up to backoff * 2**N (full jitter) unless told otherwise.
    backoff: float = 1.0
    # A Retry-After longer than this ends the fetch; the error carries the value.
    max_retry_after: float = 60.0
    # Seconds between two requests to one host; a robots.txt Crawl-delay may raise it.
    host_delay: float = 1.0
    max_crawl_delay: float = MAX_CRAWL_DELAY
    obey_robots: bool = True
    robots_max_bytes: int = 512 * 1024
    robots_timeout: float = 10.0
    # A PEM file of CAs to trust instead of certifi's (an internal CA); None: the public ones.
    ca_file: str | None = None
    # How the fetcher waits between attempts; tests pass a recorder instead of sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    @property
    def connect_seconds(self) -> float:
        """The connect timeout in force."""
        return self.timeout if self.connect_timeout is None else self.connect_timeout

    @property
    def read_seconds(self) -> float:
        """The read timeout in force (between two bytes of the answer)."""
        return self.timeout if self.read_timeout is None else self.read_timeout


@dataclass(slots=True)
class FetchResult:
    """What came back: 200 with a body, or 304 when the validators still hold.

    CHARSET is the one the HTTP Content-Type named (None without one); sniffed_charset()
    and text() look at the bytes too: BOM, the document's own declaration, detection.
    """

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

    @property
    def kind(self) -> str:
        """ "xml" for feeds and other XML, "html" for everything else (it guides sniffing)."""
        return "xml" if "xml" in self.content_type else "html"

    def text(self) -> str:
        """The body as text, decoded with the sniffed charset."""
        return decode_text(self.content, declared=self.charset, kind=self.kind)[0]

    def sniffed_charset(self) -> str:
        """The charset the body really is in, as far as its bytes tell."""
        return decode_text(self.content, declared=self.charset, kind=self.kind)[1]


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """One TLS context per CA file: loading the CA bundle costs more than a loopback fetch."""
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    return ssl.create_default_context(cafile=certifi.where())


def fetch_url(
    url: str,
    *,
    policy: FetchPolicy,
    etag: str = "",
    last_modified: str = "",
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
) -> FetchResult:
    """Fetch an http(s):// or file:// URL under the policy; conditional when given validators.

    GATE spaces requests per host (default: one gate for this process); ROBOTS caches
    robots.txt rules (default: one cache for this process).
    """
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise FetchError(f"malformed URL {url!r}: {exc}") from exc
    if scheme == "file":
        return _fetch_file(url, policy=policy, last_modified=last_modified)
    if scheme not in {"http", "https"}:
        raise FetchError(f"unsupported URL scheme {scheme!r}: {url}")
    fetcher = _HttpFetcher(
        policy=policy,
        gate=DEFAULT_GATE if gate is None else gate,
        # An empty cache is falsy (it has a length), so no `or` here.
        robots=DEFAULT_ROBOTS if robots is None else robots,
    )
    return fetcher.fetch(url, etag=etag, last_modified=last_modified)


DEFAULT_GATE = LocalHostGate()
DEFAULT_ROBOTS = RobotsCache()

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_checked(host: str, *, port: int | None, allow: tuple[str, ...]) -> list[Address]:
    """HOST's addresses, once; refuse if any is non-public and not allowed by host or network."""
    if not host:
        raise FetchError("URL has no host")
    bare = host.strip("[]").lower()
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchError(f"cannot resolve host {bare}: {exc}") from exc
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"cannot resolve host {bare}: no address")
    if bare in {entry.lower() for entry in allow}:
        return addresses
    networks = [net for net in (_as_network(entry) for entry in allow) if net is not None]
    for address in addresses:
        # An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as what it is.
        plain = getattr(address, "ipv4_mapped", None) or address
        if plain.is_global and not plain.is_multicast:
            continue
        if any(address in net or plain in net for net in networks):
            continue
        raise FetchError(
            f"refusing to fetch {bare}: it resolves to the non-public address {address} "
            "(allow it with NEWSDESK_FETCH_ALLOW)"
        )
    return addresses


def check_address_allowed(host: str, *, allow: tuple[str, ...]) -> None:
    """Refuse hosts that resolve to private, loopback, link-local or multicast addresses."""
    resolve_checked(host, port=None, allow=allow)


def _as_network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_ERRORS = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
# Brotli only when a brotli package is there to decode it (none is installed by default).
_HAS_BROTLI = importlib.util.find_spec("brotli") is not None
ACCEPT_ENCODING = "gzip, deflate, br" if _HAS_BROTLI else "gzip, deflate"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml, "
    "text/xml, text/html;q=0.9, */*;q=0.5"
)


@dataclass(slots=True)
class _Target:
    """One URL with its checked addresses: the request goes to those, never to a new lookup."""

    url: str
    parsed: httpx.URL
    addresses: list[Address]

    @property
    def host(self) -> str:
        return self.parsed.raw_host.decode("ascii").lower()

    @property
    def origin(self) -> str:
        return f"{self.parsed.scheme}://{self.host_header}"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.parsed.port}" if self.parsed.port else host


class _Retry(Exception):
    """One attempt failed in a way that another attempt may not."""

    def __init__(self, message: str, *, status: int | None, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class _HttpFetcher:
    """One fetch over http(s): redirects, retries, robots.txt and the host gate."""

    client: httpx.Client

    def __init__(self, *, policy: FetchPolicy, gate: HostGate, robots: RobotsCache) -> None:
        self.policy = policy
        self.gate = gate
        self.robots = robots
        self.started = time.monotonic()

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.policy.deadline - (time.monotonic() - self.started)

    def check_deadline(self) -> None:
        """Raise once the deadline has passed."""
        if self.remaining() <= 0:
            raise FetchError(f"took longer than the {self.policy.deadline:g} s deadline")

    def fetch(self, url: str, *, etag: str, last_modified: str) -> FetchResult:
        """Follow redirects to a result, each hop checked, gated and retried on its own."""
        headers = {"User-Agent": self.policy.user_agent, "Accept": _ACCEPT}
        headers["Accept-Encoding"] = ACCEPT_ENCODING
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: set[str] = set()
        verify = _ssl_context(self.policy.ca_file)
        with httpx.Client(follow_redirects=False, trust_env=False, verify=verify) as client:
            self.client = client
            for _hop in range(self.policy.max_redirects + 1):
                if url in seen:
                    raise FetchError(f"redirect loop at {url}")
                self.check_deadline()
                seen.add(url)
                target = _target(url, allow=self.policy.allow)
                delay = self.policy.host_delay
                if self.policy.obey_robots:
                    delay = max(delay, self.robots_delay(target))
                outcome = self.with_retries(target, headers=headers, delay=delay)
                if isinstance(outcome, FetchResult):
                    return outcome
                url = outcome
        raise FetchError(f"more than {self.policy.max_redirects} redirects from {url}")

    def with_retries(
        self, target: _Target, *, headers: dict[str, str], delay: float
    ) -> FetchResult | str:
        """One hop's result or redirect location, retrying what may pass."""
        attempt = 0
        while True:
            try:
                with self.slot(target, delay=delay):
                    outcome = self.attempt(target, headers=headers, attempt=attempt)
                return outcome
            except _Retry as failure:
                attempt += 1
                wait = self.retry_wait(failure, attempt=attempt)
                self.policy.sleep(wait)

    def retry_wait(self, failure: _Retry, *, attempt: int) -> float:
        """How long to wait before attempt ATTEMPT, or the FetchError that ends the fetch."""
        message = str(failure)
        status, retry_after = failure.status, failure.retry_after
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            raise FetchError(
                f"{message}: Retry-After {retry_after:g} s is over the "
                f"{self.policy.max_retry_after:g} s cap",
                status=status,
                retry_after=retry_after,
            )
        if attempt > self.policy.retries:
            tries = "attempt" if attempt == 1 else "attempts"
            raise FetchError(
                f"{message} ({attempt} {tries})", status=status, retry_after=retry_after
            )
        if retry_after is not None:
            wait = retry_after
        else:
            # Full jitter: workers that failed together do not come back together.
            wait = random.uniform(0, self.policy.backoff * 2 ** (attempt - 1))  # noqa: S311
        if wait >= self.remaining():
            raise FetchError(
                f"{message}: waiting {wait:g} s to retry would pass the "
                f"{self.policy.deadline:g} s deadline",
                status=status,
                retry_after=retry_after,
            )
        return wait

    @contextlib.contextmanager
    def slot(self, target: _Target, *, delay: float) -> Iterator[None]:
        """The host gate's slot for TARGET, waited for no longer than the deadline allows."""
        try:
            with self.gate.slot(target.host, delay=delay, timeout=self.remaining()):
                yield
        except GateTimeout as exc:
            raise FetchError(f"host {target.host} is busy: {exc}") from exc

    def attempt(
        self, target: _Target, *, headers: dict[str, str], attempt: int
    ) -> FetchResult | str:
        """One request: a result, a redirect location, or _Retry / FetchError."""
        self.check_deadline()
        url = target.url
        try:
            response = self.send(target, headers=headers, attempt=attempt)
            try:
                status = response.status_code
                # httpx's is_redirect is true for every 3xx, 304 included.
                if status in _REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"HTTP {status} without Location", status=status)
                    return str(urljoin(url, location))
                if status == 304:
                    return _result(url, response, b"")
                if status in _RETRY_STATUSES:
                    raise _Retry(
                        f"HTTP {status} from {url}",
                        status=status,
                        retry_after=parse_retry_after(response.headers.get("retry-after", "")),
                    )
                # Redirects and 304 were handled above; other 3xx carry no feed.
                if status >= 300:
                    raise FetchError(f"HTTP {status} from {url}", status=status)
                body = self.read_capped(response, limit=self.policy.max_bytes, cut=False)
                return _result(url, response, body)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out fetching {url}", status=None, retry_after=None) from exc
        except _RETRY_ERRORS as exc:
            if certificate_error(exc):
                # The same certificate will be wrong on the next attempt too.
                raise FetchError(f"cannot fetch {url}: {exc}") from exc
            raise _Retry(f"cannot fetch {url}: {exc}", status=None, retry_after=None) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {exc}") from exc
        except (httpx.InvalidURL, ValueError) as exc:
            # A bad port, a stray control character or a broken Location header.
            raise FetchError(f"malformed URL {url!r}: {exc}") from exc

    def send(
        self,
        target: _Target,
        *,
        headers: dict[str, str],
        attempt: int,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Open a streamed request to one of TARGET's checked addresses, never to the name."""
        left = self.remaining() if timeout is None else min(timeout, self.remaining())
        timeouts = httpx.Timeout(
            connect=min(self.policy.connect_seconds, left),
            read=min(self.policy.read_seconds, left),
            write=min(self.policy.read_seconds, left),
            pool=min(self.policy.connect_seconds, left),
        )
        # Each attempt starts with the next address, so a retry tries another one first.
        start = attempt % len(target.addresses)
        order = target.addresses[start:] + target.addresses[:start]
        failure: httpx.ConnectError | None = None
        for address in order:
            request = self.client.build_request(
                "GET",
                target.parsed.copy_with(host=str(address), username=None, password=None),
                headers={**headers, "Host": target.host_header},
                # Certificates are checked (and SNI sent) for the name, not the address.
                extensions={"sni_hostname": target.host},
                timeout=timeouts,
            )
            try:
                return self.client.send(request, stream=True)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    def read_capped(self, response: httpx.Response, *, limit: int, cut: bool) -> bytes:
        """The decoded body, at most LIMIT bytes once decompressed; CUT keeps a prefix, not fail."""
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"body of {declared} bytes is over the {limit}-byte cap")
        decoder = _Decoder(response.headers.get("content-encoding", ""), limit=limit)
        chunks: list[bytes] = []
        for raw in response.iter_raw():
            try:
                chunks.append(decoder.feed(raw))
            except _OverCap as exc:
                if cut:
                    chunks.append(exc.kept)
                    break
                raise FetchError(f"body is over the {limit}-byte cap") from None
            self.check_deadline()
        else:
            chunks.append(decoder.flush())
        return b"".join(chunks)

    def robots_delay(self, target: _Target) -> float:
        """Refuse TARGET if robots.txt disallows it; else the Crawl-delay it asks, capped."""
        rules = self.robots.get(target.origin)
        if rules is None:
            rules = self.fetch_robots(target)
            self.robots.put(target.origin, rules)
        token = product_token(self.policy.user_agent)
        if not rules.can_fetch(target.url, token):
            raise FetchError(f"disallowed by robots.txt: {target.url}")
        delay = rules.crawl_delay(token)
        return min(float(delay), self.policy.max_crawl_delay) if delay else 0.0

    def fetch_robots(self, target: _Target) -> Protego:
        """The host's robots.txt rules; ALLOW_ALL when there are none to obey."""
        robots_url = f"{target.origin}/robots.txt"
        robots_target = _Target(
            url=robots_url, parsed=httpx.URL(robots_url), addresses=target.addresses
        )
        headers = {"User-Agent": self.policy.user_agent, "Accept": "text/plain, */*;q=0.5"}
        headers["Accept-Encoding"] = ACCEPT_ENCODING
        # A busy host is the caller's problem (FetchError); only the robots request is caught.
        with self.slot(robots_target, delay=self.policy.host_delay):
            try:
                response = self.send(
                    robots_target, headers=headers, attempt=0, timeout=self.policy.robots_timeout
                )
                try:
                    status = response.status_code
                    if 200 <= status < 300:
                        # Like Google, read the first 512 KiB and ignore the rest.
                        body = self.read_capped(
                            response, limit=self.policy.robots_max_bytes, cut=True
                        )
                        return Protego.parse(body.decode("utf-8", errors="replace"))
                finally:
                    response.close()
            except (httpx.HTTPError, FetchError) as exc:
                status = 0
                reason = str(exc) or type(exc).__name__
            else:
                reason = f"HTTP {status}"
        if 400 <= status < 500 and status != 429:
            # No robots.txt (or none for us to read): everything is allowed, as RFC 9309 says.
            return ALLOW_ALL
        # 5xx, 429, a redirect or no answer. RFC 9309 and Google treat a server error as
        # "disallow everything" for a while, which protects a struggling crawler target.
        # We fetch a handful of feeds and pages a publisher offers for syndication, spaced
        # by host_delay, so our load is already small; stopping ingestion for an hour
        # because robots.txt is broken would cost readers the news. So: allow, and say so.
        # INFO: when the host is down the page fetch itself fails and says so.
        logger.info(
            "robots.txt of %s unreadable (%s): treating as allow-all", target.origin, reason
        )
        return ALLOW_ALL


def certificate_error(exc: BaseException) -> bool:
    """Whether EXC was caused by a TLS certificate that failed verification."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent ("newsdesk" of "newsdesk/0.1 (...)"), for robots.txt."""
    first = user_agent.strip().split(maxsplit=1)[0] if user_agent.strip() else "*"
    return first.split("/", 1)[0]


def parse_retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date; None if neither."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _target(url: str, *, allow: tuple[str, ...]) -> _Target:
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:
        raise FetchError(f"malformed URL {url!r}: {exc}") from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(f"redirect to unsupported scheme: {url}")
    if not hostname:
        raise FetchError("URL has no host")
    try:
        parsed = httpx.URL(url)
        port = parsed.port
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(f"malformed URL {url!r}: {exc}") from exc
    host = parsed.raw_host.decode("ascii")
    addresses = resolve_checked(host, port=port, allow=allow)
    return _Target(url=url, parsed=parsed, addresses=addresses)


class _OverCap(Exception):
    """The decoded body passed the cap; KEPT is what fitted."""

    def __init__(self, kept: bytes) -> None:
        super().__init__("over the cap")
        self.kept = kept


class _Decoder:
    """Undo gzip or deflate a chunk at a time, never producing more than the cap allows.

    httpx's own decoder inflates a whole network chunk at once, so 64 KiB of a gzip bomb
    would become 64 MiB before any cap could look at it.
    """

    def __init__(self, content_encoding: str, *, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise FetchError(f"unsupported content encoding {content_encoding!r}")
        self.coding = codings[0] if codings else ""
        self.limit = limit
        self.size = 0
        self.inflater: Any = None
        self.deflate_first = True
        if self.coding in {"gzip", "x-gzip"}:
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.coding == "deflate":
            self.inflater = zlib.decompressobj()
        elif self.coding == "br" and _HAS_BROTLI:
            self.inflater = importlib.import_module("brotli").Decompressor()
        elif self.coding:
            raise FetchError(f"unsupported content encoding {content_encoding!r}")

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes for DATA; raises _OverCap past the limit."""
        if self.inflater is None:
            return self.keep(data)
        if self.coding == "br":
            return self.keep(self.inflater.process(data))
        out: list[bytes] = []
        while data:
            budget = self.limit - self.size + 1
            try:
                piece = self.inflater.decompress(data, budget)
            except zlib.error as exc:
                if self.coding == "deflate" and self.deflate_first:
                    # Some servers send raw deflate without the zlib wrapper.
                    self.deflate_first = False
                    self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(f"corrupt {self.coding} body: {exc}") from exc
            self.deflate_first = False
            out.append(self.keep(piece, kept=out))
            data = self.inflater.unconsumed_tail
            if self.inflater.eof:
                # A gzip body may hold several members one after another.
                data = self.inflater.unused_data
                if data and self.coding != "deflate":
                    self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                else:
                    break
        return b"".join(out)

    def keep(self, piece: bytes, kept: list[bytes] | None = None) -> bytes:
        """Count PIECE against the limit."""
        if self.size + len(piece) > self.limit:
            fits = piece[: self.limit - self.size]
            raise _OverCap(b"".join([*(kept or []), fits]))
        self.size += len(piece)
        return piece

    def flush(self) -> bytes:
        """Whatever the decompressor still holds at the end of the body."""
        if self.inflater is None or self.coding == "br":
            return b""
        return self.keep(self.inflater.flush())


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
