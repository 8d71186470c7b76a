"""Parse RSS, Atom and RDF feeds into plain items with feedparser."""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html


class FeedError(Exception):
    """The bytes are not a feed we can read; the message says why in one line."""


@dataclass(slots=True)
class FeedItem:
    """One entry of a feed."""

    link: str
    title: str
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str = ""
    content_html: str = ""
    image_url: str = ""
    guid: str = ""

    def fingerprint(self) -> str:
        """A hash of what the feed says about the item; it changes when the item is edited."""
        stamp = self.published.isoformat() if self.published else ""
        raw = "\x1f".join([self.title, self.summary, self.content_html, stamp])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class ParsedFeed:
    """A feed's own title and link, and its items in document order."""

    title: str
    link: str
    language: str
    items: list[FeedItem]


def parse_feed(content: bytes, *, url: str = "", charset: str | None = None) -> ParsedFeed:
    """Parse feed bytes (CHARSET: the HTTP header's, if any); raise FeedError when no feed."""
    if not content.strip():
        raise FeedError("empty response: no feed")
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
    if not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        lines = str(reason).splitlines() if reason else []
        detail = f": {lines[0]}" if lines else ""
        raise FeedError(f"not a readable feed{detail}")
    items = [_item(entry) for entry in parsed.entries]
    return ParsedFeed(
        title=str(parsed.feed.get("title", "")),
        link=str(parsed.feed.get("link", "")),
        language=str(parsed.feed.get("language", "")),
        items=items,
    )


def _item(entry: Any) -> FeedItem:
    content_html = ""
    for content in entry.get("content", []) or []:
        if content.get("type", "") in {"text/html", "application/xhtml+xml"}:
            content_html = str(content.get("value", ""))
            break
    link = str(entry.get("link", "")).strip()
    if link.startswith("file://") and not link.startswith("file:///"):
        # feedparser drops the empty host of file:///path; put it back.
        link = "file:///" + link.removeprefix("file://")
    return FeedItem(
        link=link if _link_scheme(link) in _LINK_SCHEMES else "",
        title=_plain_title(entry),
        published=_entry_time(entry),
        authors=[str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")],
        summary=str(entry.get("summary", "")).strip(),
        content_html=content_html,
        image_url=_entry_image(entry),
        guid=str(entry.get("id", "")),
    )


_LINK_SCHEMES = frozenset({"", "http", "https", "file"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _link_scheme(link: str) -> str | None:
    """The link's scheme; None when it is malformed. javascript: or data: links are dropped."""
    try:
        return urlsplit(link).scheme.lower()
    except ValueError:
        return None


def _plain_title(entry: Any) -> str:
    """The entry's title as plain text; feedparser keeps markup when the title looks like HTML."""
    # Control characters have no place in a title, and lxml refuses them.
    title = _CONTROL.sub("", str(entry.get("title", ""))).strip()
    detail = entry.get("title_detail") or {}
    if title and detail.get("type") in {"text/html", "application/xhtml+xml"}:
        title = lxml.html.fragment_fromstring(title, create_parent="span").text_content()
    return " ".join(title.split())


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
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
