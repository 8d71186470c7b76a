"""Canonical article URLs: trackers, fragments and default ports removed; same-site checks."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import courlan

# Trackers courlan's list does not know: Yandex's _openstat and the "from=rss" that
# Russian sites append to feed links (plus their kin from=yxnews, from=tg, ...).
_EXTRA_TRACKERS = re.compile(r"^(?:_openstat|from|utm\w*|rss|ncid|cmpid|smid)$", re.I)
_MAX_URL = 4096


class URLError(ValueError):
    """The text is not an absolute http(s) URL we can use."""


def canonical_url(url: str, *, base: str = "") -> str:
    """URL (resolved against BASE) as an absolute http(s) URL without trackers, fragment or port.

    Scheme and host are lower-cased, the default port and the fragment dropped, tracking
    parameters (utm_*, fbclid, gclid, yclid, _openstat, from=rss, ...) removed and the
    remaining ones sorted; parameters that pick the page (?id=123) stay. Raises URLError.
    """
    text = (url or "").strip()
    if not text or len(text) > _MAX_URL or any(ord(c) < 32 for c in text):
        raise URLError(f"not a usable URL: {url[:200]!r}")
    try:
        absolute = urljoin(base, text) if base else text
        parts = urlsplit(absolute)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        raise URLError(f"malformed URL {url[:200]!r}: {exc}") from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise URLError(f"not an absolute http(s) URL: {url[:200]!r}")
    if parts.username or parts.password:
        raise URLError(f"URL carries credentials: {url[:200]!r}")
    del port
    # RFC 3986 dot segments ("/a/../b/./c" is "/b/c"); urljoin removes them.
    path = urljoin("http://h/", "/" + parts.path.lstrip("/"))[len("http://h") :]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracker(k)]
    )
    try:
        normal = courlan.normalize_url(
            urlunsplit((parts.scheme, parts.netloc, path, query, "")), strict=False
        )
    except (ValueError, UnicodeError) as exc:
        raise URLError(f"malformed URL {url[:200]!r}: {exc}") from exc
    # courlan keeps fragments outside strict mode; an article is the page, not a place in it.
    return urlunsplit(urlsplit(normal)._replace(fragment=""))


def registered_domain(url: str) -> str:
    """The site a URL belongs to: example.co.uk for news.example.co.uk, the host for an IP."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    if not host:
        return ""
    domain = courlan.extract_domain(f"http://{host}/")
    return (domain or host).lower()


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same registered domain."""
    first, second = registered_domain(url), registered_domain(other)
    return bool(first) and first == second


def _tracker(name: str) -> bool:
    lowered = name.lower()
    return bool(_EXTRA_TRACKERS.match(lowered) or courlan.clean.TRACKERS_RE.search(lowered))
