"""parse_feed over recorded RSS 2.0, Atom 1.0, RSS 1.0 (RDF) feeds and hostile bytes."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.pipeline.feeds import FeedError, FeedItem, parse_feed

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


# --- bad input ----------------------------------------------------------------------------


def _one_line_feed_error(content: bytes) -> str:
    with pytest.raises(FeedError) as info:
        parse_feed(content, url="https://example.com/rss")
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("content", [b"", b"   \n\t  "])
def test_empty_bytes_raise_feed_error(content: bytes) -> None:
    assert "empty" in _one_line_feed_error(content)


def test_html_page_raises_feed_error() -> None:
    page = (
        b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Home</title>"
        b"</head><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav>"
        b"<p>Welcome to our site.</p></body></html>"
    )

    assert "not a readable feed" in _one_line_feed_error(page)


def test_binary_garbage_raises_feed_error() -> None:
    garbage = bytes(range(256)) * 16 + b"\x89PNG\r\n\x1a\n\x00\x00"

    assert "not a readable feed" in _one_line_feed_error(garbage)


def test_plain_text_raises_feed_error() -> None:
    assert "not a readable feed" in _one_line_feed_error(b"Service temporarily unavailable\n")


def test_truncated_xml_keeps_the_items_complete_before_the_cut() -> None:
    content = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title>'
        b"<item><title>Whole</title><link>https://e.com/1</link></item>"
        b"<item><title>Half</tit"
    )

    feed = parse_feed(content)

    assert feed.title == "Cut"
    assert feed.items[0].title == "Whole"
    assert feed.items[0].link == "https://e.com/1"


def test_truncated_xml_before_any_title_raises_feed_error() -> None:
    _one_line_feed_error(b'<?xml version="1.0"?><rss version="2.0"><chan')


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


def test_billion_laughs_never_expands() -> None:
    started = time.monotonic()
    try:
        feed = parse_feed(BILLION_LAUGHS)
    except FeedError:
        feed = None
    elapsed = time.monotonic() - started

    assert elapsed < 5.0
    if feed is not None:
        seen = [feed.title] + [f"{i.title} {i.summary} {i.content_html}" for i in feed.items]
        assert all("lollollol" not in text for text in seen)
        assert all(len(text) < 1000 for text in seen)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>XXE &xxe;</title>
<item><title>Leak &xxe;</title><link>https://e.com/1</link>
<description>Body &xxe;</description></item>
</channel></rss>"""


def test_external_entity_is_never_resolved() -> None:
    started = time.monotonic()
    try:
        feed = parse_feed(XXE)
    except FeedError:
        feed = None

    assert time.monotonic() - started < 5.0
    if feed is not None:
        seen = " ".join(
            [feed.title] + [f"{i.title} {i.summary} {i.content_html}" for i in feed.items]
        )
        assert "root:" not in seen
        assert "/bin/" not in seen


def test_windows1251_feed_without_a_prolog_encoding_uses_the_http_charset() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Лента</title>'
        "<item><title>Переговоры в Женеве</title><link>https://e.ru/1</link></item>"
        "</channel></rss>"
    ).encode("cp1251")
    feed = parse_feed(body, url="https://e.ru/rss", charset="windows-1251")
    assert feed.title == "Лента"
    assert feed.items[0].title == "Переговоры в Женеве"
