"""Every kind of source is ingested through one path: feeds of each format, sitemaps, pages."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from html import escape

import pytest
from django.utils import timezone

from newsdesk.news.models import Article
from newsdesk.sources import services
from newsdesk.sources.models import IngestFailure, IngestItem, Source
from newsdesk.sources.services import source_ingest
from tests.loopback import LoopbackServer, paths_requested
from tests.sources.test_ingest import LONG, page_html, rss

pytestmark = pytest.mark.django_db

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}


def serve_pages(server: LoopbackServer, paths: list[str]) -> list[str]:
    """Serve an article page at each path; returns their URLs."""
    urls = []
    for n, path in enumerate(paths):
        body = page_html(
            title=f"Story {n}", lead=f"Lead of story {n}.", paragraphs=[f"{n}: {p}" for p in LONG]
        )
        urls.append(server.add(path, body, headers=HTML))
    return urls


def w3c(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def urlset(entries: list[tuple[str, datetime | None]], *, news: bool = False) -> str:
    """A sitemap of (loc, lastmod) entries; NEWS adds a Google News block to each."""
    rows = []
    for n, (loc, lastmod) in enumerate(entries):
        row = f"<url><loc>{escape(loc)}</loc>"
        if lastmod is not None:
            row += f"<lastmod>{w3c(lastmod)}</lastmod>"
        if news:
            published = w3c(lastmod or timezone.now())
            row += (
                "<news:news><news:publication><news:name>Loopback Wire</news:name>"
                "<news:language>en</news:language></news:publication>"
                f"<news:publication_date>{published}</news:publication_date>"
                f"<news:title>News title {n}</news:title></news:news>"
            )
        rows.append(row + "</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    )


def sitemap_index(children: list[tuple[str, datetime | None]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{w3c(lastmod)}</lastmod>" if lastmod else "")
        + "</sitemap>"
        for loc, lastmod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    )


def serve_index_with_an_html_child(server: LoopbackServer) -> tuple[str, list[str], str]:
    """A sitemap index whose first child is a sitemap of one page and second an HTML page.

    Returns the index's URL, the page's, and the HTML child's.
    """
    links = serve_pages(server, ["/news/a"])
    good = server.add("/good.xml", urlset([(links[0], None)]), headers=XML)
    html = server.add("/html.xml", "<!DOCTYPE html><html><body>Hi</body></html>")
    url = server.add("/index.xml", sitemap_index([(good, None), (html, None)]), headers=XML)
    return url, links, html


def add_source(url: str, kind: str) -> Source:
    return Source.objects.create(name=f"Test {kind}", slug=f"test-{kind}", url=url, kind=kind)


def sitemap_paths(server: LoopbackServer) -> list[str]:
    return [path for path in paths_requested(server) if path.endswith(".xml")]


def page_paths(server: LoopbackServer) -> list[str]:
    return [path for path in paths_requested(server) if path.startswith("/news/")]


# --- sitemaps -------------------------------------------------------------------------------


def test_news_sitemap_stores_its_pages_with_the_news_title_and_time(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    links = serve_pages(http_server, ["/news/a", "/news/b"])
    url = http_server.add(
        "/news-sitemap.xml",
        urlset(
            [(links[0], now - timedelta(hours=1)), (links[1], now - timedelta(hours=2))], news=True
        ),
        headers=XML,
    )
    source = add_source(url, Source.Kind.SITEMAP)

    report = source_ingest(source=source)

    assert (report.new, report.failed) == (2, 0), report.errors
    item = IngestItem.objects.get(link=links[0])
    assert item.payload["title"] == "News title 0"
    published = datetime.fromisoformat(item.payload["published"])
    assert published == (now - timedelta(hours=1)).replace(microsecond=0)
    article = Article.objects.get(link=links[0])
    assert article.title == "Story 0"
    assert article.lead == "Lead of story 0."
    source.refresh_from_db()
    assert (source.consecutive_failures, source.last_error) == (0, "")


def test_sitemap_index_reads_its_children_and_records_the_broken_one(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    links = serve_pages(http_server, ["/news/a", "/news/b"])
    good = http_server.add(
        "/sitemap-1.xml", urlset([(link, now - timedelta(hours=3)) for link in links]), headers=XML
    )
    broken = http_server.add("/sitemap-2.xml", "gone", status=404)
    url = http_server.add(
        "/sitemap-index.xml",
        sitemap_index([(broken, now - timedelta(hours=1)), (good, now - timedelta(hours=2))]),
        headers=XML,
    )
    source = add_source(url, Source.Kind.SITEMAP)

    report = source_ingest(source=source)

    assert (report.new, report.failed) == (2, 1)
    failure = IngestFailure.objects.get()
    assert (failure.stage, failure.url) == ("fetch", broken)
    assert "404" in failure.message
    source.refresh_from_db()
    # Part of the source failed, not the source: it is not backed off.
    assert source.consecutive_failures == 0


def test_sitemap_index_child_that_is_not_a_sitemap_is_a_parse_failure(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url, _links, _html = serve_index_with_an_html_child(http_server)
    report = source_ingest(source=add_source(url, Source.Kind.SITEMAP))
    assert (report.new, report.failed) == (1, 1)
    failure = IngestFailure.objects.get()
    assert failure.stage == "parse"
    assert "looks like an HTML page" in failure.message


def test_sitemap_index_reads_only_its_newest_children_and_none_gone_stale(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    children = []
    for n in range(services.MAX_CHILD_SITEMAPS + 2):
        children.append(
            (http_server.add(f"/child-{n}.xml", urlset([]), headers=XML), now - timedelta(hours=n))
        )
    stale = http_server.add("/stale.xml", urlset([]), headers=XML)
    children.append((stale, now - services.SITEMAP_WINDOW - timedelta(days=1)))
    url = http_server.add("/index.xml", sitemap_index(list(reversed(children))), headers=XML)

    report = source_ingest(source=add_source(url, Source.Kind.SITEMAP))

    assert report.failed == 0
    read = [path for path in paths_requested(http_server) if path.startswith("/child-")]
    assert read == [f"/child-{n}.xml" for n in range(services.MAX_CHILD_SITEMAPS)]
    assert "/stale.xml" not in paths_requested(http_server)


def test_plain_sitemap_takes_recent_entries_newest_first_then_undated_and_skips_old_ones(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    base = http_server.url("/news/")
    entries = [
        (base + "old", now - services.SITEMAP_WINDOW - timedelta(days=2)),
        (base + "undated", None),
        (base + "older", now - timedelta(days=3)),
        (base + "newest", now - timedelta(minutes=5)),
    ]
    url = http_server.add("/sitemap.xml", urlset(entries), headers=XML)

    source_ingest(source=add_source(url, Source.Kind.SITEMAP), process=False)

    recorded = list(IngestItem.objects.order_by("id").values_list("link", flat=True))
    assert recorded == [base + "newest", base + "older", base + "undated"]


def test_huge_sitemap_enqueues_at_most_the_cap_per_run_the_newest(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    count = services.MAX_ITEMS_PER_RUN + 300
    entries = [(http_server.url(f"/news/{n}"), now - timedelta(minutes=n)) for n in range(count)]
    url = http_server.add("/sitemap.xml", urlset(entries), headers=XML)

    report = source_ingest(source=add_source(url, Source.Kind.SITEMAP), process=False)

    assert report.failed == 0
    links = set(IngestItem.objects.values_list("link", flat=True))
    assert links == {http_server.url(f"/news/{n}") for n in range(services.MAX_ITEMS_PER_RUN)}
    assert page_paths(http_server) == []


def test_updated_lastmod_refetches_exactly_that_page(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    now = timezone.now()
    links = serve_pages(http_server, ["/news/a", "/news/b", "/news/c"])
    stamps = [now - timedelta(hours=n + 1) for n in range(3)]
    url = http_server.add(
        "/sitemap.xml", urlset(list(zip(links, stamps, strict=True)), news=True), headers=XML
    )
    source = add_source(url, Source.Kind.SITEMAP)
    assert source_ingest(source=source).new == 3
    assert source_ingest(source=source).unchanged == 3
    before = page_paths(http_server)

    # The news block keeps its publication date; only lastmod moves.
    body = urlset(list(zip(links, stamps, strict=True)), news=True)
    moved = body.replace(f"<lastmod>{w3c(stamps[1])}</lastmod>", f"<lastmod>{w3c(now)}</lastmod>")
    assert moved != body
    http_server.add("/sitemap.xml", moved, headers=XML)
    report = source_ingest(source=source)

    assert page_paths(http_server)[len(before) :] == ["/news/b"]
    assert (report.unchanged, report.failed) == (3, 0)
    assert Article.objects.count() == 3


def test_sitemap_that_is_an_html_page_fails_the_source_with_a_clear_reason(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add("/sitemap.xml", page_html(title="Home", paragraphs=LONG), headers=HTML)
    source = add_source(url, Source.Kind.SITEMAP)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "not a sitemap: looks like an HTML page" in report.errors[0]
    assert IngestFailure.objects.get().stage == "parse"
    source.refresh_from_db()
    assert source.consecutive_failures == 1


def test_gzip_sitemap_file_is_read_and_a_truncated_one_fails(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    links = serve_pages(http_server, ["/news/a"])
    packed = gzip.compress(urlset([(links[0], None)]).encode())
    url = http_server.add("/sitemap.xml.gz", packed, headers={"Content-Type": "application/gzip"})
    assert source_ingest(source=add_source(url, Source.Kind.SITEMAP)).new == 1

    cut = http_server.add("/cut.xml.gz", packed[: len(packed) // 2])
    source = Source.objects.create(name="Cut", slug="cut", url=cut, kind=Source.Kind.SITEMAP)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "gzip" in report.errors[0]


def test_sitemap_index_that_lists_itself_is_read_once_and_does_not_loop(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.url("/index.xml")
    http_server.add("/index.xml", sitemap_index([(url, None), (url, None)]), headers=XML)

    report = source_ingest(source=add_source(url, Source.Kind.SITEMAP))

    assert sitemap_paths(http_server) == ["/index.xml"]
    assert report.failed == 0
    assert any("lists itself" in e for e in report.errors)
    assert IngestItem.objects.count() == 0


def test_sitemap_index_inside_an_index_is_not_followed(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    inner = http_server.url("/inner.xml")
    outer = http_server.url("/outer.xml")
    http_server.add("/inner.xml", sitemap_index([(outer, None)]), headers=XML)
    http_server.add("/outer.xml", sitemap_index([(inner, None)]), headers=XML)
    report = source_ingest(source=add_source(outer, Source.Kind.SITEMAP))
    assert sitemap_paths(http_server) == ["/outer.xml", "/inner.xml"]
    assert any("nested sitemap index" in e for e in report.errors)


# --- section pages --------------------------------------------------------------------------


def section_page(links: list[tuple[str, str]]) -> str:
    cards = "".join(
        f'<article class="card"><h2><a href="{escape(href)}">{escape(text)}</a></h2></article>'
        for href, text in links
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>World news</title>'
        '</head><body><nav><a href="/world/2025/03/01/menu-item-story">Menu link to a story</a>'
        f"</nav><main><h1>World</h1>{cards}</main></body></html>"
    )


def test_section_page_stores_the_articles_it_links_to(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    paths = ["/news/2025/03/04/grain-talks-resume", "/news/2025/03/03/port-strike-ends"]
    serve_pages(http_server, paths)
    url = http_server.add(
        "/world/",
        section_page(
            [(paths[0], "Grain talks resume in Geneva"), (paths[1], "Port strike ends today")]
        ),
        headers=HTML,
    )
    source = add_source(url, Source.Kind.PAGE)

    report = source_ingest(source=source)

    assert (report.new, report.failed) == (2, 0), report.errors
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 0", "Story 1"]
    # The navigation's link is not an article of the section.
    assert "/world/2025/03/01/menu-item-story" not in paths_requested(http_server)
    assert source_ingest(source=source).unchanged == 2


def test_section_page_without_article_links_fails_with_a_clear_reason(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    url = http_server.add(
        "/world/", "<!DOCTYPE html><html><body><p>Nothing here yet.</p></body></html>", headers=HTML
    )
    source = add_source(url, Source.Kind.PAGE)
    report = source_ingest(source=source)
    assert report.failed == 1
    assert "no article links found on the page" in report.errors[0]
    assert IngestFailure.objects.get().stage == "parse"


def test_section_page_that_is_binary_or_empty_fails_without_crashing(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    for n, body in enumerate([b"", bytes(range(256)) * 64, b"\x1f\x8b\x08garbage"]):
        url = http_server.add(f"/bad-{n}", body, headers=HTML)
        source = Source.objects.create(name=f"B{n}", slug=f"b{n}", url=url, kind=Source.Kind.PAGE)
        report = source_ingest(source=source)
        assert report.failed == 1, body[:10]
    assert IngestFailure.objects.filter(stage="parse").count() == 3


# --- feed formats ---------------------------------------------------------------------------


def test_json_feed_items_are_stored_full_text_ones_without_a_page_fetch(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    links = serve_pages(http_server, ["/news/summary-only"])
    full = http_server.url("/news/full-text")
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Loopback JSON",
        "language": "en",
        "items": [
            {"id": "1", "url": links[0], "title": "Summary only", "summary": "Short."},
            {
                "id": "2",
                "url": full,
                "title": "Full text",
                "summary": "The lead.",
                "content_html": "<p>The lead.</p>" + "<p>Much more text here. </p>" * 30,
                "date_published": "2025-03-04T09:15:00+03:00",
                "date_modified": "2025-03-04T12:40:00+03:00",
            },
        ],
    }
    url = http_server.add(
        "/feed.json", json.dumps(document), headers={"Content-Type": "application/feed+json"}
    )
    report = source_ingest(source=add_source(url, Source.Kind.FEED))
    assert (report.new, report.failed) == (2, 0), report.errors
    assert page_paths(http_server) == ["/news/summary-only"]
    assert "Much more text here." in Article.objects.get(link=full).text


def test_atom_entry_with_an_update_time_is_recorded_and_refetched_when_it_moves(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    links = serve_pages(http_server, ["/news/a"])

    def atom(updated: str) -> str:
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom</title><id>urn:x</id><updated>2025-03-04T10:00:00Z</updated>"
            f'<entry><title>Entry</title><link href="{links[0]}"/><id>urn:a</id>'
            f"<published>2025-03-04T09:00:00Z</published><updated>{updated}</updated>"
            "<summary>Short.</summary></entry></feed>"
        )

    url = http_server.add("/atom.xml", atom("2025-03-04T10:00:00Z"))
    source = add_source(url, Source.Kind.FEED)
    assert source_ingest(source=source).new == 1
    assert IngestItem.objects.get().payload["updated"] == "2025-03-04T10:00:00+00:00"
    assert source_ingest(source=source).unchanged == 1
    assert page_paths(http_server) == ["/news/a"]
    http_server.add("/atom.xml", atom("2025-03-05T08:00:00Z"))
    source_ingest(source=source)
    assert page_paths(http_server) == ["/news/a", "/news/a"]


def test_rss_091_feed_is_ingested(http_server: LoopbackServer, allow_loopback: None) -> None:
    links = serve_pages(http_server, ["/news/ferry", "/news/cafe"])
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link>"
        f"<description>Short {n}.</description></item>"
        for n, link in enumerate(links)
    )
    body = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        '<rss version="0.91"><channel><title>Caf\xe9 Gazette</title>'
        f"<link>{http_server.base}/</link><description>d</description><language>en-us</language>{items}</channel></rss>"
    ).encode("latin-1")
    url = http_server.add("/rss091.xml", body, headers={"Content-Type": "text/xml"})
    report = source_ingest(source=add_source(url, Source.Kind.FEED))
    assert (report.new, report.failed) == (2, 0), report.errors
    assert Article.objects.count() == 2


def test_rdf_feed_is_ingested(http_server: LoopbackServer, allow_loopback: None) -> None:
    links = serve_pages(http_server, ["/news/bridge", "/news/library"])
    items = "".join(
        f'<item rdf:about="{link}"><title>Item {n}</title><link>{link}</link>'
        f"<description>Short {n}.</description><dc:date>2025-03-02T18:20:00-05:00</dc:date></item>"
        for n, link in enumerate(links)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://purl.org/rss/1.0/">'
        f'<channel rdf:about="{http_server.base}/rss"><title>Regional</title>'
        f"<link>{http_server.base}/</link><description>d</description></channel>{items}</rdf:RDF>"
    )
    url = http_server.add("/rdf.xml", body, headers={"Content-Type": "application/rdf+xml"})
    report = source_ingest(source=add_source(url, Source.Kind.FEED))
    assert (report.new, report.failed) == (2, 0), report.errors
    item = IngestItem.objects.get(link=links[0])
    assert item.payload["published"] == "2025-03-02T23:20:00+00:00"


def test_truncated_feed_is_a_warning_its_items_stored_and_the_source_not_failed(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    links = serve_pages(http_server, ["/news/a", "/news/b"])
    body = rss([("First", links[0], "One."), ("Second", links[1], "Two.")])
    # Cut inside the second item's link: the first item is whole, the second has no link.
    cut = body[: body.index(links[1]) + 10]
    url = http_server.add("/cut.xml", cut, headers={"Content-Type": "application/rss+xml"})
    source = add_source(url, Source.Kind.FEED)

    report = source_ingest(source=source)

    assert report.new == 1
    warnings = [e for e in report.errors if e.startswith("warning: ")]
    assert warnings == [e for e in report.errors if "broken XML" in e]
    assert len(warnings) == 1
    # The warning is no failure of its own (the second item, cut off, is one).
    assert report.failed == IngestFailure.objects.count()
    assert all("broken XML" not in f.message for f in IngestFailure.objects.all())
    source.refresh_from_db()
    assert (source.consecutive_failures, source.last_error) == (0, "")


def test_section_page_in_windows1251_labelled_only_by_http_keeps_its_cyrillic_links(
    http_server: LoopbackServer, allow_loopback: None
) -> None:
    paths = ["/новости/2025/03/04/переговоры-в-женеве", "/новости/2025/03/03/забастовка-в-порту"]
    body = section_page(
        [(paths[0], "Переговоры в Женеве возобновились"), (paths[1], "Забастовка в порту окончена")]
    ).replace('<meta charset="utf-8">', "")
    url = http_server.add(
        "/news/",
        body.encode("cp1251"),
        headers={"Content-Type": "text/html; charset=windows-1251"},
    )
    source = add_source(url, Source.Kind.PAGE)

    report = source_ingest(source=source, process=False)

    assert report.failed == 0, report.errors
    links = set(IngestItem.objects.values_list("link", flat=True))
    assert links == {http_server.base + path for path in paths}
