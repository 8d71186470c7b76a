"""Read and write OPML subscription lists: the feeds a reader or another newsdesk follows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import lxml.etree

from newsdesk.pipeline.discover import looks_like_html
from newsdesk.pipeline.xmlsafe import declares_entities, safe_xml_parser


class OpmlError(Exception):
    """The bytes are not an OPML list we can read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class OpmlOutline:
    """One feed of an OPML list; CATEGORY is the text of the folder outline it sits in."""

    title: str
    xml_url: str
    html_url: str = ""
    language: str = ""
    category: str = ""


def parse_opml(content: bytes) -> list[OpmlOutline]:
    """The feeds of an OPML document, folders flattened, in document order.

    Outlines without an http(s) xmlUrl are folders or links, not feeds, and are left out;
    a feed listed twice is kept once, where it first appears.
    """
    if not content.strip():
        raise OpmlError("empty OPML document")
    if looks_like_html(content):
        raise OpmlError("not an OPML document: looks like an HTML page")
    try:
        root = lxml.etree.fromstring(content, parser=safe_xml_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise OpmlError(f"not a readable OPML document: malformed XML ({_line(exc)})") from None
    if declares_entities(root):
        raise OpmlError("not a readable OPML document: its DOCTYPE declares XML entities (refused)")
    if not isinstance(root.tag, str) or root.tag.lower() != "opml":
        name = root.tag if isinstance(root.tag, str) else "?"
        raise OpmlError(f"not an OPML document: root element <{name}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("not a readable OPML document: no <body>")
    feeds: list[OpmlOutline] = []
    seen: set[str] = set()
    # An explicit stack, not recursion: folders nest as deep as the document says.
    stack: list[tuple[Any, str]] = [(child, "") for child in reversed(body)]
    while stack:
        outline, category = stack.pop()
        if outline.tag != "outline":
            continue
        text = _clean(outline.get("text") or outline.get("title") or "")
        xml_url = _clean(outline.get("xmlUrl") or outline.get("xmlurl") or "")
        if xml_url:
            if _web_url(xml_url) and xml_url not in seen:
                seen.add(xml_url)
                html_url = _clean(outline.get("htmlUrl") or outline.get("htmlurl") or "")
                feeds.append(
                    OpmlOutline(
                        title=text or xml_url,
                        xml_url=xml_url,
                        html_url=html_url if _web_url(html_url) else "",
                        language=_clean(outline.get("language") or ""),
                        category=category or _own_category(outline.get("category")),
                    )
                )
            continue
        stack.extend((child, text or category) for child in reversed(outline))
    return feeds


def build_opml(outlines: Iterable[OpmlOutline], *, title: str) -> bytes:
    """An OPML 2.0 document listing OUTLINES, one folder per category, in the given order."""
    root = lxml.etree.Element("opml", version="2.0")
    head = lxml.etree.SubElement(root, "head")
    lxml.etree.SubElement(head, "title").text = _clean(title)
    body = lxml.etree.SubElement(root, "body")
    folders: dict[str, Any] = {}
    for outline in outlines:
        parent = body
        category = _clean(outline.category)
        if category:
            if category not in folders:
                folders[category] = lxml.etree.SubElement(body, "outline", text=category)
            parent = folders[category]
        attributes = {
            "type": "rss",
            "text": _clean(outline.title),
            "title": _clean(outline.title),
            "xmlUrl": _clean(outline.xml_url),
        }
        if outline.html_url:
            attributes["htmlUrl"] = _clean(outline.html_url)
        if outline.language:
            attributes["language"] = _clean(outline.language)
        lxml.etree.SubElement(parent, "outline", attributes)
    return bytes(
        lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    """VALUE without control characters (XML cannot carry them), whitespace collapsed."""
    return " ".join(_CONTROL.sub("", value).split())


def _own_category(value: str | None) -> str:
    """The first of an outline's OPML 2.0 category paths ("/World/Europe,/Politics"), last part."""
    first = (value or "").split(",")[0]
    return _clean(first.strip().strip("/").split("/")[-1])


def _web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _line(exc: Exception) -> str:
    """The first line of an exception's message."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
