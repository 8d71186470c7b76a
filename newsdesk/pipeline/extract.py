"""Extract an article's text, structure and metadata from an HTML page with trafilatura."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import use_config

# Opening dash of an interview question, as in "— How do you assess …?—".
_DASH = "—–-"
_QUESTION_DASHES = re.compile(
    rf"^[{_DASH}]\s*(?P<q>.+?[?!.…»\"])\s*[{_DASH}]\s*(?P<rest>.*)$", re.S
)
_QA_PREFIX = re.compile(
    r"^(?P<tag>Q|A|Question|Answer|Вопрос|Ответ|В|О)\s*[:.]\s+(?P<text>.+)$", re.S | re.I
)
_CREDIT_PREFIX = re.compile(
    r"^\s*(Image source|Photo|Photograph|Picture|Фото|Источник|Источник фото|Изображение)"
    r"\s*[:：]\s*(?P<credit>.+)$",
    re.I | re.S,
)

_CONFIG = use_config()
# Our fetcher enforces size and time limits; trafilatura must not give up on long pages.
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
# Short statements (a two-sentence readout) are articles too; by default trafilatura falls
# back to a baseline that glues the headline, date and text into one paragraph.
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")


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

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

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
            "image": self.image_url,
            "image_alt": self.image_alt,
            "image_credit": self.image_credit,
            "paragraphs": [p.as_dict() for p in self.paragraphs],
        }


def extract_article(html: str | bytes, *, url: str) -> Extracted:
    """Extract text, paragraph roles and metadata from one article page."""
    tree = _parse_html(html)
    metadata = trafilatura.extract_metadata(tree, default_url=url)
    xml = trafilatura.extract(
        tree,
        url=url,
        output_format="xml",
        include_formatting=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        config=_CONFIG,
    )
    if not xml:
        raise ExtractError("no article text found on the page")
    # A "Photo: X" line credits the image; it is not article text.
    paragraphs = [p for p in assign_roles(_xml_paragraphs(xml)) if not _is_image_credit(p.text)]
    if _only_link_text(paragraphs, tree):
        raise ExtractError("no article text found on the page: only links")
    title = (metadata.title if metadata and metadata.title else "").strip()
    lead = _clean(metadata.description) if metadata and metadata.description else ""
    # The page's own headline and lead open the extracted text; they are kept apart.
    while paragraphs and any(_same_text(paragraphs[0].text, known) for known in (title, lead)):
        paragraphs = paragraphs[1:]
    authors = _split_authors(metadata.author if metadata else None)
    byline = ""
    if paragraphs and authors and _is_byline(paragraphs[-1].text, authors):
        byline = paragraphs.pop().text
    if not paragraphs:
        raise ExtractError("no article text found on the page")
    image_url = urljoin(url, metadata.image) if metadata and metadata.image else ""
    credit, alt = find_image_credit(tree, image_url=image_url)
    canonical = metadata.url if metadata and metadata.url else ""
    return Extracted(
        url=canonical if canonical.startswith(("http://", "https://")) else url,
        title=title or paragraphs[0].text[:200],
        lead=lead,
        paragraphs=paragraphs,
        authors=authors,
        byline=byline or ", ".join(authors),
        published=find_published(tree) or _metadata_date(metadata),
        language=_page_language(tree),
        site_name=(metadata.sitename or "") if metadata else "",
        image_url=image_url,
        image_alt=alt,
        image_credit=credit,
    )


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
    tree = _parse_html(f"<html><body><article>{html}</article></body></html>")
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
    """Find the lead image's credit and alt text: a figcaption or a "Photo:" line."""
    alt = ""
    for figure in tree.iter("figure"):
        img = figure.find(".//img")
        if img is None:
            continue
        alt = alt or _clean(img.get("alt", ""))
        caption = figure.find(".//figcaption")
        if caption is not None and (text := _clean(caption.text_content())):
            match = _CREDIT_PREFIX.match(text)
            return (match.group("credit").strip() if match else text), alt
    for node in tree.iter("p", "span", "div", "small", "figcaption", "cite"):
        text = _clean(node.text_content())
        if len(text) < 200 and (match := _CREDIT_PREFIX.match(text)):
            return match.group("credit").strip(), alt
    return "", alt


def find_published(tree: lxml.html.HtmlElement) -> datetime | None:
    """Publication time with its time of day, from meta tags, JSON-LD or <time datetime>."""
    candidates: list[str] = []
    for name in ("article:published_time", "og:published_time", "datePublished", "pubdate"):
        candidates += tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        # Yoast and other CMS plugins nest the article inside an "@graph" list.
        items += [
            node
            for item in items
            if isinstance(item, dict) and isinstance(item.get("@graph"), list)
            for node in item["@graph"]
        ]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                candidates.append(item["datePublished"])
    candidates += tree.xpath("//article//time/@datetime") + tree.xpath("//time/@datetime")
    for value in candidates:
        parsed = _parse_iso(str(value))
        if parsed:
            return parsed
    return None


def _parse_iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _metadata_date(metadata: Any) -> datetime | None:
    if metadata is None or not metadata.date:
        return None
    return _parse_iso(str(metadata.date))


def _parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    if isinstance(html, bytes):
        html = trafilatura.utils.decode_file(html)
    if not html.strip():
        raise ExtractError("empty page")
    # lxml refuses str input that carries an encoding declaration (XHTML pages do).
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractError(f"not an HTML page: {exc}") from exc


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")


def _xml_paragraphs(xml: str) -> list[Paragraph]:
    root = lxml.etree.fromstring(xml.encode("utf-8"), parser=_SAFE_XML)
    main = root.find("main")
    if main is None:
        main = root
    paragraphs: list[Paragraph] = []
    for node in main:
        text = _clean("".join(node.itertext()))
        if not text:
            continue
        if node.tag == "head":
            paragraphs.append(Paragraph("heading", text))
        elif node.tag == "quote":
            paragraphs.append(Paragraph("quote", text))
        elif node.tag == "list":
            paragraphs += [
                Paragraph("paragraph", _clean("".join(item.itertext())))
                for item in node.iter("item")
                if _clean("".join(item.itertext()))
            ]
        else:
            paragraphs.append(Paragraph("question" if _all_bold(node) else "paragraph", text))
    return paragraphs


_SAFE_XML = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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


def _is_image_credit(text: str) -> bool:
    """A short "Photo: X" / "Image source: X" line; a bare "Источник:" may credit the text."""
    match = _CREDIT_PREFIX.match(text)
    return match is not None and len(text) < 200 and match.group(1).lower() != "источник"


def _only_link_text(paragraphs: list[Paragraph], tree: lxml.html.HtmlElement) -> bool:
    """True when every paragraph is made of the page's link texts (a menu, not an article)."""
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
    return [name.strip() for name in re.split(r"[;,]| and | и ", raw) if name.strip()]


def _is_byline(text: str, authors: list[str]) -> bool:
    return len(text) <= 120 and any(author.lower() in text.lower() for author in authors)


def _page_language(tree: lxml.html.HtmlElement) -> str:
    lang = tree.get("lang") or ""
    if not lang:
        found = tree.xpath("//meta[@http-equiv='content-language']/@content")
        lang = str(found[0]) if found else ""
    return lang.split("-", 1)[0].split("_", 1)[0].lower()[:8]


def _same_text(a: str, b: str) -> bool:
    return _clean(a).casefold() == _clean(b).casefold()


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
