"""parse_feed over recorded RSS 0.91/0.92/2.0, RSS 1.0, Atom, JSON Feed and hostile bytes."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.pipeline.feeds import FeedError, FeedItem, parse_feed
from tests.loopback import LoopbackServer

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def _rss(items: str, *, prolog: str = '<?xml version="1.0"?>\n') -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>Test</title>'
        f"<link>https://example.com/</link>{items}</channel></rss>"
    ).encode()


# --- the three XML formats ----------------------------------------------------------------


def test_rss2_items_have_link_title_published_authors_and_summary() -> None:
    feed = parse_feed(_feed("rss2.xml"), url="https://wire.example.com/world/rss")

    assert feed.title == "Example Wire — World"
    assert feed.link == "https://wire.example.com/world/"
    assert feed.language == "en-gb"
    first, second = feed.items[:2]
    assert first.link == "https://wire.example.com/world/2025/03/04/grain-talks"
    assert first.title == "Talks on grain corridor resume in Istanbul"
    assert first.published == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert first.authors == ["Jane Doe"]
    assert first.summary == "Delegations met for the first time since <b>January</b>."
    assert first.guid == "wire-2025-0304-0001"
    assert second.published == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    assert second.authors == ["Economy Desk"]
    assert second.summary == "The board left the key rate unchanged."


def test_published_times_are_utc_aware() -> None:
    for name in ("rss2.xml", "atom.xml", "rdf.xml", "rss_windows1251.xml"):
        for item in parse_feed(_feed(name)).items:
            if item.published is not None:
                assert item.published.tzinfo is not None
                assert item.published.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_rss2_content_encoded_is_kept_as_content_html() -> None:
    item = parse_feed(_feed("rss2.xml")).items[0]

    assert item.content_html == (
        "<p>Delegations met for the first time since January.</p>"
        "<h2>What is on the table</h2><p>Insurance and port access.</p>"
    )


def test_rss2_image_comes_from_media_content_or_an_image_enclosure() -> None:
    items = parse_feed(_feed("rss2.xml")).items

    assert items[0].image_url == "https://cdn.wire.example.com/img/grain.jpg"
    assert items[1].image_url == "https://cdn.wire.example.com/img/bank.png"
    assert items[2].image_url == ""


def test_item_without_a_link_keeps_an_empty_link_for_the_caller_to_record() -> None:
    item = parse_feed(_feed("rss2.xml")).items[2]

    assert item.title == "Undated live blog entry without a link"
    assert item.link == ""


def test_item_without_a_date_has_published_none() -> None:
    rss_items = parse_feed(_feed("rss2.xml")).items
    rdf_items = parse_feed(_feed("rdf.xml")).items

    assert rss_items[2].published is None
    assert rdf_items[1].published is None


def test_atom_entries_parse_with_all_authors_and_html_content() -> None:
    feed = parse_feed(_feed("atom.xml"), url="https://news.example.ru/atom.xml")

    assert feed.title == "Пример Новости"
    assert feed.link == "https://news.example.ru/"
    assert feed.language == "ru"
    entry = feed.items[0]
    assert entry.link == "https://news.example.ru/2025/03/04/plan"
    assert entry.title == "Правительство утвердило план на 2025 год"
    assert entry.published == datetime(2025, 3, 4, 6, 45, tzinfo=UTC)
    assert entry.authors == ["Иван Петров", "Мария Сидорова"]
    assert entry.summary == "Кабинет министров утвердил план мероприятий."
    assert entry.content_html == (
        "<p>Кабинет министров утвердил план мероприятий.</p><p>Документ опубликован.</p>"
    )
    assert entry.guid == "tag:news.example.ru,2025:plan"


def test_atom_entry_with_only_updated_uses_it_as_published() -> None:
    entry = parse_feed(_feed("atom.xml")).items[1]

    assert entry.published == datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    assert entry.authors == []
    assert entry.content_html == ""


def test_rss1_rdf_items_parse_with_dc_date_and_creator() -> None:
    feed = parse_feed(_feed("rdf.xml"))

    assert feed.title == "Regional Bulletin"
    assert feed.language == "en"
    assert [item.link for item in feed.items] == [
        "https://regional.example.org/2025/03/bridge",
        "https://regional.example.org/2025/03/library",
    ]
    bridge = feed.items[0]
    assert bridge.title == "Bridge reopens after repairs"
    assert bridge.published == datetime(2025, 3, 2, 23, 20, tzinfo=UTC)
    assert bridge.authors == ["Sam Lee"]
    assert bridge.summary == "The river crossing is open to traffic again."


def test_relative_item_links_resolve_against_the_feed_url() -> None:
    feed = parse_feed(
        _rss("<item><title>A</title><link>/news/a</link></item>"),
        url="https://example.com/rss/all.xml",
    )

    assert feed.items[0].link == "https://example.com/news/a"


def test_file_item_links_keep_their_empty_host() -> None:
    feed = parse_feed(_rss("<item><title>A</title><link>file:///srv/feeds/a.html</link></item>"))

    assert feed.items[0].link == "file:///srv/feeds/a.html"


# --- encodings ----------------------------------------------------------------------------


def test_windows_1251_declared_in_the_prolog_decodes_russian_titles() -> None:
    feed = parse_feed(_feed("rss_windows1251.xml"), url="https://gorod.example.ru/rss")

    assert feed.title == "Городские новости"
    assert [item.title for item in feed.items] == [
        "В Москве открылся парк «Зарядье» после реконструкции",
        "Жители выбрали название для новой станции метро",
    ]
    assert feed.items[0].summary.startswith("Ёлки, берёзы и новая набережная")
    assert feed.items[0].link == "https://gorod.example.ru/news/2025/03/04/park"
    assert feed.items[0].published == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("prolog", ["", '<?xml version="1.0"?>\n'])
def test_utf8_feed_without_a_declared_encoding_decodes_as_utf8(prolog: str) -> None:
    # &laquo; is not an XML entity: feedparser falls back to its loose parser, which must
    # still read the bytes as UTF-8 (XML's default), not ISO-8859-1.
    content = _rss(
        "<item><title>Цена &laquo;нефти&raquo; выросла</title>"
        "<link>https://example.com/oil</link></item>",
        prolog=prolog,
    )

    feed = parse_feed(content, url="https://example.com/rss")

    assert feed.items[0].title == "Цена «нефти» выросла"


def test_utf8_bom_is_honoured() -> None:
    content = b"\xef\xbb\xbf" + _rss(
        "<item><title>Новости</title><link>https://e.com/</link></item>"
    )

    assert parse_feed(content).items[0].title == "Новости"


# --- titles and links from untrusted feeds ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("AT&amp;T profit rises", "AT&T profit rises"),
        ("Q&amp;A: &lt;em&gt;Dune&lt;/em&gt; returns", "Q&A: Dune returns"),
        ("<![CDATA[Tom & Jerry <b>return</b>]]>", "Tom & Jerry return"),
        ("5 &lt; 6 &gt; 2", "5 < 6 > 2"),
        ("  Spaced\n   out  ", "Spaced out"),
    ],
)
def test_titles_are_plain_text(raw: str, plain: str) -> None:
    feed = parse_feed(_rss(f"<item><title>{raw}</title><link>https://e.com/</link></item>"))

    assert feed.items[0].title == plain


def test_title_with_control_characters_is_cleaned_not_an_error() -> None:
    content = _rss(
        "<item><title>\x01Breaking &lt;b&gt;news&lt;/b&gt;\x0c</title>"
        "<link>https://e.com/</link></item>",
        prolog="",
    )

    assert parse_feed(content).items[0].title == "Breaking news"


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "http://[bad/x"],
)
def test_links_that_are_not_web_or_file_urls_are_dropped(link: str) -> None:
    content = _rss(f"<item><title>T</title><link><![CDATA[{link}]]></link></item>")

    assert parse_feed(content, url="https://example.com/rss").items[0].link == ""


# --- fingerprint --------------------------------------------------------------------------


def test_fingerprint_is_stable_for_the_same_item() -> None:
    first = parse_feed(_feed("rss2.xml")).items[0]
    again = parse_feed(_feed("rss2.xml")).items[0]

    assert first.fingerprint() == again.fingerprint()
    assert len(first.fingerprint()) == 64


def test_fingerprint_changes_when_the_title_changes() -> None:
    item = parse_feed(_feed("rss2.xml")).items[0]

    edited = replace(item, title=item.title + " (updated)")

    assert edited.fingerprint() != item.fingerprint()


@pytest.mark.parametrize(
    "change",
    [
        {"summary": "Rewritten summary."},
        {"content_html": "<p>Rewritten.</p>"},
        {"published": datetime(2025, 3, 5, tzinfo=UTC)},
    ],
)
def test_fingerprint_changes_when_the_text_or_date_changes(change: dict[str, object]) -> None:
    item = parse_feed(_feed("rss2.xml")).items[0]

    assert replace(item, **change).fingerprint() != item.fingerprint()  # type: ignore[arg-type]


def test_fingerprint_ignores_fields_that_are_not_the_items_text() -> None:
    item = FeedItem(link="https://e.com/a", title="T", summary="S")

    moved = replace(item, link="https://e.com/b", guid="g", image_url="https://e.com/i.jpg")

    assert moved.fingerprint() == item.fingerprint()


# --- RSS 0.91, 0.92 and Yandex full text ------------------------------------------------


def test_rss091_with_the_netscape_doctype_parses(http_server: LoopbackServer) -> None:
    # The DOCTYPE names an external DTD; pointing it at a live server shows it is never fetched.
    dtd_url = http_server.add("/rss-0.91.dtd", '<!ENTITY eacute "&#233;">')
    content = _feed("rss091.xml").replace(
        b"http://my.netscape.com/publish/formats/rss-0.91.dtd", dtd_url.encode()
    )

    feed = parse_feed(content, url="https://gazette.example.org/rss091.xml")

    assert feed.format == "rss091n"
    assert feed.title == "Harbour Gazette"
    assert feed.language == "en-us"
    assert [item.title for item in feed.items] == [
        "Ferry timetable changes from Monday",
        "Café owners protest parking fees",
    ]
    assert feed.items[0].link == "https://gazette.example.org/news/ferry-timetable-changes.html"
    assert feed.items[0].published is None
    assert http_server.requests == []


def test_rss092_item_with_only_a_description_keeps_empty_title_and_link() -> None:
    feed = parse_feed(_feed("rss092.xml"), url="https://radio.example.net/bulletins/rss")

    assert feed.format == "rss092"
    assert len(feed.items) == 3
    bulletin = feed.items[1]
    assert (bulletin.title, bulletin.link, bulletin.published) == ("", "", None)
    assert bulletin.summary.startswith("Bulletin at 8 am")
    assert feed.items[0].summary == "<p>Seven schools in the upper valley are closed today.</p>"
    assert feed.items[2].link == "https://radio.example.net/bulletins/2025/03/04/bus-depot"


def test_every_xml_format_is_named() -> None:
    formats = {
        name: parse_feed(_feed(name)).format
        for name in ("rss091.xml", "rss092.xml", "rss2.xml", "rdf.xml", "atom.xml")
    }

    assert formats == {
        "rss091.xml": "rss091n",
        "rss092.xml": "rss092",
        "rss2.xml": "rss20",
        "rdf.xml": "rss10",
        "atom.xml": "atom10",
    }


def test_yandex_full_text_becomes_content_paragraphs() -> None:
    feed = parse_feed(_feed("rss2_yandex_ru.xml"))

    first, second = feed.items
    assert first.title == "Утверждена программа восстановления лесов на 2025–2030 годы"
    assert first.published == datetime(2025, 3, 4, 12, 30, tzinfo=UTC)
    assert first.image_url == "https://minprirody.example.ru/upload/iblock/7a1/forest.jpg"
    assert first.content_html == (
        "<p>Программа предусматривает посадку леса на площади 1,5 млн гектаров.</p>"
        "<p>Финансирование составит 48 млрд рублей; средства распределят между 62 регионами.</p>"
        "<p>«Мы впервые закладываем в программу уход за молодыми посадками», — отметил министр.</p>"
    )
    assert second.content_html == ""


def test_atom_updated_time_is_kept_apart_from_published() -> None:
    first, second = parse_feed(_feed("atom.xml")).items

    assert first.published == datetime(2025, 3, 4, 6, 45, tzinfo=UTC)
    assert first.updated == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    assert second.updated == datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    assert parse_feed(_feed("rss2.xml")).items[0].updated is None


# --- JSON Feed ----------------------------------------------------------------------------


def test_json_feed_1_1_maps_every_field() -> None:
    feed = parse_feed(_feed("jsonfeed11_ru.json"), url="https://vecher.example.ru/feed.json")

    assert feed.format == "json11"
    assert feed.title == "Городская газета «Вечерний Тверск»"
    assert feed.link == "https://vecher.example.ru/"
    assert feed.language == "ru"
    tram = feed.items[0]
    assert tram.guid == "https://vecher.example.ru/2025/03/04/tram"
    assert tram.link == "https://vecher.example.ru/2025/03/04/tram"
    assert tram.title == "Трамвайная линия на Заречье откроется к лету"
    assert tram.summary == "Работы выполнены на 80% — «Горэлектротранс»."
    assert tram.published == datetime(2025, 3, 4, 6, 15, tzinfo=UTC)
    assert tram.updated == datetime(2025, 3, 4, 9, 40, tzinfo=UTC)
    assert tram.authors == ["Ольга Кравец", "Дмитрий Зуев"]
    assert tram.image_url == "https://vecher.example.ru/media/tram-cover.jpg"


def test_json_feed_html_is_sanitized_and_its_links_made_absolute() -> None:
    tram = parse_feed(_feed("jsonfeed11_ru.json")).items[0]

    assert tram.content_html == (
        "<p>Работы выполнены на 80%.</p>"
        '<p>Новые вагоны уже <a href="https://vecher.example.ru/2025/02/10/vagony">прибыли</a>'
        " в депо.</p>"
        '<img src="https://vecher.example.ru/media/tram.jpg" alt="Трамвай">'
    )
    assert "script" not in tram.content_html
    assert "onclick" not in tram.content_html


def test_json_feed_content_text_becomes_escaped_paragraphs() -> None:
    bridge = parse_feed(_feed("jsonfeed11_ru.json")).items[1]

    assert bridge.content_html == (
        "<p>Движение ограничат с 10 марта.</p><p>Объезд — по улице Советской &amp; набережной.</p>"
    )
    assert bridge.title == "Мост через Тьмаку закроют на ремонт"
    assert bridge.guid == "40117"  # a numeric id, spelled out
    assert bridge.published == datetime(2025, 3, 3, 18, 0, tzinfo=UTC)


def test_json_feed_item_without_link_title_or_date_is_kept_with_empty_fields() -> None:
    note = parse_feed(_feed("jsonfeed11_ru.json")).items[2]

    assert (note.link, note.title, note.published) == ("", "", None)
    assert note.guid == "note-2025-03-03"
    # Items without their own authors take the feed's.
    assert note.authors == ["Редакция «Вечернего Тверска»"]


def test_json_feed_1_0_uses_external_url_banner_image_and_author_object() -> None:
    feed = parse_feed(_feed("jsonfeed10.json"))

    assert feed.format == "json10"
    library, budget = feed.items
    assert library.link == "https://news.example.edu/library-extends-hours"
    assert library.image_url == "https://lantern.example.edu/img/library.jpg"
    assert library.authors == ["Priya Raman"]
    assert library.published == datetime(2025, 3, 5, 12, 30, tzinfo=UTC)
    assert budget.authors == ["The Lantern staff"]
    # Only a modification date: it stands in for the publication date, as in Atom.
    assert budget.published == budget.updated == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)
    assert budget.summary == "Spending on clubs rises by 12% &amp; sports by 4%."


def _json_feed(items: object, **extra: object) -> bytes:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": items}
    return json.dumps({**document, **extra}).encode()


def test_json_feed_relative_and_script_links_resolve_or_drop() -> None:
    content = _json_feed(
        [
            {"id": "1", "url": "/news/1", "title": "Relative"},
            {"id": "2", "url": "javascript:alert(1)", "title": "Script"},
            {"id": "3", "url": "https://e.com/3", "image": "data:image/png;base64,AAAA"},
        ]
    )

    items = parse_feed(content, url="https://e.com/feed.json").items

    assert [item.link for item in items] == ["https://e.com/news/1", "", "https://e.com/3"]
    assert items[2].image_url == ""


def test_json_feed_fields_of_the_wrong_type_are_treated_as_missing() -> None:
    content = _json_feed(
        [
            "not an object",
            {"id": None, "url": 42, "title": ["a"], "authors": "x", "date_published": 5},
            {"id": "ok", "date_published": "yesterday", "author": "Jane"},
        ]
    )

    items = parse_feed(content).items

    assert len(items) == 2
    assert (items[0].guid, items[0].link, items[0].title, items[0].authors) == ("", "", "", [])
    assert items[0].published is None
    assert (items[1].published, items[1].authors) == (None, [])


def test_json_feed_time_without_an_offset_is_taken_as_utc() -> None:
    content = _json_feed([{"id": "1", "date_published": "2025-03-04T09:15:00"}])

    assert parse_feed(content).items[0].published == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)


def test_empty_json_feed_has_no_items() -> None:
    feed = parse_feed(_json_feed([]))

    assert (feed.title, feed.items) == ("T", [])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "invalid JSON"),
        (b"{'version': 1}", "invalid JSON"),
        (b'["https://jsonfeed.org/version/1.1"]', "top level is not an object"),
        (b'{"title": "No version", "items": []}', '"version"'),
        (b'{"version": "1.1", "items": []}', '"version"'),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', '"items" is not a list'),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_json_that_is_not_a_json_feed_raises_feed_error(content: bytes, expected: str) -> None:
    assert expected in _one_line_feed_error(content)


# --- many items ---------------------------------------------------------------------------


def test_feed_with_thousands_of_items_returns_them_all_in_order() -> None:
    items = "".join(
        f"<item><title>Story {n}</title><link>https://e.com/{n}</link></item>" for n in range(3000)
    )

    feed = parse_feed(_rss(items))

    assert len(feed.items) == 3000
    assert feed.items[-1].link == "https://e.com/2999"


def test_json_feed_with_thousands_of_items_returns_them_all() -> None:
    content = _json_feed([{"id": str(n), "url": f"https://e.com/{n}"} for n in range(20_000)])

    assert len(parse_feed(content).items) == 20_000


# --- bad input ----------------------------------------------------------------------------


def _one_line_feed_error(content: bytes, *, url: str = "https://example.com/rss") -> str:
    with pytest.raises(FeedError) as info:
        parse_feed(content, url=url)
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("content", [b"", b"   \n\t  "])
def test_empty_bytes_raise_feed_error(content: bytes) -> None:
    assert "empty" in _one_line_feed_error(content)


def test_valid_feed_without_items_is_an_empty_feed_not_an_error() -> None:
    for content in (
        b'<rss version="2.0"><channel></channel></rss>',
        b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>',
    ):
        assert parse_feed(content).items == []


def test_html_page_raises_feed_error_saying_it_is_html() -> None:
    page = (
        b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Home</title>"
        b"</head><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav>"
        b"<p>Welcome to our site.</p></body></html>"
    )

    assert _one_line_feed_error(page) == "not a readable feed: looks like an HTML page"


def test_html_page_that_links_to_feeds_names_them_in_the_error() -> None:
    page = (FEEDS.parent / "pages" / "section_en_newsroom.html").read_bytes()

    message = _one_line_feed_error(page, url="https://www.wire.example.com/world/")

    assert message == (
        "not a readable feed: looks like an HTML page; it links to feeds: "
        "https://www.wire.example.com/world/rss, https://www.wire.example.com/atom.xml, "
        "https://www.wire.example.com/feed.json"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'<?xml version="1.0"?><urlset><url><loc>https://e.com/</loc></url></urlset>', "sitemap"),
        (b'<opml version="2.0"><body><outline xmlUrl="https://e.com/rss"/></body></opml>', "OPML"),
        (b'<?xml version="1.0"?><catalog><book>x</book></catalog>', "not RSS, Atom or RDF"),
    ],
)
def test_other_xml_raises_feed_error_saying_what_it_is(content: bytes, expected: str) -> None:
    assert expected in _one_line_feed_error(content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bytes(range(256)) * 16, "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
        (gzip.compress(_rss("<item><title>A</title></item>")), "gzip"),
    ],
)
def test_binary_content_raises_feed_error(content: bytes, expected: str) -> None:
    message = _one_line_feed_error(content)

    assert "not a readable feed" in message
    assert expected in message


def test_plain_text_raises_feed_error() -> None:
    assert "not a readable feed" in _one_line_feed_error(b"Service temporarily unavailable\n")


def test_truncated_xml_keeps_the_items_complete_before_the_cut_and_warns() -> None:
    content = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title>'
        b"<item><title>Whole</title><link>https://e.com/1</link></item>"
        b"<item><title>Half</tit"
    )

    feed = parse_feed(content)

    assert feed.title == "Cut"
    assert feed.items[0].title == "Whole"
    assert feed.items[0].link == "https://e.com/1"
    assert feed.warning.startswith("broken XML")


def test_well_formed_feed_has_no_warning() -> None:
    assert parse_feed(_feed("rss2.xml")).warning == ""


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><rss version="2.0"><chan',
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><descr',
    ],
)
def test_broken_xml_without_any_item_raises_feed_error(content: bytes) -> None:
    assert "broken XML with no items" in _one_line_feed_error(content)


def test_malformed_but_complete_feed_is_read_with_a_warning() -> None:
    # An unescaped & and an unclosed <br> in a description: common in hand-made feeds.
    content = _rss(
        "<item><title>Fish & chips</title><link>https://e.com/1</link>"
        "<description>Line<br>two</description></item>"
        "<item><title>Second</title><link>https://e.com/2</link></item>"
    )

    feed = parse_feed(content)

    assert [item.link for item in feed.items] == ["https://e.com/1", "https://e.com/2"]
    assert feed.items[0].title == "Fish & chips"
    assert feed.warning


def test_body_naming_a_local_file_is_parsed_as_text_never_opened(tmp_path: Path) -> None:
    # feedparser opens a filename it is handed; a hostile server could answer with a path.
    local = tmp_path / "other-source.xml"
    local.write_bytes(_rss("<item><title>Private</title><link>file:///x</link></item>"))

    with pytest.raises(FeedError):
        parse_feed(str(local).encode())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs &lol3;</title>
<item><title>&lol9;</title><link>https://e.com/1</link><description>&lol9;</description></item>
</channel></rss>"""


def test_billion_laughs_is_refused_before_any_parser_expands_it() -> None:
    message = _one_line_feed_error(BILLION_LAUGHS)

    assert "declares XML entities" in message
    assert "lol" not in message


def test_billion_laughs_hidden_behind_a_comment_is_refused_too() -> None:
    # feedparser strips a DOCTYPE with a regex; a tag-like comment before the entities
    # makes it hand the whole DOCTYPE to expat, which then expands what it can.
    content = BILLION_LAUGHS.replace(b"<!DOCTYPE rss [\n", b"<!DOCTYPE rss [\n<!-- <a> -->\n")

    assert "declares XML entities" in _one_line_feed_error(content)


def _xxe_variants(secret: Path, dtd_url: str) -> list[bytes]:
    uri = secret.as_uri()
    body = (
        '<rss version="2.0"><channel><title>XXE &xxe;</title>'
        "<item><title>Leak &xxe;</title><link>https://e.com/1</link>"
        "<description>Body &xxe;</description></item></channel></rss>"
    )
    prolog = '<?xml version="1.0"?>\n'
    return [
        f'{prolog}<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "{uri}"> ]>\n{body}'.encode(),
        f'{prolog}<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{uri}">\n]>\n{body}'.encode(),
        f'<!DOCTYPE rss [\n<!-- <a> -->\n<!ENTITY xxe SYSTEM "{uri}">\n]>\n{body}'.encode(),
        f'<!DOCTYPE rss [\n<!ENTITY % remote SYSTEM "{dtd_url}">\n%remote;\n]>\n{body}'.encode(),
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{uri}">]>{body}'.encode("utf-16"),
    ]


def test_external_entities_are_refused_and_never_read(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    dtd_url = http_server.add("/evil.dtd", f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">')

    for content in _xxe_variants(secret, dtd_url):
        message = _one_line_feed_error(content)
        assert "declares XML entities" in message
        assert "TOP-SECRET" not in message
    assert http_server.requests == []


def test_a_doctype_without_entities_is_still_read() -> None:
    content = _rss(
        "<item><title>T</title><link>https://e.com/1</link></item>",
        prolog='<?xml version="1.0"?>\n<!DOCTYPE rss>\n',
    )

    assert parse_feed(content).items[0].link == "https://e.com/1"


def test_utf16_feed_is_read() -> None:
    content = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Лента</title>'
        "<item><title>Новости</title><link>https://e.ru/1</link></item></channel></rss>"
    ).encode("utf-16")

    assert parse_feed(content).items[0].title == "Новости"


def test_windows1251_feed_without_a_prolog_encoding_uses_the_http_charset() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Лента</title>'
        "<item><title>Переговоры в Женеве</title><link>https://e.ru/1</link></item>"
        "</channel></rss>"
    ).encode("cp1251")
    feed = parse_feed(body, url="https://e.ru/rss", charset="windows-1251")
    assert feed.title == "Лента"
    assert feed.items[0].title == "Переговоры в Женеве"
