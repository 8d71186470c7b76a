"""Charset sniffing and decoding on real Russian and English texts, labelled and not."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from newsdesk.pipeline.encoding import decode_text, russian_score, sniff_charset

FIXTURES = Path(__file__).parent / "fixtures" / "encoding"

# Each fixture's true encoding, and the kind of document it is.
UNLABELLED = {
    "news-windows-1251.html": ("windows-1251", "html"),
    "news-koi8-r.html": ("koi8-r", "html"),
    "feed-windows-1251.xml": ("windows-1251", "xml"),
    "feed-koi8-r.xml": ("koi8-r", "xml"),
    "article-windows-1251.txt": ("windows-1251", "html"),
    "article-koi8-r.txt": ("koi8-r", "html"),
    "short-windows-1251.txt": ("windows-1251", "html"),
    "short-koi8-r.txt": ("koi8-r", "html"),
    "short-mac-cyrillic.txt": ("mac-cyrillic", "html"),
    "title-windows-1251.txt": ("windows-1251", "xml"),
    "title-koi8-r.txt": ("koi8-r", "xml"),
    "news-utf-8.html": ("utf-8", "html"),
}

ENGLISH = (
    "President Vladimir Putin held a telephone conversation with the Prime Minister. "
    "The leaders discussed the situation in the region and bilateral cooperation."
)


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("name", "truth"), [(n, t) for n, t in UNLABELLED.items()])
def test_unlabelled_russian_text_is_decoded_right(name: str, truth: tuple[str, str]) -> None:
    encoding, kind = truth
    content = _fixture(name)

    text, charset = decode_text(content, declared=None, kind=kind)

    assert codecs.lookup(charset).name == codecs.lookup(encoding).name
    assert text == content.decode(encoding)
    assert russian_score(text) > 0.5


def test_fixtures_are_realistic_sizes() -> None:
    sizes = [len(_fixture(name)) for name in UNLABELLED]

    assert min(sizes) < 200
    assert max(sizes) > 1000
    assert all(size <= 2000 for size in sizes)


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r", "mac-cyrillic", "iso-8859-5"])
@pytest.mark.parametrize(
    "text",
    [
        "Новости",
        "Президент России: новости",
        "Встреча со спецпосланником Президента США",
        "Глава государства провёл встречу. Тема встречи - аспекты урегулирования.",
    ],
)
def test_very_short_unlabelled_russian_is_decoded_right(encoding: str, text: str) -> None:
    content = text.encode(encoding)

    assert decode_text(content, declared=None, kind="xml")[0] == text


def test_the_http_charset_is_used_when_the_bytes_fit_it() -> None:
    content = _fixture("news-windows-1251.html")

    assert sniff_charset(content, declared="windows-1251", kind="html") == "windows-1251"
    assert sniff_charset(content, declared="CP1251", kind="html") == "windows-1251"


def test_a_page_labelled_utf8_that_is_windows_1251_is_detected() -> None:
    content = _fixture("news-windows-1251.html")

    text, charset = decode_text(content, declared="utf-8", kind="html")

    assert charset == "windows-1251"
    assert "Телефонный разговор" in text


def test_a_page_labelled_windows_1251_that_is_utf8_is_detected() -> None:
    content = _fixture("news-utf-8.html")

    text, charset = decode_text(content, declared="windows-1251", kind="html")

    assert charset == "utf-8"
    assert "Телефонный разговор" in text


@pytest.mark.parametrize("label", ["koi8-r", "iso-8859-1", "windows-1252"])
def test_a_legacy_label_on_windows_1251_russian_is_overruled(label: str) -> None:
    content = _fixture("article-windows-1251.txt")

    assert sniff_charset(content, declared=label, kind="html") == "windows-1251"


def test_a_right_koi8_r_label_is_kept() -> None:
    content = _fixture("short-koi8-r.txt")

    assert sniff_charset(content, declared="koi8-r", kind="html") == "koi8-r"


def test_a_latin1_label_on_french_text_is_kept() -> None:
    content = "Le président a tenu une réunion à Paris avec les élus.".encode("latin-1")

    assert sniff_charset(content, declared="iso-8859-1", kind="html") == "iso-8859-1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("news-meta-windows-1251.html", "windows-1251"),
        ("news-meta-charset-koi8-r.html", "koi8-r"),
        ("feed-declared-windows-1251.xml", "windows-1251"),
    ],
)
def test_the_documents_declaration_names_the_charset(name: str, expected: str) -> None:
    kind = "xml" if name.endswith(".xml") else "html"

    assert sniff_charset(_fixture(name), declared=None, kind=kind) == expected


def test_a_meta_charset_that_the_bytes_contradict_is_ignored() -> None:
    page = '<html><head><meta charset="utf-8"><title>Новости</title></head>'
    content = (page + "<p>Состоялся телефонный разговор Президента.</p></html>").encode("cp1251")

    assert sniff_charset(content, declared=None, kind="html") == "windows-1251"


def test_meta_charset_is_not_read_from_xml() -> None:
    # In a feed, <meta> is just an element; only the prolog declares.
    content = '<rss><meta charset="koi8-r"/><title>Новости</title></rss>'.encode()

    assert sniff_charset(content, declared=None, kind="xml") == "utf-8"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_a_byte_order_mark_beats_every_label(bom: bytes, encoding: str) -> None:
    content = bom + "<p>Новости</p>".encode(encoding)

    text, charset = decode_text(content, declared="windows-1251", kind="html")

    assert charset == encoding
    assert text.lstrip("\ufeff") == "<p>Новости</p>"


def test_utf8_bom_is_not_left_in_the_text() -> None:
    text, _ = decode_text(codecs.BOM_UTF8 + "Новости".encode(), declared=None, kind="xml")

    assert text == "Новости"


@pytest.mark.parametrize("declared", [None, "utf-8", "iso-8859-1", "windows-1251"])
def test_plain_ascii_english_is_left_alone(declared: str | None) -> None:
    content = ENGLISH.encode("ascii")

    text, charset = decode_text(content, declared=declared, kind="html")

    assert text == ENGLISH
    assert charset in {"utf-8", "iso-8859-1", "windows-1251"}


def test_unlabelled_utf8_russian_and_english_is_utf8() -> None:
    content = ("Новости. " + ENGLISH + " Café — «цитата».").encode()

    assert decode_text(content, declared=None, kind="html") == (content.decode(), "utf-8")


def test_unlabelled_western_text_is_windows_1252() -> None:
    content = (ENGLISH + " The café served naïve résumé writers.").encode("cp1252")

    text, charset = decode_text(content, declared=None, kind="html")

    assert charset == "windows-1252"
    assert text.endswith("naïve résumé writers.")


def test_utf8_cut_in_the_middle_of_a_letter_is_still_utf8() -> None:
    content = "Состоялся телефонный разговор".encode()[:-1]

    text, charset = decode_text(content, declared=None, kind="html")

    assert charset == "utf-8"
    assert text.startswith("Состоялся телефонный разгово")


@pytest.mark.parametrize("declared", ["x-no-such-charset", "", "utf-8; evil", "\x00"])
def test_an_unknown_label_is_ignored(declared: str) -> None:
    content = _fixture("short-koi8-r.txt")

    assert sniff_charset(content, declared=declared, kind="html") == "koi8-r"


def test_a_utf16_label_without_a_bom_is_read_as_utf8() -> None:
    content = "<p>Новости</p>".encode()

    assert sniff_charset(content, declared="utf-16", kind="html") == "utf-8"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 100,
        bytes(range(256)) * 8,
        b"<?xml version='1.0' encoding='",
        b'<meta charset="',
        b"\xff\xfe",
    ],
)
def test_hostile_or_truncated_bytes_decode_without_raising(content: bytes) -> None:
    text, charset = decode_text(content, declared=None, kind="html")

    assert isinstance(text, str)
    assert codecs.lookup(charset)


def test_a_large_unlabelled_page_is_decoded() -> None:
    content = _fixture("article-koi8-r.txt") * 600  # about 1 MB

    text, charset = decode_text(content, declared=None, kind="html")

    assert charset == "koi8-r"
    assert text == content.decode("koi8_r")
    assert text.count("экспертных групп России") >= 600


def test_russian_score_tells_text_from_mojibake() -> None:
    text = _fixture("article-windows-1251.txt").decode("cp1251")
    mojibake = _fixture("article-windows-1251.txt").decode("koi8_r")

    assert russian_score(text) > 0.5
    assert russian_score(mojibake) < 0.1
    assert russian_score(ENGLISH) == 0
