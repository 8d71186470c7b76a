"""Extract an article's text, structure and metadata from an HTML page with trafilatura."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import dateparser  # type: ignore[import-untyped]
import lxml.etree
import lxml.html
import trafilatura
from trafilatura import metadata as trafilatura_metadata
from trafilatura.json_metadata import normalize_authors
from trafilatura.settings import Document, use_config

from newsdesk.pipeline.encoding import decode_text
from newsdesk.pipeline.urls import URLError, canonical_url, same_site
from newsdesk.pipeline.xmlsafe import safe_xml_parser

# Opening dash of an interview question, as in "— How do you assess …?—".
_DASH = "—–-"
_QUESTION_DASHES = re.compile(
    rf"^[{_DASH}]\s*(?P<q>.+?[?!.…»\"])\s*[{_DASH}]\s*(?P<rest>.*)$", re.S
)
_QA_PREFIX = re.compile(
    r"^(?P<tag>Q|A|Question|Answer|Вопрос|Ответ|В|О)\s*[:.]\s+(?P<text>.+)$", re.S | re.I
)
_CREDIT_PREFIX = re.compile(
    r"^\s*(Image source|Image|Photo|Photos|Photograph|Picture|Credit|Image credit|Photo credit"
    r"|Фото|Фотография|Источник|Источник фото|Изображение|Иллюстрация|Кадр)"
    r"\s*[:：]\s*(?P<credit>.+)$",
    re.I | re.S,
)
# How a credit line's text begins (possibly in parentheses): see _credit_match.
_CREDIT_START = re.compile(
    r"[\s(]*(Image|Photo|Picture|Credit|Фото|Источник|Изображение|Иллюстрация|Кадр)", re.I
)
# "Фото: X" also comes without a colon after a dash or in parentheses ("(фото: X)").
_CREDIT_WRAPPED = re.compile(r"^\(\s*(?P<inner>[^()]+)\)$")

# trafilatura with its defaults gives the best text on the real pages in
# tests/pipeline/fixtures/realworld (benchmarks/extract_accuracy.py), except that the
# fetcher, not trafilatura, bounds the time spent on a page.
logger = logging.getLogger(__name__)

_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")

# Pages beyond this many characters are refused: the fetcher caps bodies at 10 MB, and
# a file named on the command line must not tie up the extractor for minutes.
MAX_PAGE_CHARS = 12_000_000

# A paragraph that trafilatura's precision mode dropped is put back when it is prose of
# at least this many words lying inside the article (or just before it: a standfirst).
_PROSE_WORDS = 20
_PROSE_END = re.compile(r"[.!?。…»\"”’)]\s*$")


class ExtractError(Exception):
    """The page holds no article text we can use."""


@dataclass(slots=True)
class Paragraph:
    role: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "text": self.text}


@dataclass(slots=True)
class Extracted:
    """An article as found on its page."""

    url: str
    title: str
    lead: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    byline: str = ""
    published: datetime | None = None
    language: str = ""
    site_name: str = ""
    image_url: str = ""
    image_alt: str = ""
    image_credit: str = ""
    description: str = ""
    # True when the page shows the lead as the body's first paragraph: the text a reader
    # reads then opens with it, though `paragraphs` keep it apart.
    lead_in_text: bool = False

    @property
    def text(self) -> str:
        """The article body as a reader reads it, paragraphs separated by blank lines."""
        texts = [p.text for p in self.paragraphs]
        if self.lead_in_text and self.lead:
            texts.insert(0, self.lead)
        return "\n\n".join(texts)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "lead": self.lead,
            "text": self.text,
            "authors": self.authors,
            "byline": self.byline,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "site_name": self.site_name,
            "description": self.description,
            "image": self.image_url,
            "image_alt": self.image_alt,
            "image_credit": self.image_credit,
            "paragraphs": [p.as_dict() for p in self.paragraphs],
        }


def extract_article(html: str | bytes, *, url: str, charset: str | None = None) -> Extracted:
    """Extract text, paragraph roles and metadata from one article page.

    Bytes are decoded with CHARSET (the HTTP header's, when known) checked against the
    bytes themselves; raises ExtractError when the page holds no article.
    """
    tree = parse_html(_decode(html, charset=charset))
    metadata = page_metadata(tree, url=url)
    ld_items = list(_json_ld_items(tree))
    paragraphs = extract_body(tree, url=url)
    body = _json_ld_body(ld_items)
    if body and _words(body) > 1.5 * sum(_words(p.text) for p in paragraphs):
        # Pages that render their text with scripts still carry it in JSON-LD.
        paragraphs = [Paragraph("paragraph", t) for t in _blocks(body)]
    if not paragraphs:
        raise ExtractError("no article text found on the page")
    questions = _bold_paragraph_texts(tree)
    paragraphs = [
        Paragraph("question", p.text) if p.role == "paragraph" and p.text in questions else p
        for p in paragraphs
    ]
    # A "Photo: X" line credits the image; it is not article text.
    paragraphs = [p for p in assign_roles(paragraphs) if not _is_image_credit(p.text)]
    if _only_link_text(paragraphs, tree):
        raise ExtractError("no article text found on the page: only links")
    title = _clean(metadata.title if metadata else "")
    description = _clean(metadata.description if metadata else "")
    # The page's headline opens the extracted text; it is the title, not the body.
    while paragraphs and title and _is_headline(paragraphs[0], title=title):
        paragraphs = paragraphs[1:]
    lead_in_text = bool(paragraphs and description and _same_text(paragraphs[0].text, description))
    if lead_in_text:
        paragraphs = paragraphs[1:]
    authors = _split_authors(metadata.author if metadata else None)
    byline = ""
    if paragraphs and authors and _is_byline(paragraphs[-1].text, authors):
        byline = paragraphs.pop().text
    if not paragraphs and not lead_in_text:
        raise ExtractError("no article text found on the page")
    image_url = _absolute(metadata.image if metadata else "", base=url)
    credit, alt = find_image_credit(tree, image_url=image_url)
    return Extracted(
        url=page_url(tree, url=url),
        title=title or (paragraphs[0].text if paragraphs else description)[:200],
        lead=description,
        paragraphs=paragraphs,
        authors=authors,
        byline=byline or ", ".join(authors),
        published=find_published(tree, ld_items=ld_items)
        or find_human_date(tree)
        or _url_date(url),
        language=_page_language(tree),
        site_name=_clean(metadata.sitename if metadata else "") or _meta(tree, "og:site_name"),
        image_url=image_url,
        image_alt=alt,
        image_credit=credit or _json_ld_image_credit(ld_items),
        description=description,
        lead_in_text=lead_in_text,
    )


def page_metadata(tree: lxml.html.HtmlElement, *, url: str) -> Document:
    """Title, author, description, site name and image as trafilatura's metadata finds them.

    trafilatura.extract_metadata without its date search (htmldate reads any year in the
    text; find_published and find_human_date do dates) nor categories, tags and license:
    the same steps, at half the cost.
    """
    metadata = trafilatura_metadata.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a site, not a person
    try:
        metadata = trafilatura_metadata.extract_meta_json(tree, metadata)
    except Exception:
        logger.debug("JSON-LD metadata unreadable on %s", url)
    if not metadata.title:
        metadata.title = trafilatura_metadata.extract_title(tree)
    if not metadata.author:
        metadata.author = find_author(tree)
    if not metadata.url:
        metadata.url = trafilatura_metadata.extract_url(tree, url or None)
    if not metadata.sitename:
        metadata.sitename = trafilatura_metadata.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
    metadata.clean_and_trim()
    return metadata


def find_author(tree: lxml.html.HtmlElement) -> str | None:
    """The byline's names, found where trafilatura's extract_author looks.

    The same three tiers of places (rel/itemprop/class/id "author", "byline" ...) and the
    same discarded zones (comments, sidebars, quotes, dates, figures), checked in one walk
    over the tree in Python instead of regular-expression XPath on a copy: several times
    faster, the same answer.
    """
    tiers: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    for node in tree.iter(lxml.etree.Element):
        tier = _author_tier(node)
        if tier is not None:
            tiers[tier].append(node)
    for candidates in tiers:
        for node in candidates:
            if _author_discarded(node) or any(_author_discarded(a) for a in node.iterancestors()):
                continue
            text = _clean(" ".join(_text_outside(node)))
            if text and 2 < len(text) < 120:
                return normalize_authors(None, text)
    return None


def _author_tier(node: Any) -> int | None:
    """Which of trafilatura's AUTHOR_XPATHS (0, 1, 2) first matches NODE, or None."""
    tag = node.tag
    if tag == "author":
        return 0
    get = node.get
    css, ident, itemprop = get("class") or "", get("id") or "", get("itemprop") or ""
    if not (
        "author" in itemprop
        or (css and _AUTHOR_HINT.search(css))
        or (ident and _AUTHOR_HINT.search(ident))
        or get("rel")
        or get("data-testid")
        or "Byline" in (get("data-component") or "")
    ):
        return None
    if tag in _TIER0_TAGS and (
        get("rel") == "author"
        or ident == "author"
        or css == "author"
        or itemprop == "author name"
        or get("data-testid") in {"AuthorCard", "AuthorURL"}
        or any(word in css for word in ("authorname", "author-name", "AuthorName", "authorName"))
    ):
        return 0
    if tag in _TIER1_TAGS and (
        css in {"byline", "username", "byl", "BBL"}
        or "author" in itemprop
        or any(word in ident for word in ("author", "zuozhe", "bianji", "xiaobian"))
        or any(word in css for word in _TIER1_CLASSES)
    ):
        return 1
    if (
        "Byline" in (get("data-component") or "")
        or "author" in itemprop
        or "author" in ident
        or "Author" in ident
        or any(word in css for word in ("author", "Author", "screenname", "writer", "byline"))
        or "Byline" in css
    ):
        return 2
    return None


# Every word _author_tier looks for in a class or id, in one search: most elements have a
# class, few of them an author's.
_AUTHOR_HINT = re.compile(
    "uthor|yline|byl|BBL|username|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by"
    "|journalist-name|screenname|writer"
)
_TIER0_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_TIER1_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_TIER1_CLASSES = (
    "author",
    "channel-name",
    "zuozhe",
    "bianji",
    "xiaobian",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_DISCARD_CLASSES = (
    "commentlist",
    "comments-list",
    "sidebar",
    "is-hidden",
    "quote",
    "embedly-instagram",
    "article-share",
    "article-support",
    "print",
    "category",
    "meta-date",
    "meta-reviewer",
)


def _author_discarded(node: Any) -> bool:
    """True for the zones trafilatura prunes before looking for authors (AUTHOR_DISCARD)."""
    tag = node.tag
    if tag in {"time", "figure"}:
        return True
    if tag not in {"a", "div", "section", "span"}:
        return False
    css, ident = node.get("class") or "", node.get("id") or ""
    return (
        ident == "comments"
        or css in {"comments", "title", "date"}
        or ident.startswith("comments")
        or any(word in ident for word in ("commentlist", "comment-list", "ProductReviews"))
        or css.startswith(("comments", "Comments"))
        or any(word in css for word in _DISCARD_CLASSES)
        or "Figure" in (node.get("data-component") or "")
    )


def _text_outside(node: Any) -> Iterator[str]:
    """NODE's text without that of its discarded descendants (a date inside a byline)."""
    if node.text:
        yield node.text
    for child in node:
        if isinstance(child.tag, str) and not _author_discarded(child):
            yield from _text_outside(child)
        if child.tail:
            yield child.tail


def extract_body(tree: lxml.html.HtmlElement, *, url: str) -> list[Paragraph]:
    """The article's paragraphs (headings and quotes marked) as trafilatura finds them.

    One pass of trafilatura's precision mode without its fallback extractors: on real news
    pages it drops the comments, teasers and notices that its default mode keeps, and costs
    half as much (benchmarks/extract_accuracy.py, docs/benchmarks.md). Only when it finds
    little, or a small share of the page's text, does the default mode, fallbacks and all,
    get its chance.
    """
    _unwrap_heading_permalinks(tree)
    precise = _trafilatura_paragraphs(tree, url=url, favor_precision=True, fast=True)
    # Characters, not words: Chinese and Japanese do not separate words with spaces.
    found = sum(len(p.text) for p in precise)
    short = found < SHORT_BODY_CHARS
    if not short and (found >= SMALL_SHARE_CHARS or found >= SMALL_SHARE * _visible_chars(tree)):
        return precise
    default = _trafilatura_paragraphs(tree, url=url, favor_precision=False, fast=False)
    if not short and sum(len(p.text) for p in default) >= 3 * found:
        # Precision mode kept a sliver of a long page: its text sits in <div>s, not <p>s,
        # which precision mode does not read once the page has some <p> text elsewhere.
        return default
    if not precise or not default:
        return precise or default
    # Precision mode sometimes drops a standfirst or a paragraph inside the article too:
    # those, when they are real prose, are taken back from the default extraction.
    kept = {p.text for p in precise}
    positions = [i for i, p in enumerate(default) if p.text in kept]
    if len(positions) < 0.8 * len(precise):
        return precise  # the two modes chose different parts of the page
    last = positions[-1]
    return [
        p
        for i, p in enumerate(default)
        if p.text in kept or (i < last and p.role == "paragraph" and _is_prose(p.text))
    ]


# Fewer characters than this from the precision pass, and the default pass is tried too.
SHORT_BODY_CHARS = 500
# So is it when the precision pass found under this share of the page's visible text;
# the page's text is only measured when the pass found fewer than SMALL_SHARE_CHARS.
SMALL_SHARE = 0.05
SMALL_SHARE_CHARS = 2_000

_HEADINGS = "h1", "h2", "h3", "h4", "h5", "h6"
_INVISIBLE = "script", "style", "noscript", "template"


def _unwrap_heading_permalinks(tree: lxml.html.HtmlElement) -> None:
    """Keep the text of in-page links inside headings ("#section" permalinks), drop the link.

    Precision mode deletes link-heavy headings, and a permalink makes every word of a
    heading a link: the questions of a GitHub-style interview were lost that way.
    """
    for heading in tree.iter(*_HEADINGS):
        for link in list(heading.iter("a")):
            if link.get("href", "").startswith("#"):
                link.drop_tag()


def _visible_chars(tree: lxml.html.HtmlElement) -> int:
    """How many characters of text the page's body shows (scripts and styles left out)."""
    body = tree.find("body")
    root = body if body is not None else tree
    hidden = sum(len(_clean(node.text_content())) for node in root.iter(*_INVISIBLE))
    return len(_clean(root.text_content())) - hidden


def page_url(tree: lxml.html.HtmlElement, *, url: str) -> str:
    """The page's canonical URL when it names one on its own site, else URL, canonicalized.

    A canonical link pointing to another site is ignored: a hostile page could otherwise
    claim another site's article. A page read from a file may name any http(s) URL.
    """
    declared = [
        str(v)
        for v in tree.xpath("//link[@rel='canonical']/@href")
        + tree.xpath("//meta[@property='og:url' or @name='og:url']/@content")
    ]
    local = urlsplit(url).scheme.lower() == "file" if url else True
    for candidate in declared:
        try:
            absolute = canonical_url(candidate, base=url if not local else "")
        except URLError:
            continue
        if local or same_site(absolute, url):
            return absolute
    try:
        return canonical_url(url)
    except URLError:
        return url


def html_text(html: str) -> str:
    """The plain text of an HTML fragment, whitespace collapsed."""
    if not html.strip():
        return ""
    try:
        return _clean(lxml.html.fragment_fromstring(html, create_parent="div").text_content())
    except (lxml.etree.ParserError, ValueError):
        return _clean(html)


def paragraphs_from_html(html: str) -> list[Paragraph]:
    """Split an HTML fragment (a feed's full content) into paragraphs with roles."""
    tree = parse_html(f"<html><body><article>{html}</article></body></html>")
    paragraphs: list[Paragraph] = []
    for node in tree.iter("p", "h1", "h2", "h3", "h4", "blockquote", "li"):
        text = _clean(node.text_content())
        if not text:
            continue
        if node.tag.startswith("h"):
            role = "heading"
        elif node.tag == "blockquote" or (
            node.getparent() is not None and node.getparent().tag == "blockquote"
        ):
            role = "quote"
        elif _all_bold(node):
            role = "question"
        else:
            role = "paragraph"
        if node.tag == "blockquote" and node.find(".//p") is not None:
            continue  # its <p> children are visited on their own
        paragraphs.append(Paragraph(role, text))
    return assign_roles(paragraphs)


def assign_roles(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Tell interview questions from answers (dialogue dashes, bold, Q:/A:) and keep other roles."""
    out: list[Paragraph] = []
    in_interview = False
    for para in paragraphs:
        if para.role in {"heading", "quote"}:
            out.append(para)
            continue
        text = para.text
        dashed = _QUESTION_DASHES.match(text)
        prefixed = _QA_PREFIX.match(text)
        if dashed and "?" in dashed.group("q"):
            in_interview = True
            out.append(Paragraph("question", _clean(dashed.group("q"))))
            if rest := _clean(dashed.group("rest")):
                out.append(Paragraph("answer", rest))
        elif prefixed and prefixed.group("tag").lower() in {"q", "question", "вопрос"}:
            in_interview = True
            out.append(Paragraph("question", _clean(prefixed.group("text"))))
        elif prefixed and prefixed.group("tag").lower() in {"a", "answer", "ответ"}:
            out.append(Paragraph("answer", _clean(prefixed.group("text"))))
        elif para.role == "question":
            in_interview = True
            out.append(para)
        else:
            out.append(Paragraph("answer" if in_interview else "paragraph", text))
    return out


def find_image_credit(tree: lxml.html.HtmlElement, *, image_url: str) -> tuple[str, str]:
    """Find the lead image's credit and alt text: a figcaption or a "Photo:" line.

    The figure holding the lead image wins; then the first figure with a caption; then a
    short "Photo: X" / "Фото: X" / "Image source: X" line anywhere on the page.
    """
    alt = ""
    figures = [figure for figure in tree.iter("figure") if figure.find(".//img") is not None]
    name = _file_name(image_url)
    if name:
        # The lead image's own figure first (og:image and the <img> often differ in size
        # suffix only, so the file name's stem is compared).
        figures.sort(
            key=lambda f: not any(_file_name(i.get("src", "")) == name for i in f.iter("img"))
        )
    for figure in figures:
        img = figure.find(".//img")
        alt = alt or _clean(img.get("alt", "") if img is not None else "")
        for node in figure.iter("figcaption", "cite", "small", "span", "p", "div"):
            text = _clean(node.text_content())
            if (match := _credit_match(text)) is not None:
                return match, alt
        caption = figure.find(".//figcaption")
        if caption is not None and (text := _clean(caption.text_content())):
            return text, alt
    for node in tree.iter("p", "span", "div", "small", "figcaption", "cite"):
        if node.tag == "div" and len(node) > 2:
            continue  # a container: its text is the page's, not a credit line
        # A credit line starts with its word: the first piece of text tells, cheaply.
        first = next((chunk for chunk in node.itertext() if chunk.strip()), "")
        if not _CREDIT_START.match(first):
            continue
        text = _clean(node.text_content())
        if len(text) < 200 and (match := _credit_match(text)) is not None:
            return match, alt
    return "", alt


def find_published(
    tree: lxml.html.HtmlElement, *, ld_items: list[dict[str, Any]] | None = None
) -> datetime | None:
    """Publication time with its time of day, from meta tags, JSON-LD or <time datetime>.

    LD_ITEMS: the page's JSON-LD items, when the caller has read them already.
    """
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (meta.get(attribute) or "").strip().lower()
            if key and key not in metas:
                metas[key] = content
    candidates = [metas[name] for name in _PUBLISHED_META if name in metas]
    for item in _json_ld_items(tree) if ld_items is None else ld_items:
        if isinstance(item.get("datePublished"), str):
            candidates.append(item["datePublished"])
    candidates += tree.xpath("//*[@itemprop='datePublished']/@datetime")
    candidates += tree.xpath("//article//time/@datetime") + tree.xpath("//time/@datetime")
    for value in candidates:
        parsed = _parse_iso(str(value))
        if parsed:
            return parsed
    return None


# Meta tags naming the publication time, most specific first (compared lower-cased).
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
    "sailthru.date",
)


# Human-written dates: "7 марта 2023, 05:33", "March 7, 2023 5:33 pm", "07.03.2023 05:33".
_MONTH = r"[A-Za-zА-Яа-яЁё]{3,10}\.?"
_CLOCK = r"(?:[,\s]+(?:в\s+|at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)?"
_HUMAN_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}(?:\s*(?:г\.|года))?{_CLOCK}"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}{_CLOCK}"
    rf"|\d{{1,2}}\.\d{{1,2}}\.\d{{4}}{_CLOCK}"
    rf"|\d{{1,2}}[:.]\d{{2}}[,\s]+\d{{1,2}}(?:\s+{_MONTH}|\.\d{{1,2}})[,.\s]+\d{{4}})",
    re.I,
)
_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline|byline|meta|info|credit", re.I)
_DATEPARSER_SETTINGS: Any = {
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TO_TIMEZONE": "UTC",
    "TIMEZONE": "UTC",
    "PREFER_DATES_FROM": "past",
    # Dotted numeric dates (07.03.2023) are day-first wherever they are written.
    "DATE_ORDER": "DMY",
    "REQUIRE_PARTS": ["day", "month", "year"],
}


def find_human_date(tree: lxml.html.HtmlElement) -> datetime | None:
    """A publication date written for people, in a <time> or a date-classed element.

    Only short texts of such elements are read, and only what looks like a whole date
    (day, month and year) is given to dateparser: numbers elsewhere on the page are not
    dates. Times without a zone are taken as UTC.
    """
    for text in _date_texts(tree):
        for match in _HUMAN_DATE.finditer(text):
            # The common shapes are read directly; dateparser (slow) reads the rest.
            parsed = _common_date(match.group(0))
            try:
                parsed = parsed or dateparser.parse(
                    match.group(0), languages=["ru", "en"], settings=_DATEPARSER_SETTINGS
                )
            except (ValueError, OverflowError, TypeError):
                continue
            if isinstance(parsed, datetime) and 1990 <= parsed.year <= datetime.now(UTC).year + 1:
                return parsed.astimezone(UTC)
    return None


def _common_date(text: str) -> datetime | None:
    """ "7 марта 2023, 05:33", "March 7, 2023 5:33 pm", "07.03.2023 05:33" as UTC, or None."""
    lowered = text.lower()
    day = month = year = None
    if match := _DAY_MONTH_YEAR.search(lowered) or _MONTH_DAY_YEAR.search(lowered):
        month = _MONTHS.get(match["month"][:3])
        day, year = int(match["day"]), int(match["year"])
    elif match := _NUMERIC_DATE.search(lowered):
        day, month, year = int(match["day"]), int(match["month"]), int(match["year"])
    if match is None or month is None or day is None or year is None:
        return None
    rest = lowered[: match.start()] + " " + lowered[match.end() :]
    hour = minute = 0
    if clock := _CLOCK_TIME.search(rest):
        hour, minute = int(clock["hour"]), int(clock["minute"])
        if clock["half"] == "p" and hour < 12:
            hour += 12
        elif clock["half"] == "a" and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None


_MONTHS = {
    **{
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
        )
    },
    **{
        name: number
        for number, name in enumerate(
            ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"), 1
        )
    },
    "май": 5,
}
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<day>\d{1,2})\s+(?P<month>[a-zа-яё]{3,10})\.?,?\s+(?P<year>\d{4})"
)
_MONTH_DAY_YEAR = re.compile(r"\b(?P<month>[a-z]{3,10})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})")
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})")
_CLOCK_TIME = re.compile(
    r"(?<![\d.])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s*(?P<half>[ap])\.?m\b\.?)?"
)


def _date_texts(tree: lxml.html.HtmlElement) -> Iterator[str]:
    """Short texts where a page writes its date: <time>, then date/byline-classed elements."""
    for node in tree.iter("time"):
        yield _clean(node.text_content())
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in {"script", "style", "time"}:
            continue
        marks = f"{node.get('class', '')} {node.get('id', '')} {node.get('itemprop', '')}"
        if len(marks) > 2 and _DATE_CLASS.search(marks):
            text = _clean(node.text_content())
            if 6 <= len(text) <= 120:
                yield text


def _parse_iso(value: str) -> datetime | None:
    text = value.strip()
    # "+0100" (no colon) is common in JSON-LD; fromisoformat wants "+01:00" before 3.12.
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# A date in the article's address: /2023/03/07/ or /20230307/ (midnight UTC, no time known).
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:[/._-]|$)"
)


def _url_date(url: str) -> datetime | None:
    """The date written in the article's URL path, if any.

    trafilatura's own date guess (htmldate) also reads numbers in the text, which can
    be any year a story mentions; the URL is the last trustworthy place.
    """
    match = _URL_DATE.search(urlsplit(url).path if url else "")
    if not match:
        return None
    try:
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _decode(html: str | bytes, *, charset: str | None) -> str:
    if isinstance(html, bytes):
        if len(html) > MAX_PAGE_CHARS:
            raise ExtractError(f"page of {len(html)} bytes is over the {MAX_PAGE_CHARS} cap")
        return decode_text(html, declared=charset, kind="html")[0]
    if len(html) > MAX_PAGE_CHARS:
        raise ExtractError(f"page of {len(html)} characters is over the {MAX_PAGE_CHARS} cap")
    return html


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page's tree; ExtractError when it is empty or no HTML at all."""
    if not html.strip():
        raise ExtractError("empty page")
    # lxml refuses str input that carries an encoding declaration (XHTML pages do).
    html = _XML_DECLARATION.sub("", html, count=1)
    # NUL and other C0 controls are not HTML; lxml stops reading at a NUL.
    html = _CONTROL.sub("", html)
    if not html.strip():
        raise ExtractError("empty page")
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractError(f"not an HTML page: {exc}") from exc


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _trafilatura_paragraphs(
    tree: lxml.html.HtmlElement, *, url: str, favor_precision: bool, fast: bool
) -> list[Paragraph]:
    """trafilatura's text for the page (no comments, tables kept) as paragraphs with roles.

    bare_extraction hands over the extracted body as elements: no XML text to write and
    read back (trafilatura works on a copy of the tree, so ours stays whole).
    """
    document = trafilatura.bare_extraction(
        tree,
        url=url or None,
        favor_precision=favor_precision,
        fast=fast,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # Formatting markup changes which elements trafilatura keeps; bold questions are
        # read from the page itself (_bold_paragraph_texts).
        include_formatting=False,
        config=_CONFIG,
    )
    body = getattr(document, "body", None)
    return _element_paragraphs(body) if body is not None else []


def _xml_paragraphs(xml: str) -> list[Paragraph]:
    """Paragraphs of trafilatura's XML output (<doc><main>...</main></doc>)."""
    root = lxml.etree.fromstring(xml.encode("utf-8"), parser=_SAFE_XML)
    main = root.find("main")
    return _element_paragraphs(main if main is not None else root)


def _element_paragraphs(main: Any) -> list[Paragraph]:
    """Paragraphs of trafilatura's extracted body: p, head, quote, list items, table rows."""
    # A line break inside a paragraph separates words.
    for lb in main.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    paragraphs: list[Paragraph] = []
    for node in main:
        if node.tag == "list":
            items = [_clean("".join(item.itertext())) for item in node.iterfind("item")]
            paragraphs += [Paragraph("paragraph", text) for text in items if text]
        elif node.tag == "table":
            for row in node.iter("row"):
                cells = [_clean("".join(cell.itertext())) for cell in row.iterfind("cell")]
                if text := " | ".join(cell for cell in cells if cell):
                    paragraphs.append(Paragraph("paragraph", text))
        elif text := _clean("".join(node.itertext())):
            role = {"head": "heading", "quote": "quote"}.get(str(node.tag), "paragraph")
            paragraphs.append(Paragraph(role, text))
    return paragraphs


_SAFE_XML = safe_xml_parser()


def _bold_paragraph_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Texts of the page's paragraphs set wholly in bold: interview questions, mostly."""
    return {
        _clean(node.text_content())
        for node in tree.iter("p")
        if node.find(".//b") is not None or node.find(".//strong") is not None
        if _all_bold(node)
    }


def _all_bold(node: Any) -> bool:
    """True when every word of the node sits inside bold markup (a bold interview question)."""
    text = _clean("".join(node.itertext()))
    bold = "".join(
        "".join(child.itertext())
        for child in node.iter()
        if child is not node
        and (child.tag in {"b", "strong"} or (child.tag == "hi" and "#b" in child.get("rend", "")))
    )
    return bool(text) and len(_clean(bold)) >= len(text) - 2


def _is_prose(text: str) -> bool:
    return len(text.split()) >= _PROSE_WORDS and bool(_PROSE_END.search(text))


def _json_ld_items(tree: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, "@graph" members included; bad JSON is skipped."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        # Some CMSs wrap the JSON in a CDATA section inside the script.
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|\]\]>\s*$", "", str(script).strip())
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        items = data if isinstance(data, list) else [data]
        # Yoast and other CMS plugins nest the article inside an "@graph" list.
        items += [
            node
            for item in items
            if isinstance(item, dict) and isinstance(item.get("@graph"), list)
            for node in item["@graph"]
        ]
        yield from (item for item in items if isinstance(item, dict))


def _json_ld_body(items: list[dict[str, Any]]) -> str:
    """The longest articleBody the page's JSON-LD carries, as plain text."""
    bodies = [
        html_text_blocks(str(item["articleBody"])) for item in items if item.get("articleBody")
    ]
    return max(bodies, key=len, default="")


def html_text_blocks(text: str) -> str:
    """Text that may hold HTML markup as plain text, paragraphs kept on their own lines."""
    if "<" not in text:
        return text.strip()
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return text.strip()
    for node in root.iter("p", "br", "div", "li", "h2", "h3", "h4", "blockquote"):
        node.tail = "\n" + (node.tail or "")
    return str(root.text_content()).strip()


def _json_ld_image_credit(items: list[dict[str, Any]]) -> str:
    """The credit JSON-LD gives the article's image (creditText, copyrightHolder, author)."""
    for item in items:
        images = item.get("image")
        for image in images if isinstance(images, list) else [images]:
            if not isinstance(image, dict):
                continue
            for key in ("creditText", "copyrightHolder", "copyrightNotice", "author"):
                value = image.get(key)
                if isinstance(value, dict):
                    value = value.get("name")
                if isinstance(value, str) and (credit := _clean(value)):
                    return credit[:200]
    return ""


def _blocks(text: str) -> list[str]:
    return [block for line in text.splitlines() if (block := _clean(line))]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _credit_match(text: str) -> str | None:
    """The credit named by a short "Photo: X" line (possibly in parentheses), or None."""
    if not text or len(text) >= 200:
        return None
    wrapped = _CREDIT_WRAPPED.match(text)
    match = _CREDIT_PREFIX.match(wrapped.group("inner") if wrapped else text)
    return match.group("credit").strip() if match else None


def _is_image_credit(text: str) -> bool:
    """A short "Photo: X" / "Image source: X" line; a bare "Источник:" may credit the text."""
    wrapped = _CREDIT_WRAPPED.match(text)
    match = _CREDIT_PREFIX.match(wrapped.group("inner") if wrapped else text)
    return match is not None and len(text) < 200 and match.group(1).lower() != "источник"


def _file_name(url: str) -> str:
    """The stem of a URL's file name without size suffixes ("photo-1024x768.jpg" -> "photo")."""
    name = urlsplit(url).path.rsplit("/", 1)[-1] if url else ""
    stem = name.rsplit(".", 1)[0]
    return re.sub(r"[-_@]?\d+x\d+$|[-_@]\d+w$", "", stem).lower()


def _absolute(value: str | None, *, base: str) -> str:
    """VALUE resolved against BASE when it is an http(s) URL (or a file beside a file), else ""."""
    if not value or not value.strip():
        return ""
    try:
        absolute = urljoin(base, value.strip())
    except ValueError:
        return ""
    if absolute.startswith(("http://", "https://")):
        return absolute
    # A page read from a file may point at images beside it (the demo site does).
    return absolute if base.startswith("file:") and absolute.startswith("file:") else ""


def _only_link_text(paragraphs: list[Paragraph], tree: lxml.html.HtmlElement) -> bool:
    """True when every paragraph is made of the page's link texts (a menu, not an article)."""
    if any(len(p.text) >= 300 for p in paragraphs):
        return False  # no link has a text this long: this is prose
    anchors = sorted(
        {text for a in tree.iter("a") if len(text := _clean(a.text_content())) > 1},
        key=len,
        reverse=True,
    )
    if not anchors or not paragraphs:
        return False

    def only_links(text: str) -> bool:
        for anchor in anchors:
            text = text.replace(anchor, " ")
        return not re.search(r"\w", text)

    return all(only_links(p.text) for p in paragraphs)


def _split_authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    names = re.split(r"[;,|]| and | и ", raw)
    return [name for raw_name in names if (name := _clean(raw_name))]


def _is_byline(text: str, authors: list[str]) -> bool:
    return len(text) <= 120 and any(author.lower() in text.lower() for author in authors)


def _meta(tree: lxml.html.HtmlElement, name: str) -> str:
    found = tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
    return _clean(str(found[0])) if found else ""


def _page_language(tree: lxml.html.HtmlElement) -> str:
    """The page's language code: <html lang>, Content-Language or og:locale."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang.strip():
        found = tree.xpath(
            "//meta[@http-equiv='content-language' or @http-equiv='Content-Language']/@content"
        )
        lang = str(found[0]) if found else _meta(tree, "og:locale")
    return lang.strip().split(",", 1)[0].split("-", 1)[0].split("_", 1)[0].lower()[:8]


def _is_headline(paragraph: Paragraph, *, title: str) -> bool:
    """True when PARAGRAPH is the page's headline: the title, or a heading that is the title
    with a word or two after it ("… с Новым годом. ФОТО", "… | Video")."""
    if _same_text(paragraph.text, title):
        return True
    text, head = _clean(paragraph.text).casefold(), _clean(title).casefold()
    rest = text[len(head) :] if text.startswith(head) else ""
    return (
        paragraph.role == "heading"
        and bool(rest)
        and not rest[0].isalnum()
        and len(rest.split()) <= 2
    )


def _same_text(a: str, b: str) -> bool:
    return _clean(a).casefold() == _clean(b).casefold()


def _clean(text: str | None) -> str:
    """Whitespace collapsed, zero-width characters dropped."""
    if not text:
        return ""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
