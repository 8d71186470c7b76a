"""Parse RSS, Atom and RDF feeds into plain items with feedparser."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser


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


def parse_feed(content: bytes, *, url: str = "") -> ParsedFeed:
    """Parse feed bytes; raise FeedError when they hold no feed."""
    if not content.strip():
        raise FeedError("empty response: no feed")
    parsed = feedparser.parse(content, response_headers={"content-location": url})
    if not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        detail = f": {str(reason).splitlines()[0]}" if reason else ""
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
        link=link,
        title=str(entry.get("title", "")).strip(),
        published=_entry_time(entry),
        authors=[str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")],
        summary=str(entry.get("summary", "")).strip(),
        content_html=content_html,
        image_url=_entry_image(entry),
        guid=str(entry.get("id", "")),
    )


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
