"""parse_sitemap over recorded sitemaps, indexes, news sitemaps, gzip, text and hostile bytes."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.pipeline.sitemaps import (
    MAX_BYTES,
    MAX_ENTRIES,
    ChildSitemap,
    SitemapError,
    parse_sitemap,
    w3c_datetime,
)
from tests.loopback import LoopbackServer

SITEMAPS = Path(__file__).parent / "fixtures" / "sitemaps"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _sitemap(name: str) -> bytes:
    return (SITEMAPS / name).read_bytes()


def _urlset(entries: str, *, ns: str = NS) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{entries}</urlset>'.encode()


def _one_line_error(content: bytes) -> str:
    with pytest.raises(SitemapError) as info:
        parse_sitemap(content, url="https://e.com/sitemap.xml")
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


# --- indexes and url sets -----------------------------------------------------------------


def test_sitemap_index_lists_its_child_sitemaps_with_lastmod() -> None:
    sitemap = parse_sitemap(_sitemap("index.xml"), url="https://www.wire.example.com/sitemap.xml")

    assert sitemap.kind == "index"
    assert sitemap.url == "https://www.wire.example.com/sitemap.xml"
    assert sitemap.urls == []
    assert sitemap.sitemaps == [
        ChildSitemap(
            loc="https://www.wire.example.com/sitemaps/news.xml",
            lastmod=datetime(2025, 3, 4, 10, 12, 45, tzinfo=UTC),
        ),
        ChildSitemap(
            loc="https://www.wire.example.com/sitemaps/2025-03.xml.gz",
            lastmod=datetime(2025, 3, 4, tzinfo=UTC),
        ),
        ChildSitemap(loc="https://www.wire.example.com/sitemaps/2025-02.xml.gz"),
    ]
    assert sitemap.dropped_invalid == 1  # the relative loc


def test_url_set_keeps_locs_in_order_with_utc_lastmod() -> None:
    sitemap = parse_sitemap(_sitemap("urlset.xml"), url="https://www.wire.example.com/s.xml")

    assert sitemap.kind == "urlset"
    assert [(u.loc.rsplit("/", 1)[-1], u.lastmod) for u in sitemap.urls] == [
        ("grain-talks", datetime(2025, 3, 4, 9, 15, tzinfo=UTC)),
        (
            "central-bank-holds-rate?utm_source=sitemap&ref=1",
            datetime(2025, 3, 4, 10, 0, tzinfo=UTC),
        ),
        ("port-strike-ends", datetime(2025, 3, 3, tzinfo=UTC)),
        ("museum", datetime(2025, 2, 1, tzinfo=UTC)),
        ("review", None),  # "yesterday" is no date
        ("archive-note", datetime(2024, 12, 31, 22, 0, tzinfo=UTC)),  # RFC 822, seen in the wild
    ]
    assert (sitemap.dropped_invalid, sitemap.dropped_over_limit) == (0, 0)


def test_news_sitemap_carries_title_publication_date_language_keywords_and_images() -> None:
    sitemap = parse_sitemap(_sitemap("news_ru.xml"), url="https://minprirody.example.ru/news.xml")

    first, second = sitemap.urls
    assert first.loc == "https://minprirody.example.ru/press/news/70412/"
    assert first.lastmod == datetime(2025, 3, 4, 12, 42, 10, tzinfo=UTC)
    assert first.news_title == "Утверждена программа восстановления лесов на 2025–2030 годы"
    assert first.news_published == datetime(2025, 3, 4, 12, 30, tzinfo=UTC)
    assert first.news_language == "ru"
    assert first.news_publication == "Минприроды России"
    assert first.news_keywords == ["леса", "лесовосстановление", "госпрограмма"]
    assert first.image_urls == [
        "https://minprirody.example.ru/upload/iblock/7a1/forest.jpg",
        "https://minprirody.example.ru/upload/iblock/7a1/seedlings.jpg",
    ]
    # Whitespace around a loc is not part of it; the language code is lower-cased.
    assert second.loc == "https://minprirody.example.ru/press/news/70398/"
    assert (second.news_language, second.news_keywords, second.image_urls) == ("ru", [], [])


def test_relative_non_http_and_missing_locs_are_dropped_and_counted() -> None:
    sitemap = parse_sitemap(_sitemap("news_ru.xml"), url="https://minprirody.example.ru/news.xml")

    assert len(sitemap.urls) == 2
    assert all(u.loc.startswith("https://") for u in sitemap.urls)
    assert sitemap.dropped_invalid == 4  # relative, ftp:, javascript:, no loc at all


@pytest.mark.parametrize(
    "ns",
    ["", 'xmlns="http://www.google.com/schemas/sitemap/0.84"', NS],
)
def test_sitemaps_without_or_with_the_old_namespace_are_read(ns: str) -> None:
    sitemap = parse_sitemap(_urlset("<url><loc>https://e.com/a</loc></url>", ns=ns), url="")

    assert [u.loc for u in sitemap.urls] == ["https://e.com/a"]


def test_entries_of_the_wrong_kind_are_dropped() -> None:
    content = _urlset(
        "<sitemap><loc>https://e.com/child.xml</loc></sitemap><url><loc>https://e.com/a</loc></url>"
    )

    sitemap = parse_sitemap(content, url="")

    assert [u.loc for u in sitemap.urls] == ["https://e.com/a"]
    assert (sitemap.sitemaps, sitemap.dropped_invalid) == ([], 1)


def test_empty_url_set_is_a_sitemap_without_urls() -> None:
    sitemap = parse_sitemap(_urlset(""), url="")

    assert (sitemap.kind, sitemap.urls, sitemap.sitemaps) == ("urlset", [], [])


def test_utf16_sitemap_is_read() -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        f"<urlset {NS}><url><loc>https://e.ru/новости/1</loc></url></urlset>"
    ).encode("utf-16")

    assert parse_sitemap(content, url="").urls[0].loc == "https://e.ru/новости/1"


# --- the 50,000-entry limit ---------------------------------------------------------------


def test_entries_past_the_limit_are_dropped_and_counted() -> None:
    entries = "".join(f"<url><loc>https://e.com/{n}</loc></url>" for n in range(MAX_ENTRIES + 7))

    sitemap = parse_sitemap(_urlset(entries), url="")

    assert len(sitemap.urls) == MAX_ENTRIES
    assert sitemap.urls[-1].loc == f"https://e.com/{MAX_ENTRIES - 1}"
    assert sitemap.dropped_over_limit == 7


def test_a_lower_limit_can_be_asked_for() -> None:
    children = "".join(f"<sitemap><loc>https://e.com/{n}.xml</loc></sitemap>" for n in range(5))
    content = f"<sitemapindex {NS}>{children}</sitemapindex>".encode()

    sitemap = parse_sitemap(content, url="", max_entries=2)

    assert [s.loc for s in sitemap.sitemaps] == ["https://e.com/0.xml", "https://e.com/1.xml"]
    assert sitemap.dropped_over_limit == 3


def test_text_sitemap_past_the_limit_is_cut_and_counted() -> None:
    content = "\n".join(f"https://e.com/{n}" for n in range(12)).encode()

    sitemap = parse_sitemap(content, url="", max_entries=10)

    assert (len(sitemap.urls), sitemap.dropped_over_limit) == (10, 2)


# --- gzip ---------------------------------------------------------------------------------


def test_gzip_sitemap_is_detected_by_its_magic_bytes_and_read() -> None:
    plain = parse_sitemap(_sitemap("urlset.xml"), url="https://e.com/s.xml")

    packed = parse_sitemap(gzip.compress(_sitemap("urlset.xml")), url="https://e.com/s.xml.gz")

    assert packed.urls == plain.urls


def test_gzip_text_sitemap_is_read() -> None:
    sitemap = parse_sitemap(gzip.compress(b"https://e.com/a\nhttps://e.com/b\n"), url="")

    assert [u.loc for u in sitemap.urls] == ["https://e.com/a", "https://e.com/b"]


def test_gzip_bomb_is_refused_at_the_size_cap() -> None:
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1024 * 1024)
    bomb = b"".join(packer.compress(chunk) for _ in range(MAX_BYTES // len(chunk) + 2))
    bomb += packer.flush()

    assert "beyond 50 MB" in _one_line_error(bomb)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (gzip.compress(_urlset("<url><loc>https://e.com/a</loc></url>"))[:-12], "truncated gzip"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate", "broken gzip"),
    ],
)
def test_broken_gzip_raises_sitemap_error(content: bytes, expected: str) -> None:
    assert expected in _one_line_error(content)


# --- plain text ---------------------------------------------------------------------------


def test_text_sitemap_reads_one_url_per_line() -> None:
    sitemap = parse_sitemap(_sitemap("sitemap.txt"), url="https://gorod.example.ru/sitemap.txt")

    assert sitemap.kind == "text"
    assert [u.loc for u in sitemap.urls] == [
        "https://gorod.example.ru/news/2025/03/04/park",
        "https://gorod.example.ru/news/2025/03/03/metro",
        "https://gorod.example.ru/news/2025/03/02/%D0%BC%D0%BE%D1%81%D1%82",
        "https://gorod.example.ru/news/2025/03/01/теплосеть",
    ]
    assert sitemap.dropped_invalid == 2  # a relative path and a sentence


def test_text_sitemap_with_a_bom_is_read() -> None:
    sitemap = parse_sitemap(b"\xef\xbb\xbfhttps://e.com/a\n", url="")

    assert [u.loc for u in sitemap.urls] == ["https://e.com/a"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty sitemap"),
        (b"  \n\n ", "empty sitemap"),
        (b"Service temporarily unavailable\n", "no line is an http(s) URL"),
        ("https://e.ru/новости".encode("cp1251"), "not UTF-8"),
        (bytes(range(256)) * 8, "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    ],
)
def test_text_that_is_not_a_sitemap_raises_sitemap_error(content: bytes, expected: str) -> None:
    assert expected in _one_line_error(content)


# --- XML that is not a sitemap, or is broken or hostile -----------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<!DOCTYPE html><html><body><p>Hi<br></body></html>", "looks like an HTML page"),
        (b'<rss version="2.0"><channel><title>T</title></channel></rss>', "an RSS feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "an Atom feed"),
        (b'<opml version="2.0"><body/></opml>', "OPML"),
        (b"<catalog><book/></catalog>", "root element <catalog>"),
    ],
)
def test_other_xml_raises_sitemap_error_saying_what_it_is(content: bytes, expected: str) -> None:
    message = _one_line_error(content)

    assert message.startswith("not a sitemap")
    assert expected in message


@pytest.mark.parametrize(
    "content",
    [
        _urlset("<url><loc>https://e.com/a</loc></url><url><loc>https://e.co"),
        _urlset("<url><loc>https://e.com/a</loc></url>")[:60],
        b'<?xml version="1.0"?>',
        _urlset("<url><loc>https://e.com/?a=1&b=2</loc></url>"),  # an unescaped &
        b"<urlset>" + b"<x>" * 5000 + b"</x>" * 5000 + b"</urlset>",  # too deep
    ],
)
def test_malformed_xml_raises_sitemap_error(content: bytes) -> None:
    assert "not a readable sitemap" in _one_line_error(content)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
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
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://e.com/&lol9;</loc></url>
</urlset>"""


def test_billion_laughs_is_refused_without_expanding() -> None:
    message = _one_line_error(BILLION_LAUGHS)

    assert "lollol" not in message


def test_declared_entities_are_refused_even_when_harmless() -> None:
    content = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY site "https://e.com">]>'
        + _urlset("<url><loc>&site;/a</loc></url>").split(b"?>", 1)[1]
    )

    assert "declares XML entities" in _one_line_error(content)


def test_external_entities_are_never_read(tmp_path: Path, http_server: LoopbackServer) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://TOP-SECRET-MARKER.example/")
    dtd_url = http_server.add("/evil.dtd", f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">')
    body = f"<urlset {NS}><url><loc>&xxe;</loc></url></urlset>"
    variants = [
        f'<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>{body}',
        f'<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "{dtd_url}"> %remote;]>{body}',
        f'<!DOCTYPE urlset SYSTEM "{dtd_url}">{body}',
    ]

    for content in variants:
        try:
            sitemap = parse_sitemap(content.encode(), url="")
        except SitemapError as exc:
            assert "TOP-SECRET" not in str(exc)
        else:
            assert all("TOP-SECRET" not in u.loc for u in sitemap.urls)
    assert http_server.requests == []


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-03", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-04", datetime(2025, 3, 4, tzinfo=UTC)),
        ("2025-03-04T10:00+03:00", datetime(2025, 3, 4, 7, 0, tzinfo=UTC)),
        ("2025-03-04T10:00:30.25Z", datetime(2025, 3, 4, 10, 0, 30, 250000, tzinfo=UTC)),
        ("2025-03-04T10:00:00", datetime(2025, 3, 4, 10, 0, tzinfo=UTC)),
        ("Tue, 04 Mar 2025 10:00:00 GMT", datetime(2025, 3, 4, 10, 0, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("2025-13", None),
        ("2025-02-30", None),
    ],
)
def test_w3c_datetimes_become_aware_utc(value: str, expected: datetime | None) -> None:
    assert w3c_datetime(value) == expected
