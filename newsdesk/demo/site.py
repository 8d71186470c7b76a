"""Write the demo origin site: article pages and RSS/Atom feeds that newsdesk then ingests."""

from __future__ import annotations

import struct
import zlib
from html import escape
from pathlib import Path
from typing import Any

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from newsdesk.demo.corpus import DEMO_SOURCES, DemoArticle, DemoSource, corpus_articles

LEAD_IMAGE = "images/rudenko-placeholder.png"


class FullTextRssFeed(Rss201rev2Feed):
    """RSS 2.0 whose items also carry the whole text in <content:encoded>."""

    def rss_attributes(self) -> dict[str, str]:
        attrs: dict[str, str] = super().rss_attributes()
        attrs["xmlns:content"] = "http://purl.org/rss/1.0/modules/content/"
        return attrs

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_encoded"):
            handler.addQuickElement("content:encoded", item["content_encoded"])


def build_demo_site(out_dir: Path) -> dict[str, str]:
    """Write pages and feeds under OUT_DIR; return {source key: feed file:// URL}."""
    out_dir = out_dir.resolve()
    (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    (out_dir / "feeds").mkdir(parents=True, exist_ok=True)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    _write_if_changed(out_dir / LEAD_IMAGE, placeholder_png())
    articles = corpus_articles()
    feeds: dict[str, str] = {}
    for key, source in DEMO_SOURCES.items():
        items = sorted(
            (a for a in articles if a.source == key), key=lambda a: a.published, reverse=True
        )
        for article in items:
            page = out_dir / "articles" / f"{article.id}.html"
            _write_if_changed(page, render_page(article, source=source).encode("utf-8"))
        suffix = "atom" if source.feed_format == "atom" else "rss"
        feed_path = out_dir / "feeds" / f"{key}.{suffix}"
        _write_if_changed(feed_path, render_feed(items, source=source, out_dir=out_dir))
        feeds[key] = feed_path.as_uri()
    return feeds


def render_page(article: DemoArticle, *, source: DemoSource) -> str:
    """An article page shaped like a news site's: metadata in <head>, the text in <article>."""
    head = [
        f"<title>{escape(article.title)} — {escape(source.name)}</title>",
        f'<meta name="description" content="{escape(article.lead)}">',
        f'<meta property="og:title" content="{escape(article.title)}">',
        f'<meta property="og:site_name" content="{escape(source.name)}">',
        f'<meta property="article:published_time" content="{article.published.isoformat()}">',
    ]
    if article.url:
        head.append(f'<link rel="canonical" href="{escape(article.url)}">')
    if article.authors:
        head.append(f'<meta name="author" content="{escape("; ".join(article.authors))}">')
    figure = ""
    if article.image_credit:
        head.append(f'<meta property="og:image" content="../{LEAD_IMAGE}">')
        figure = (
            f'<figure><img src="../{LEAD_IMAGE}" alt="{escape(article.image_alt)}">'
            f"<figcaption>Image source: {escape(article.image_credit)}</figcaption></figure>"
        )
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    lead = f'<p class="lead">{escape(article.lead)}</p>' if article.lead else ""
    byline = f'<p class="byline">{escape(article.byline)}</p>' if article.byline else ""
    footer = escape(source.rights_statement)
    return f"""<!DOCTYPE html>
<html lang="{article.language}">
<head>
<meta charset="utf-8">
{chr(10).join(head)}
</head>
<body>
<header><nav><a href="../index.html">{escape(source.name)}</a> · <a href="#">News</a></nav></header>
<main>
<article>
<h1>{escape(article.title)}</h1>
<time datetime="{article.published.isoformat()}">{article.published:%d.%m.%Y %H:%M}</time>
{figure}
{lead}
{body}
{byline}
</article>
</main>
<footer><p>{footer}</p><p>{escape(source.license_name)}</p></footer>
</body>
</html>
"""


def render_feed(items: list[DemoArticle], *, source: DemoSource, out_dir: Path) -> bytes:
    """The source's feed: summaries only, except "rss-full" which carries the whole text."""
    feed_class: type[SyndicationFeed] = {
        "rss": Rss201rev2Feed,
        "atom": Atom1Feed,
        "rss-full": FullTextRssFeed,
    }[source.feed_format]
    feed = feed_class(
        title=source.name,
        link=source.homepage,
        description=f"{source.name}: demo feed",
        language=source.language,
    )
    for article in items:
        page_url = (out_dir / "articles" / f"{article.id}.html").as_uri()
        extra: dict[str, Any] = {}
        if source.feed_format == "rss-full":
            extra["content_encoded"] = "".join(
                f"<p>{escape(p)}</p>" for p in [article.lead, *article.paragraphs] if p
            )
        feed.add_item(
            title=article.title,
            link=page_url,
            description=article.lead or article.paragraphs[0][:300],
            pubdate=article.published,
            unique_id=article.url or page_url,
            author_name=", ".join(article.authors) or None,
            **extra,
        )
    return feed.writeString("utf-8").encode("utf-8")


def placeholder_png(width: int = 1200, height: int = 630) -> bytes:
    """A plain gradient PNG that stands in for a photo the corpus does not include."""
    rows = []
    for y in range(height):
        shade = 40 + (y * 80) // height
        row = bytes([0]) + bytes([shade // 2, shade, 60 + shade]) * width
        rows.append(row)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _write_if_changed(path: Path, data: bytes) -> None:
    """Keep the file's mtime when nothing changed, so conditional fetches see "not modified"."""
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
