"""Parse XML, gzip-compressed and plain-text sitemaps, sitemap indexes and news sitemaps."""

from __future__ import annotations

import email.utils
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import lxml.etree

from newsdesk.pipeline.discover import looks_like_html
from newsdesk.pipeline.xmlsafe import SAFE_XML_OPTIONS, declares_entities

# The sitemap protocol's own limits: 50,000 entries and 50 MB uncompressed per file.
MAX_ENTRIES = 50_000
MAX_BYTES = 50 * 1024 * 1024


class SitemapError(Exception):
    """The bytes are not a sitemap we can read; the message says why in one line."""


@dataclass(slots=True)
class SitemapUrl:
    """One <url> of a sitemap, with the Google News and image extensions when present."""

    loc: str
    lastmod: datetime | None = None
    news_title: str = ""
    news_published: datetime | None = None
    news_language: str = ""
    news_keywords: list[str] = field(default_factory=list)
    news_publication: str = ""
    image_urls: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ChildSitemap:
    """One <sitemap> of a sitemap index."""

    loc: str
    lastmod: datetime | None = None


@dataclass(slots=True)
class Sitemap:
    """A sitemap index (SITEMAPS set) or a list of pages (URLS set), in document order.

    DROPPED_OVER_LIMIT counts entries past MAX_ENTRIES that were not kept; DROPPED_INVALID
    counts entries whose loc was missing, relative or not http(s).
    """

    url: str
    kind: Literal["index", "urlset", "text"]
    sitemaps: list[ChildSitemap] = field(default_factory=list)
    urls: list[SitemapUrl] = field(default_factory=list)
    dropped_over_limit: int = 0
    dropped_invalid: int = 0


def parse_sitemap(content: bytes, *, url: str, max_entries: int = MAX_ENTRIES) -> Sitemap:
    """Parse sitemap bytes fetched from URL (gzip is detected by its magic bytes)."""
    if content.startswith(_GZIP_MAGIC):
        content = _gunzip(content)
    if not content.strip():
        raise SitemapError("empty sitemap")
    if looks_like_html(content):
        raise SitemapError("not a sitemap: looks like an HTML page")
    if _XML_START.match(content):
        return _parse_xml(content, url=url, max_entries=max_entries)
    return _parse_text(content, url=url, max_entries=max_entries)


_GZIP_MAGIC = b"\x1f\x8b"
_XML_START = re.compile(rb"\A(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\s\x00]*<")


def _gunzip(content: bytes) -> bytes:
    """Decompress a .xml.gz body, refusing more than MAX_BYTES (a gzip bomb)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, MAX_BYTES + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken gzip data: {exc}") from None
    if len(data) > MAX_BYTES:
        raise SitemapError(f"gzip sitemap expands beyond {MAX_BYTES // (1024 * 1024)} MB")
    if not inflater.eof:
        raise SitemapError("truncated gzip data")
    return data


# --- XML sitemaps -------------------------------------------------------------------------


def _parse_xml(content: bytes, *, url: str, max_entries: int) -> Sitemap:
    """Stream the XML so a 50,000-entry sitemap never sits in memory as one tree."""
    events = lxml.etree.iterparse(io.BytesIO(content), events=("start", "end"), **SAFE_XML_OPTIONS)
    kept = 0
    try:
        _, root = next(events)
        sitemap = _sitemap_for_root(root, url=url)
        for event, element in events:
            if event != "end" or element.getparent() is not root:
                continue
            entry = _entry(element, kind=sitemap.kind)
            if entry is None:
                sitemap.dropped_invalid += 1
            elif kept >= max_entries:
                sitemap.dropped_over_limit += 1
            elif isinstance(entry, ChildSitemap):
                sitemap.sitemaps.append(entry)
                kept += 1
            else:
                sitemap.urls.append(entry)
                kept += 1
            # Entries already read are no longer needed.
            element.clear()
            while element.getprevious() is not None:
                del root[0]
    except lxml.etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a readable sitemap: malformed XML ({_line(exc)})") from None
    except StopIteration:
        raise SitemapError("not a readable sitemap: no XML element") from None
    return sitemap


def _sitemap_for_root(root: Any, *, url: str) -> Sitemap:
    """An empty Sitemap of the kind the root element names; SitemapError for other XML."""
    if declares_entities(root):
        # Nothing is expanded (resolve_entities=False), but sitemaps never need entities.
        raise SitemapError("not a readable sitemap: its DOCTYPE declares XML entities (refused)")
    name = _local(root).lower()
    if name == "urlset":
        return Sitemap(url=url, kind="urlset")
    if name == "sitemapindex":
        return Sitemap(url=url, kind="index")
    hint = {
        "html": "looks like an HTML page",
        "rss": "an RSS feed",
        "feed": "an Atom feed",
        "rdf": "an RSS 1.0 feed",
        "opml": "an OPML list of feeds",
    }.get(name, f"root element <{name}>")
    raise SitemapError(f"not a sitemap: {hint}, not <urlset> or <sitemapindex>")


def _entry(element: Any, *, kind: str) -> SitemapUrl | ChildSitemap | None:
    """A <url> or <sitemap> element as an entry; None when its loc is not an absolute web URL."""
    name = _local(element)
    if (kind, name) not in {("urlset", "url"), ("index", "sitemap")}:
        return None
    loc = ""
    lastmod: datetime | None = None
    entry = SitemapUrl(loc="")
    for child in element:
        child_name = _local(child)
        if child_name == "loc":
            loc = _text(child)
        elif child_name == "lastmod":
            lastmod = w3c_datetime(_text(child))
        elif child_name == "news" and kind == "urlset":
            _read_news(child, into=entry)
        elif child_name == "image" and kind == "urlset":
            image = next((_text(e) for e in child.iter() if _local(e) == "loc"), "")
            if _web_url(image):
                entry.image_urls.append(image)
    if not _web_url(loc):
        return None
    if kind == "index":
        return ChildSitemap(loc=loc, lastmod=lastmod)
    entry.loc = loc
    entry.lastmod = lastmod
    return entry


def _read_news(news: Any, *, into: SitemapUrl) -> None:
    """Copy the Google News fields of a <news:news> element into INTO."""
    for element in news.iter():
        name = _local(element)
        if name == "title":
            into.news_title = _text(element)
        elif name == "publication_date":
            into.news_published = w3c_datetime(_text(element))
        elif name == "language":
            into.news_language = _text(element).lower()
        elif name == "name":
            into.news_publication = _text(element)
        elif name == "keywords":
            into.news_keywords = [k.strip() for k in _text(element).split(",") if k.strip()]


def _local(element: Any) -> str:
    """The element's name without its namespace; "" for comments and the like."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _text(element: Any) -> str:
    """The element's text, whitespace collapsed; unexpanded entity references count as nothing."""
    return " ".join((element.text or "").split())


def _line(exc: Exception) -> str:
    """The first line of an exception's message."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --- plain-text sitemaps ------------------------------------------------------------------


def _parse_text(content: bytes, *, url: str, max_entries: int) -> Sitemap:
    """A text sitemap: one absolute URL per line, UTF-8."""
    head = content[:4096]
    if b"\x00" in head or sum(1 for b in head if b < 9 or 13 < b < 32) > len(head) // 20:
        raise SitemapError("not a sitemap: binary data")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SitemapError("not a sitemap: text that is not UTF-8") from None
    sitemap = Sitemap(url=url, kind="text")
    for line in text.splitlines():
        loc = line.strip()
        if not loc:
            continue
        if not _web_url(loc):
            sitemap.dropped_invalid += 1
        elif len(sitemap.urls) >= max_entries:
            sitemap.dropped_over_limit += 1
        else:
            sitemap.urls.append(SitemapUrl(loc=loc))
    if not sitemap.urls and not sitemap.dropped_over_limit:
        raise SitemapError("not a sitemap: no line is an http(s) URL")
    return sitemap


def _web_url(loc: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace."""
    if not loc or any(ch.isspace() for ch in loc):
        return False
    try:
        parts = urlsplit(loc)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


# --- dates --------------------------------------------------------------------------------

_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def w3c_datetime(value: str) -> datetime | None:
    """A W3C datetime (2025, 2025-03, 2025-03-04, 2025-03-04T10:00+03:00...) as aware UTC.

    A time without an offset is taken as UTC; an RFC 822 date (seen in the wild) is read
    too; anything else is None.
    """
    value = value.strip()
    if not value:
        return None
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None and (match := _YEAR_MONTH.match(value)):
        try:
            moment = datetime(int(match[1]), int(match[2] or 1), 1)
        except ValueError:
            return None
    if moment is None:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
