"""Parse RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed documents into plain items."""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
from feedparser.exceptions import ThingsNobodyCaresAboutButMe
from lxml_html_clean import Cleaner

from newsdesk.pipeline.discover import feed_links, looks_like_html


class FeedError(Exception):
    """The bytes are not a feed we can read; the message says why in one line."""


@dataclass(slots=True)
class FeedItem:
    """One entry of a feed; fields the feed leaves out are empty, for the caller to judge."""

    link: str
    title: str
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str = ""
    content_html: str = ""
    image_url: str = ""
    guid: str = ""
    updated: datetime | None = None

    def fingerprint(self) -> str:
        """A hash of what the feed says about the item; it changes when the item is edited.

        An update time counts where it differs from the publication time: a news sitemap's
        lastmod moves when the page is edited while the item says nothing else.
        """
        stamp = self.published.isoformat() if self.published else ""
        raw = "\x1f".join([self.title, self.summary, self.content_html, stamp])
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        if self.updated is None or self.updated == self.published:
            return digest
        return hashlib.sha256(f"{digest}\x1f{self.updated.isoformat()}".encode()).hexdigest()


@dataclass(slots=True)
class ParsedFeed:
    """A feed's own title and link, and its items in document order.

    FORMAT names what was read (feedparser's version, e.g. rss20, atom10, rss10, rss091u,
    or json10/json11). WARNING is set when the XML was broken but items before the damage
    were still read; the caller may log it.
    """

    title: str
    link: str
    language: str
    items: list[FeedItem]
    format: str = ""
    warning: str = ""


def parse_feed(content: bytes, *, url: str = "", charset: str | None = None) -> ParsedFeed:
    """Parse feed bytes (CHARSET: the HTTP header's, if any); raise FeedError when no feed."""
    if not content.strip():
        raise FeedError("empty response: no feed")
    text = _as_ascii_compatible(content)
    if _JSON_START.match(text):
        return _parse_json_feed(content, url=url)
    if _declares_entities(text):
        # Entity declarations are how XXE and billion-laughs attacks start; feedparser's own
        # DOCTYPE filter is a regex that a comment can sidestep, so they never reach it.
        raise FeedError("not a readable feed: its DOCTYPE declares XML entities (refused)")
    if _looks_binary(text):
        raise FeedError(f"not a readable feed: {_binary_kind(content)}")
    # A stream, because feedparser opens bytes that name a local file; and an XML content
    # type, because without one feedparser decodes undeclared encodings as ISO-8859-1
    # whenever the strict parser gives up (an &laquo; is enough) instead of XML's UTF-8.
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers={
            "content-location": url,
            "content-type": f"application/xml; charset={charset}" if charset else "application/xml",
        },
    )
    version = str(parsed.get("version") or "")
    reason = parsed.get("bozo_exception")
    broken = bool(parsed.get("bozo")) and not isinstance(reason, ThingsNobodyCaresAboutButMe)
    if not version:
        raise FeedError(f"not a readable feed: {_not_a_feed_reason(text, url=url, reason=reason)}")
    warning = ""
    if broken:
        # feedparser's loose parser keeps the items before the damage (a truncated body);
        # with none of them there is nothing to trust.
        if not parsed.entries:
            raise FeedError(f"not a readable feed: broken XML with no items ({_line(reason)})")
        warning = f"broken XML, items before the damage kept ({_line(reason)})"
    return ParsedFeed(
        title=_plain_text(
            str(parsed.feed.get("title", "")), detail=parsed.feed.get("title_detail")
        ),
        link=str(parsed.feed.get("link", "")),
        language=str(parsed.feed.get("language", "")),
        items=[_item(entry) for entry in parsed.entries],
        format=version,
        warning=warning,
    )


# --- XML feeds through feedparser ---------------------------------------------------------


def _item(entry: Any) -> FeedItem:
    content_html = ""
    for content in entry.get("content", []) or []:
        if content.get("type", "") in {"text/html", "application/xhtml+xml"}:
            content_html = str(content.get("value", ""))
            break
    if not content_html:
        # Russian news feeds carry the full text as plain text in Yandex's <yandex:full-text>.
        content_html = _paragraphs_html(str(dict.get(entry, "yandex_full-text", "")))
    link = str(entry.get("link", "")).strip()
    if link.startswith("file://") and not link.startswith("file:///"):
        # feedparser drops the empty host of file:///path; put it back.
        link = "file:///" + link.removeprefix("file://")
    return FeedItem(
        link=_safe_link(link),
        title=_plain_text(str(entry.get("title", "")), detail=entry.get("title_detail")),
        published=_entry_time(entry, keys=("published_parsed", "updated_parsed", "created_parsed")),
        updated=_entry_time(entry, keys=("updated_parsed",)),
        authors=[str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")],
        summary=str(entry.get("summary", "")).strip(),
        content_html=content_html,
        image_url=_entry_image(entry),
        guid=str(entry.get("id", "")),
    )


_LINK_SCHEMES = frozenset({"", "http", "https", "file"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _safe_link(link: str) -> str:
    """The link when it is a web or file URL; javascript:, data: and malformed links become ""."""
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return ""
    return link if scheme in _LINK_SCHEMES else ""


def _plain_text(title: str, *, detail: Any) -> str:
    """A title as plain text; feedparser keeps markup when the title looks like HTML."""
    # Control characters have no place in a title, and lxml refuses them.
    title = _CONTROL.sub("", title).strip()
    if title and (detail or {}).get("type") in {"text/html", "application/xhtml+xml"}:
        title = lxml.html.fragment_fromstring(title, create_parent="span").text_content()
    return " ".join(title.split())


def _entry_time(entry: Any, *, keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        # dict.get: feedparser's own get() answers updated_parsed with published_parsed.
        value = dict.get(entry, key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _entry_image(entry: Any) -> str:
    for media in entry.get("media_content", []) or []:
        if str(media.get("medium", "image")) == "image" and media.get("url"):
            return str(media["url"])
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return str(link.get("href", ""))
    for thumb in entry.get("media_thumbnail", []) or []:
        if thumb.get("url"):
            return str(thumb["url"])
    return ""


# --- screening the bytes before any parser ------------------------------------------------

_JSON_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*[{\[]")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_WIDE_ENCODINGS = (
    # Longest first: a UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),  # "<?xm" in EBCDIC, which feedparser also reads
)


def _as_ascii_compatible(content: bytes) -> bytes:
    """The bytes re-encoded as UTF-8 when they are UTF-16/32 or EBCDIC, so markup is ASCII."""
    for mark, encoding in _WIDE_ENCODINGS:
        if content.startswith(mark):
            return content.decode(encoding, errors="replace").encode("utf-8")
    return content


def _declares_entities(text: bytes) -> bool:
    """True when a DOCTYPE declares entities; real feeds never need one."""
    doctype = _DOCTYPE.search(text)
    return doctype is not None and b"<!ENTITY" in text[doctype.end() :]


def _looks_binary(text: bytes) -> bool:
    """True when the start of the body is not text: NUL bytes or many control bytes."""
    head = text[:4096]
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return b"\x00" in head or controls > len(head) // 20


def _binary_kind(content: bytes) -> str:
    """A one-line description of binary content by its magic bytes."""
    if content.startswith(b"\x1f\x8b"):
        return "gzip-compressed data, not a feed (a .gz file?)"
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return f"binary data ({kind}), not XML or JSON"
    return "binary data, not XML or JSON"


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
)


def _not_a_feed_reason(text: bytes, *, url: str, reason: Any) -> str:
    """Why bytes that feedparser did not recognise are no feed, with a hint when there is one."""
    head = text[:2048]
    if looks_like_html(head):
        found = feed_links(text, url=url)
        if found:
            return "looks like an HTML page; it links to feeds: " + ", ".join(
                feed.url for feed in found[:3]
            )
        return "looks like an HTML page"
    lowered = head.lower()
    if b"<urlset" in lowered or b"<sitemapindex" in lowered:
        return "looks like a sitemap"
    if b"<opml" in lowered:
        return "looks like an OPML list of feeds"
    if reason is not None and not isinstance(reason, ThingsNobodyCaresAboutButMe):
        return _line(reason)
    if head.lstrip().startswith(b"<"):
        return "XML, but not RSS, Atom or RDF"
    return "plain text, not XML or JSON"


def _line(reason: Any) -> str:
    """The first line of an exception's message."""
    lines = str(reason).strip().splitlines()
    return lines[0] if lines else type(reason).__name__


# --- JSON Feed 1.0 and 1.1 ----------------------------------------------------------------

_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_JSON_FORMATS = {"1": "json10", "1.1": "json11"}


def _parse_json_feed(content: bytes, *, url: str) -> ParsedFeed:
    """Read a JSON Feed (https://jsonfeed.org/version/1.1, and 1.0)."""
    try:
        document = json.loads(content)
    except UnicodeDecodeError:
        raise FeedError("not a readable feed: JSON that is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise FeedError(f"not a readable feed: invalid JSON ({_line(exc)})") from None
    except RecursionError:
        raise FeedError("not a readable feed: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise FeedError("not a readable feed: JSON whose top level is not an object")
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_VERSION):
        raise FeedError(f'not a readable feed: JSON without a "version" of {_JSON_FEED_VERSION}…')
    items = document.get("items", [])
    if not isinstance(items, list):
        raise FeedError('not a readable feed: JSON Feed whose "items" is not a list')
    base = url or _string(document, key="feed_url")
    feed_authors = _json_authors(document)
    return ParsedFeed(
        title=_plain_text(_string(document, key="title"), detail=None),
        link=_absolute(_string(document, key="home_page_url"), base=base),
        language=_string(document, key="language"),
        items=[
            _json_item(item, base=base, feed_authors=feed_authors)
            for item in items
            if isinstance(item, dict)
        ],
        format=_JSON_FORMATS.get(version.removeprefix(_JSON_FEED_VERSION), "json"),
    )


def _json_item(item: dict[str, Any], *, base: str, feed_authors: list[str]) -> FeedItem:
    """One JSON Feed item as a FeedItem; text fields become HTML as the XML formats give them."""
    link = _absolute(_string(item, key="url") or _string(item, key="external_url"), base=base)
    content_html = _string(item, key="content_html")
    if content_html:
        content_html = _clean_html(content_html, base=link or base)
    else:
        content_html = _paragraphs_html(_string(item, key="content_text"))
    published = _json_time(_string(item, key="date_published"))
    updated = _json_time(_string(item, key="date_modified"))
    image = _string(item, key="image") or _string(item, key="banner_image")
    return FeedItem(
        link=link,
        title=_plain_text(_string(item, key="title"), detail=None),
        published=published or updated,
        updated=updated,
        authors=_json_authors(item) or feed_authors,
        summary=html.escape(_string(item, key="summary").strip(), quote=False),
        content_html=content_html,
        image_url=_absolute(image, base=link or base),
        guid=_json_id(item),
    )


def _paragraphs_html(text: str) -> str:
    """Plain text as HTML paragraphs, one per blank-line-separated block."""
    blocks = (" ".join(block.split()) for block in re.split(r"\n\s*\n", _CONTROL.sub("", text)))
    return "".join(f"<p>{html.escape(block, quote=False)}</p>" for block in blocks if block)


def _string(obj: dict[str, Any], *, key: str) -> str:
    """OBJ[KEY] when it is a string; "" when missing or of another type."""
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _json_id(item: dict[str, Any]) -> str:
    """The item's id; a number in the wild, though the spec says string, is spelled out."""
    value = item.get("id")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _string(item, key="id")


def _json_authors(obj: dict[str, Any]) -> list[str]:
    """Author names from 1.1's "authors" list or 1.0's "author" object."""
    authors = obj.get("authors")
    if not isinstance(authors, list):
        author = obj.get("author")
        authors = [author] if isinstance(author, dict) else []
    names = (_string(a, key="name").strip() for a in authors if isinstance(a, dict))
    return [name for name in names if name]


def _json_time(value: str) -> datetime | None:
    """An RFC 3339 time as aware UTC; a time without an offset is taken as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _absolute(link: str, *, base: str) -> str:
    """LINK resolved against BASE, or "" when it is not a web or file URL."""
    link = link.strip()
    if not link:
        return ""
    try:
        link = urljoin(base, link)
    except ValueError:
        return ""
    return _safe_link(link)


_CLEANER = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=True,
    inline_style=True,
    embedded=True,
    frames=True,
    forms=True,
    meta=True,
    page_structure=True,
    processing_instructions=True,
    safe_attrs_only=True,
)


def _clean_html(fragment: str, *, base: str) -> str:
    """FRAGMENT without scripts, handlers or styles, links made absolute (as feedparser does)."""
    try:
        root = lxml.html.fragment_fromstring(_CONTROL.sub("", fragment), create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return ""
    _CLEANER(root)
    if base:
        root.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    inner = [html.escape(root.text or "", quote=False)]
    inner += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(inner).strip()
