"""Realistic article pages for the benchmarks: the demo corpus in four news-site layouts.

The texts are the bundled demo corpus (kremlin.ru CC BY 4.0, whitehouse.gov public domain:
see newsdesk/demo/corpus/README.md); the layouts imitate what real news sites wrap around an
article (navigation, related links, share buttons, scripts, comments, footers).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from email.utils import format_datetime
from html import escape
from pathlib import Path

from newsdesk.demo.corpus import DemoArticle, corpus_articles

NAV = [
    "Politics",
    "World",
    "Defence",
    "Economy",
    "Society",
    "Science",
    "Culture",
    "Sport",
    "Opinion",
    "Video",
    "Photo",
    "Archive",
]


def _script(rng: random.Random) -> str:
    # Inline analytics and ad code as real pages carry it: bulk the extractor must skip.
    blob = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6000))
    return f"<script>window.__STATE__={{'k':'{blob}'}};(function(){{var a=1;}})();</script>"


def _related(articles: list[DemoArticle], rng: random.Random) -> str:
    picks = rng.sample(articles, 8)
    items = "".join(f'<li><a href="/news/{a.id}">{escape(a.title)}</a></li>' for a in picks)
    return f'<aside class="related"><h3>Related</h3><ul>{items}</ul></aside>'


def _nav() -> str:
    links = "".join(f'<li><a href="/{n.lower()}/">{n}</a></li>' for n in NAV)
    return f'<header><a class="logo" href="/">Newsroom</a><nav><ul>{links}</ul></nav></header>'


def _footer() -> str:
    return (
        "<footer><p>© Newsroom. All rights reserved.</p><ul>"
        + "".join(f'<li><a href="/about/{i}">About {i}</a></li>' for i in range(10))
        + "</ul></footer>"
    )


def render(article: DemoArticle, *, layout: int, articles: list[DemoArticle]) -> str:
    """One page for ARTICLE in one of four layouts."""
    rng = random.Random(f"{article.id}-{layout}")  # noqa: S311 (filler, not secrets)
    body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    lead = f'<p class="lead">{escape(article.lead)}</p>' if article.lead else ""
    stamp = article.published.isoformat()
    head = (
        f'<meta charset="utf-8"><title>{escape(article.title)}</title>'
        f'<meta name="description" content="{escape(article.lead[:200])}">'
        f'<meta property="og:title" content="{escape(article.title)}">'
        f'<meta property="article:published_time" content="{stamp}">'
        f"<style>body{{font:16px sans-serif}} .x{{color:red}}</style>{_script(rng)}"
    )
    share = '<div class="share"><a href="#">Telegram</a><a href="#">VK</a><a href="#">X</a></div>'
    if layout == 0:
        main = (
            f"<main><article><h1>{escape(article.title)}</h1><time datetime='{stamp}'>"
            f"{article.published:%d.%m.%Y %H:%M}</time>{lead}{body}</article>{share}"
            f"{_related(articles, rng)}</main>"
        )
    elif layout == 1:
        cells = "".join(
            f'<div class="teaser"><a href="/t/{i}">Teaser {i}</a></div>' for i in range(6)
        )
        main = (
            f'<div id="wrap"><div class="col-left">{cells}</div><div class="col-main">'
            f'<div class="post-title"><h1>{escape(article.title)}</h1></div>'
            f'<div class="post-body">{lead}{body}</div>{share}'
            f'<div class="comments"><h4>Comments</h4><div class="c">First!</div></div></div>'
            f'<div class="col-right">{_related(articles, rng)}</div></div>'
        )
    elif layout == 2:
        main = (
            f'<div class="site-content"><div class="entry"><h1 class="entry-title">'
            f"{escape(article.title)}</h1><div class='entry-meta'>Posted {stamp}</div>"
            f'<div class="entry-content">{lead}{body}</div></div>'
            f'<div class="widget">{_related(articles, rng)}</div></div>'
        )
    else:
        main = f"<h1>{escape(article.title)}</h1>{lead}{body}{_related(articles, rng)}"
    lang = article.language
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>'
        f"{_nav()}{main}{_footer()}{_script(rng)}</body></html>"
    )


def write_pages(out: Path, *, copies: int = 4) -> list[tuple[str, str, DemoArticle]]:
    """Write COPIES layouts of every corpus article under OUT; returns (name, path, article)."""
    articles = corpus_articles()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for layout in range(copies):
        for article in articles:
            name = f"{article.id}-{layout}.html"
            path = out / name
            path.write_text(render(article, layout=layout, articles=articles), encoding="utf-8")
            written.append((name, str(path), article))
    return written


def write_feed(
    out: Path, *, name: str, pages: list[tuple[str, str, DemoArticle]], base: str
) -> Path:
    """An RSS 2.0 feed with a summary-only item per page (so ingest fetches every page).

    One feed per layout: four sites republishing the same texts, as agencies' copies are.
    """
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}/{page}</link>"
        f"<guid>{base}/{page}</guid><description>{escape(a.lead[:200])}</description>"
        f"<pubDate>{format_datetime(a.published)}</pubDate></item>"
        for page, _path, a in pages
    )
    return _write_rss(out / name, items=items, base=base)


def _write_rss(path: Path, *, items: str, base: str) -> Path:
    """An RSS 2.0 document around ITEMS, written to PATH."""
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench</title><link>{base}/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


def origin_server(folder: Path, *, port: int) -> subprocess.Popen[bytes]:
    """A static HTTP server (another process) serving FOLDER on 127.0.0.1:PORT."""
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return server


FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "pipeline" / "fixtures"
REALWORLD = FIXTURES / "realworld"
SNIPPETS = FIXTURES / "realworld-snippets"


def write_realworld(
    out: Path, *, copies: int = 10, snippets: bool = False
) -> list[list[tuple[str, str, str]]]:
    """COPIES sets of the real-world test pages (real news sites, see their README).

    Returns per copy a list of (file name, path, title): each copy is served as the feed of
    another site, as agencies' texts are republished, so the ingest also groups stories.
    SNIPPETS adds the 81 real pages checked by snippets (mostly German news and blogs).
    """
    sources = sorted(p for p in REALWORLD.glob("*/source.html"))
    if snippets:
        sources += sorted(p for p in SNIPPETS.glob("*/source.html"))
    out.mkdir(parents=True, exist_ok=True)
    sets = []
    for copy in range(copies):
        written = []
        for source in sources:
            name = f"real-{copy}-{source.parent.name}.html"
            path = out / name
            path.write_bytes(source.read_bytes())
            written.append((name, str(path), source.parent.name))
        sets.append(written)
    return sets


def write_plain_feed(out: Path, *, name: str, pages: list[tuple[str, str, str]], base: str) -> Path:
    """An RSS 2.0 feed listing PAGES (title only: the ingest fetches and extracts each)."""
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{base}/{page}</link></item>"
        for page, _path, title in pages
    )
    return _write_rss(out / name, items=items, base=base)
