"""feed_links and article_links over recorded section pages and hostile HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.pipeline.discover import DiscoveredFeed, article_links, feed_links, looks_like_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
RU_SECTION = "https://minprirody.example.ru/press/news/"
EN_SECTION = "https://www.wire.example.com/world/"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# --- feed links ---------------------------------------------------------------------------


def test_declared_feeds_are_absolute_deduplicated_and_in_page_order() -> None:
    feeds = feed_links(_page("section_en_newsroom.html"), url=EN_SECTION)

    assert feeds == [
        DiscoveredFeed(
            url="https://www.wire.example.com/world/rss",
            title="Example Wire — World",
            type="application/rss+xml",
        ),
        DiscoveredFeed(
            url="https://www.wire.example.com/atom.xml",
            title="Example Wire — All news (Atom)",
            type="application/atom+xml",
        ),
        DiscoveredFeed(
            url="https://www.wire.example.com/feed.json",
            title="Example Wire — JSON Feed",
            type="application/feed+json",
        ),
    ]


def test_wordpress_rest_api_json_links_are_not_feeds() -> None:
    html = (
        '<html><head><link rel="alternate" type="application/json" '
        'href="https://blog.example.com/wp-json/wp/v2/posts/12">'
        '<link rel="alternate" type="application/json" title="JSON Feed" href="/feed.json">'
        "</head><body></body></html>"
    )

    feeds = feed_links(html, url="https://blog.example.com/")

    assert [feed.url for feed in feeds] == ["https://blog.example.com/feed.json"]
    assert feeds[0].type == "application/json"


def test_rel_and_type_are_matched_case_insensitively_with_parameters() -> None:
    html = (
        '<html><head><LINK REL="Alternate Home" TYPE="Application/RSS+XML; charset=utf-8" '
        'HREF="rss.xml"></head></html>'
    )

    feeds = feed_links(html, url="https://e.com/news/")

    assert feeds == [
        DiscoveredFeed(url="https://e.com/news/rss.xml", title="", type="application/rss+xml")
    ]


def test_base_href_decides_where_relative_feed_links_point() -> None:
    html = (
        '<html><head><base href="https://cdn.e.com/site/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>'
    )

    assert [f.url for f in feed_links(html, url="https://e.com/")] == [
        "https://cdn.e.com/site/atom.xml"
    ]


def test_html_alternates_and_stylesheets_are_not_feeds() -> None:
    html = (
        '<html><head><link rel="alternate" hreflang="ru" href="/ru/">'
        '<link rel="alternate stylesheet" type="text/css" href="/c.css">'
        '<link rel="stylesheet" type="application/rss+xml" href="/odd.xml"></head>'
        "<body><p>No feeds here.</p></body></html>"
    )

    assert feed_links(html, url="https://e.com/") == []


def test_without_declared_feeds_rss_anchors_are_the_fallback() -> None:
    feeds = feed_links(_page("section_ru_ministry.html"), url=RU_SECTION)

    # /sitemap.xml ends in .xml but says nothing of RSS or feeds.
    assert feeds == [
        DiscoveredFeed(
            url="https://minprirody.example.ru/rss/news/",
            title="RSS-лента новостей министерства",
            type="",
        )
    ]


@pytest.mark.parametrize(
    ("href", "text", "found"),
    [
        ("/feed", "Subscribe", True),
        ("/news.rss", "News", True),
        ("/export/all.xml", "RSS", True),
        ("/atom", "Atom", True),
        ("/feed/", "Подписаться", True),
        ("/sitemap.xml", "Site map", False),
        ("/feedback", "Feedback form", False),
        ("/rss-reader-review", "RSS readers reviewed", False),
        ("mailto:rss@e.com", "RSS by mail", False),
        ("javascript:feed()", "RSS", False),
    ],
)
def test_feed_anchor_fallback(href: str, text: str, found: bool) -> None:
    html = f'<html><body><a href="{href}">{text}</a></body></html>'

    assert bool(feed_links(html, url="https://e.com/")) is found


@pytest.mark.parametrize(
    "content",
    [b"", b"   ", b"\x00\x01\x02garbage\xff\xfe", b"<<<>>>", b"<html", "<p>Текст</p>".encode()],
)
def test_garbage_or_empty_html_has_no_feeds(content: bytes) -> None:
    assert feed_links(content, url="https://e.com/") == []


def test_windows1251_page_bytes_are_decoded() -> None:
    html = (
        '<html><head><meta charset="windows-1251">'
        '<link rel="alternate" type="application/rss+xml" title="Новости города" href="/rss">'
        "</head><body><p>Главные новости дня</p></body></html>"
    ).encode("cp1251")

    assert feed_links(html, url="https://gorod.example.ru/")[0].title == "Новости города"


# --- article links ------------------------------------------------------------------------


def test_ministry_news_list_yields_its_articles_in_page_order() -> None:
    links = article_links(_page("section_ru_ministry.html"), url=RU_SECTION)

    assert links == [
        "https://minprirody.example.ru/press/news/70412/",
        "https://minprirody.example.ru/press/news/70398/",
        "https://www.minprirody.example.ru/press/news/70391/",
        "https://minprirody.example.ru/press/news/detail.php?ELEMENT_ID=70377",
        "https://regions.minprirody.example.ru/news/2025/02/27/baikal-monitoring/",
    ]


def test_ministry_list_leaves_out_menus_pagination_filters_files_and_other_sites() -> None:
    links = article_links(_page("section_ru_ministry.html"), url=RU_SECTION)
    joined = " ".join(links)

    assert "https://minprirody.example.ru/press/" not in links  # the breadcrumb to the parent
    for unwanted in (
        "PAGEN_1",  # pagination
        "year=",  # the list filtered by year
        ".pdf",
        "tass.example.com",
        "vk.example.com",
        "mailto:",
        "tel:",
        "javascript:",
        "/rss/",
        "/contacts/",
        "/about/",
        "#photo",
    ):
        assert unwanted not in joined, unwanted


def test_newsroom_list_yields_only_its_stories() -> None:
    links = article_links(_page("section_en_newsroom.html"), url=EN_SECTION)

    assert links == [
        "https://www.wire.example.com/world/2025/03/04/grain-talks",
        "https://www.wire.example.com/economy/2025/03/04/central-bank-holds-rate",
        "https://www.wire.example.com/world/live/elections-in-the-north-live-updates-day-3",
        "https://www.wire.example.com/world/article/481516",
        "https://live.wire.example.com/world/2025/03/03/flood-warnings",
        "https://www.wire.example.com/world/2025/03/03/port-strike-ends",
        "https://www.wire.example.com/world/2025/03/02/museum-returns-artefacts",
    ]


def test_article_links_drop_fragments_and_keep_one_link_per_story() -> None:
    links = article_links(_page("section_en_newsroom.html"), url=EN_SECTION)

    assert all("#" not in link for link in links)
    assert sum("grain-talks" in link for link in links) == 1
    # /story and /story/ are the same story.
    assert sum("port-strike-ends" in link for link in links) == 1


@pytest.mark.parametrize(
    ("href", "text"),
    [
        ("/author/jane-doe/", "Jane Doe, world affairs correspondent"),
        ("/category/europe/", "Europe and Central Asia region"),
        ("/tags/elections/", "Elections and referendums everywhere"),
        ("/tag/trade/", "Trade and shipping routes today"),
        ("/world/page/2/", "Older stories from the desk"),
        ("/world/?page=3&sort=date", "Even older stories from the desk"),
        ("/login?next=/world/", "Sign in to your account"),
        ("/static/img/grain.jpg", "Delegates at the big table"),
        ("/files/report-2025.pdf", "Download the annual report here"),
        ("/world/video/2025/03/02/harbour.mp4", "Watch the harbour at night"),
        ("/world/2025/03/02/short", "Go"),
        ("/world/", "World news from our desk"),
        ("/", "Back to the home page"),
        ("https://other.example.org/2025/03/03/story", "A partner site's story today"),
        ("mailto:tips@wire.example.com", "Send us your news tips"),
        ("javascript:void(0)", "Open the cookie settings"),
        ("tel:+441234567", "Call the news desk now"),
        ("#top", "Back to the top of page"),
    ],
)
def test_links_that_are_not_articles_are_left_out(href: str, text: str) -> None:
    html = f'<html><body><main><a href="{href}">{text}</a></main></body></html>'

    assert article_links(html, url=EN_SECTION) == []


@pytest.mark.parametrize(
    "container",
    [
        "<nav>{}</nav>",
        "<aside>{}</aside>",
        "<footer>{}</footer>",
        "<header>{}</header>",
        '<div role="navigation">{}</div>',
        '<div class="main-menu">{}</div>',
        '<ul class="breadcrumbs">{}</ul>',
        '<div id="site_footer">{}</div>',
        '<div class="social-links">{}</div>',
        '<div class="col sidebar">{}</div>',
    ],
)
def test_links_in_navigation_headers_footers_and_sidebars_are_left_out(container: str) -> None:
    link = '<a href="/world/2025/03/03/port-strike-ends">Port strike ends after nine days</a>'
    html = "<html><body>" + container.format(link) + "</body></html>"

    assert article_links(html, url=EN_SECTION) == []


def test_headline_in_an_article_cards_header_is_kept() -> None:
    html = (
        '<html><body><article><header class="card-header"><h2>'
        '<a href="/world/2025/03/03/port-strike-ends">Port strike ends after nine days</a>'
        "</h2></header><footer><a href='/world/2025/03/02/museum'>Museum returns its art</a>"
        "</footer></article></body></html>"
    )

    assert article_links(html, url=EN_SECTION) == [
        "https://www.wire.example.com/world/2025/03/03/port-strike-ends",
        "https://www.wire.example.com/world/2025/03/02/museum",
    ]


@pytest.mark.parametrize(
    "href",
    [
        "/news/2025/03/04/park",  # a date
        "/novosti/12345",  # a numeric id
        "/park-zaryadye-reopens-after-renovation",  # a long slug at the root
        "/news/park",  # two segments
        "/view.php?id=48213",  # an id in the query
    ],
)
def test_urls_shaped_like_articles_are_kept(href: str) -> None:
    html = f'<html><body><a href="{href}">Парк открылся после реконструкции</a></body></html>'

    assert article_links(html, url="https://gorod.example.ru/news/") == [
        "https://gorod.example.ru" + href
    ]


def test_short_root_level_slug_is_not_an_article() -> None:
    html = '<html><body><a href="/about">About the company and its people</a></body></html>'

    assert article_links(html, url="https://gorod.example.ru/news/") == []


def test_image_only_link_counts_its_alt_text() -> None:
    html = (
        '<html><body><a href="/news/2025/03/04/park">'
        '<img src="/i.jpg" alt="Парк Зарядье после реконструкции"></a></body></html>'
    )

    assert article_links(html, url="https://gorod.example.ru/news/") == [
        "https://gorod.example.ru/news/2025/03/04/park"
    ]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02\xff", b"<<<<", "Просто текст без ссылок".encode(), b"<a href=>x</a>"],
)
def test_garbage_html_has_no_article_links(content: bytes) -> None:
    assert article_links(content, url=EN_SECTION) == []


def test_broken_hrefs_are_skipped_not_raised() -> None:
    html = (
        '<html><body><a href="http://[broken/2025/03/04/story">A broken link to a story</a>'
        '<a href="/world/2025/03/04/ok-story">A working link to a story</a></body></html>'
    )

    assert article_links(html, url=EN_SECTION) == [
        "https://www.wire.example.com/world/2025/03/04/ok-story"
    ]


def test_huge_page_with_thousands_of_links_keeps_them_all() -> None:
    anchors = "".join(
        f'<li><a href="/news/{n}/">Новость номер {n} за сегодня</a></li>'
        for n in range(10_000, 15_000)
    )
    html = f"<html><body><ul>{anchors}</ul></body></html>"

    links = article_links(html, url="https://gorod.example.ru/news/")

    assert len(links) == 5000
    assert links[0] == "https://gorod.example.ru/news/10000/"


def test_year_archive_link_is_not_an_article() -> None:
    html = '<html><body><a href="/news/2024/">Все новости за 2024 год</a></body></html>'

    assert article_links(html, url="https://gorod.example.ru/news/") == []


def test_absurdly_deep_markup_is_survived_not_raised() -> None:
    # libxml2 stops at its depth limit; what lies deeper is lost, and nothing raises.
    html = "<div>" * 5000 + '<a href="/news/2025/03/04/park">Парк открылся после ремонта</a>'

    assert article_links(html, url="https://gorod.example.ru/news/") == []
    assert feed_links(html, url="https://gorod.example.ru/news/") == []


# --- looks_like_html ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "html"),
    [
        (b"<!DOCTYPE html><html><body></body></html>", True),
        (b"\xef\xbb\xbf  <html lang='ru'>", True),
        (b"<?xml version='1.0'?><!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN'><html>", True),
        (b"<!-- generated --><html>", True),
        (b'<?xml version="1.0"?><rss version="2.0">', False),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", False),
        (b"plain text", False),
    ],
)
def test_looks_like_html(content: bytes, html: bool) -> None:
    assert looks_like_html(content) is html
