"""Find what an HTML page points to: its feeds, and the article links of a section page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import courlan
import lxml.etree
import lxml.html

from newsdesk.pipeline.encoding import decode_text
from newsdesk.pipeline.extract import ExtractError, parse_html


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed a page links to: its absolute URL, the link's title and declared MIME type.

    TYPE is "" for a feed guessed from an ordinary anchor rather than declared in <link>.
    """

    url: str
    title: str
    type: str


_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
    }
)
# WordPress declares its REST API for every page as an application/json alternate.
_NOT_FEEDS = re.compile(r"/wp-json/|/oembed", re.IGNORECASE)
_FEED_PATH = re.compile(
    r"(?:^|/)(?:rss|feed|feeds|atom)(?:/|$)|\.(?:rss|xml|atom|rdf)$", re.IGNORECASE
)
_FEED_WORD = re.compile(r"rss|feed|atom|лента", re.IGNORECASE)


def feed_links(html: str | bytes, *, url: str) -> list[DiscoveredFeed]:
    """The feeds the page at URL declares (<link rel=alternate>), else those its anchors name."""
    root = _parse(html)
    if root is None:
        return []
    base = _base_url(root, url=url)
    found: dict[str, DiscoveredFeed] = {}
    for link in root.iter("link"):
        rel = str(link.get("rel", "")).lower().split()
        kind = str(link.get("type", "")).split(";")[0].strip().lower()
        href = _absolute(link.get("href"), base=base)
        if "alternate" not in rel or kind not in _FEED_TYPES or not href:
            continue
        if _NOT_FEEDS.search(href) or href in found:
            continue
        found[href] = DiscoveredFeed(url=href, title=_text(link.get("title")), type=kind)
    if found:
        return list(found.values())
    # No declared feed: many Russian sites only show an "RSS" link in the footer.
    for anchor in root.iter("a"):
        href = _absolute(anchor.get("href"), base=base)
        if not href or href in found:
            continue
        text = _text(anchor.text_content())
        if _FEED_PATH.search(urlsplit(href).path) and _FEED_WORD.search(f"{href} {text}"):
            found[href] = DiscoveredFeed(url=href, title=text, type="")
    return list(found.values())


# --- article links of a section page ------------------------------------------------------

_BOILERPLATE_TAGS = frozenset({"nav", "aside", "form", "script", "style", "noscript", "template"})
_BOILERPLATE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"}
)
# Words of a class or id that mark navigation rather than a list of articles. "header" is
# left out: news cards put their headline link in a "card-header".
_BOILERPLATE_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "submenu",
        "breadcrumb",
        "breadcrumbs",
        "pagination",
        "pager",
        "paging",
        "share",
        "sharing",
        "social",
        "socials",
        "tagcloud",
        "cookie",
        "cookies",
        "footer",
        "sidebar",
    }
)
_SKIPPED_RELS = frozenset(
    {"tag", "author", "category", "prev", "next", "search", "license", "sponsored", "ugc"}
)
_LIST_QUERY_KEYS = re.compile(
    r"^(?:page|pagen_\d+|paged|start|offset|from|sort|order|year|month|date|tags?|cat|category|"
    r"q|query|search|s|filter)$",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?:19|20)\d{2}[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)"
    r"|(?:^|/)(?:19|20)\d{2}(?:0[1-9]|1[0-2])[0-3]\d(?:[/_-]|$)"
    r"|\d{2}[.-]\d{2}[.-](?:19|20)\d{2}"
)
_NUMERIC_ID = re.compile(r"(?:^|[/_-])\d{3,}(?:[/_.-]|$)")
_MIN_WORDS = 3


def article_links(html: str | bytes, *, url: str) -> list[str]:
    """The article links of the section or index page at URL, in page order, deduplicated.

    Kept: links to the same site (registered domain) that sit outside navigation, headers,
    footers and sidebars, that courlan does not take for navigation, tag, category, author,
    login, search or static-file URLs, whose URL looks like an article's (a date, a numeric
    id, a long slug or a path of two or more segments) and whose anchor text has several
    words. Fragments are dropped.
    """
    root = _parse(html)
    if root is None:
        return []
    base = _base_url(root, url=url)
    page = urldefrag(url)[0]
    site = _site(page)
    _drop_boilerplate(root)
    links: list[str] = []
    seen: set[str] = set()
    for anchor in root.iter("a"):
        href = _absolute(anchor.get("href"), base=base)
        # /story and /story/ are one page.
        key = href.rstrip("/")
        if not href or key in seen or key == page.rstrip("/"):
            continue
        if _SKIPPED_RELS.intersection(str(anchor.get("rel", "")).lower().split()):
            continue
        if urlsplit(href).scheme not in {"http", "https"} or _site(href) != site:
            continue
        if len(_anchor_text(anchor).split()) < _MIN_WORDS:
            continue
        if not _is_article_url(href, page=page):
            continue
        seen.add(key)
        links.append(href)
    return links


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    """Remove navigation, banners, footers, sidebars and share bars from the tree."""
    doomed = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        role = str(element.get("role", "")).lower()
        words = set(re.split(r"[\s_-]+", f"{element.get('class', '')} {element.get('id', '')}"))
        words = {word.lower() for word in words if word}
        outside_articles = not any(a.tag == "article" for a in element.iterancestors())
        if (
            tag in _BOILERPLATE_TAGS
            or role in _BOILERPLATE_ROLES
            or words & (_BOILERPLATE_WORDS - {"footer"})
            or (outside_articles and (tag in {"header", "footer"} or "footer" in words))
        ):
            doomed.append(element)
    for element in doomed:
        # A parent may already be gone with its children; that is fine.
        if element.getparent() is not None:
            element.drop_tree()


def _is_article_url(href: str, *, page: str) -> bool:
    """True when HREF is a crawlable content URL (courlan) shaped like an article."""
    judged = _without_port(href)
    if courlan.check_url(judged, strict=True, with_nav=False) is None:
        return False
    if courlan.is_navigation_page(judged) or courlan.is_not_crawlable(judged):
        return False
    parts = urlsplit(href)
    page_parts = urlsplit(page)
    path = parts.path
    if page_parts.path.startswith(path.rstrip("/") + "/") or not path.strip("/"):
        return False  # the page's own section or a parent of it: a breadcrumb
    query = parse_qsl(parts.query)
    if path.rstrip("/") == page_parts.path.rstrip("/") and any(
        _LIST_QUERY_KEYS.match(key) for key, _ in query
    ):
        return False  # the same list paged, sorted or filtered
    segments = [segment for segment in path.split("/") if segment]
    leaf = segments[-1] if segments else ""
    long_slug = len(re.split(r"[-_]+", leaf)) >= 3 or len(leaf) >= 25
    numeric_query = any(value.isdigit() and len(value) >= 3 for _, value in query)
    return bool(
        len(segments) >= 2
        or _DATE.search(path)
        or _NUMERIC_ID.search(path)
        or numeric_query
        or long_slug
    )


def _without_port(url: str) -> str:
    """URL without its port: courlan refuses a host with a port such as 10.0.0.5:8080."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return url
    if port is None:
        return url
    host = parts.hostname or ""
    return parts._replace(netloc=f"[{host}]" if ":" in host else host).geturl()


def _anchor_text(anchor: lxml.html.HtmlElement) -> str:
    """The anchor's words, or its image's alt text or title when it has none."""
    text = _text(anchor.text_content())
    if not text:
        image = anchor.find(".//img")
        text = _text(anchor.get("title") or (image.get("alt") if image is not None else ""))
    return text


def _site(url: str) -> str:
    """The registered domain of URL (www. and other subdomains ignored), or its host."""
    domain = courlan.extract_domain(url, fast=False)
    if domain:
        return domain.lower()
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


# --- shared -------------------------------------------------------------------------------

_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body|meta|title)\b",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(content: bytes) -> bool:
    """True when the bytes start as an HTML page does (a doctype, <html>, <head>...)."""
    return _HTML_START.match(content[:4096]) is not None


def page_title(html: str | bytes) -> str:
    """The <title> of an HTML page, whitespace collapsed; "" without one."""
    root = _parse(html)
    title = root.findtext(".//title") if root is not None else None
    return " ".join((title or "").split())


def _parse(html: str | bytes) -> lxml.html.HtmlElement | None:
    """The page's tree (read as extract reads pages), or None when there is no HTML to read."""
    if isinstance(html, bytes):
        html = decode_text(html, declared=None, kind="html")[0]
    try:
        return parse_html(html)
    except ExtractError:
        return None


def _base_url(root: lxml.html.HtmlElement, *, url: str) -> str:
    """The URL relative links resolve against: <base href> when the page sets one."""
    base = root.find(".//base[@href]")
    if base is not None:
        resolved = _absolute(base.get("href"), base=url)
        if resolved:
            return resolved
    return url


def _absolute(href: str | None, *, base: str) -> str:
    """HREF resolved against BASE without its fragment; "" for script, mail or broken links."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return ""
    try:
        absolute = urldefrag(urljoin(base, href))[0]
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return ""
    if scheme not in {"http", "https", "file", ""}:
        return ""  # javascript:, mailto:, tel:, data:
    return absolute


def _text(value: str | None) -> str:
    """VALUE with whitespace collapsed."""
    return " ".join((value or "").split())
