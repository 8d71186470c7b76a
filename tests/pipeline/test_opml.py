"""parse_opml over a recorded subscription list and hostile bytes; build_opml round trips."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import pytest

from newsdesk.pipeline.opml import OpmlError, OpmlOutline, build_opml, parse_opml
from tests.loopback import LoopbackServer

OPML = Path(__file__).parent / "fixtures" / "feeds" / "subscriptions.opml"


def _one_line_error(content: bytes) -> str:
    with pytest.raises(OpmlError) as info:
        parse_opml(content)
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


def _opml(body: str) -> bytes:
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{body}</body></opml>'.encode()


# --- reading ------------------------------------------------------------------------------


def test_nested_folders_are_flattened_with_the_parent_folder_as_category() -> None:
    outlines = parse_opml(OPML.read_bytes())

    assert outlines[:4] == [
        OpmlOutline(
            title="Минприроды России — Новости",
            xml_url="https://minprirody.example.ru/rss/news/",
            html_url="https://minprirody.example.ru/press/news/",
            language="ru",
            category="Министерства",
        ),
        OpmlOutline(
            title="МИД: заявления",
            xml_url="https://mid.example.ru/ru/rss/statements",
            html_url="https://mid.example.ru/ru/press_service/",
            language="ru",
            category="Министерства",
        ),
        OpmlOutline(
            title="Правительство области",
            xml_url="https://oblast.example.ru/news/rss.xml",
            language="ru",
            category="Регионы",
        ),
        OpmlOutline(
            title="Example Wire — World",
            xml_url="https://wire.example.com/world/rss",
            html_url="https://wire.example.com/world/",
            language="en",
            category="World",
        ),
    ]


def test_outline_outside_folders_takes_its_own_category_attribute() -> None:
    gazette = next(o for o in parse_opml(OPML.read_bytes()) if o.title == "Harbour Gazette")

    assert gazette.category == "Harbour"


def test_links_file_urls_and_repeated_feeds_are_left_out() -> None:
    urls = [o.xml_url for o in parse_opml(OPML.read_bytes())]

    assert urls == [
        "https://minprirody.example.ru/rss/news/",
        "https://mid.example.ru/ru/rss/statements",
        "https://oblast.example.ru/news/rss.xml",
        "https://wire.example.com/world/rss",
        "https://lantern.example.edu/feed.json",
        "https://gazette.example.org/rss091.xml",
    ]


def test_outline_without_text_is_titled_by_its_title_attribute_or_url() -> None:
    content = _opml(
        '<outline title="By title" xmlUrl="https://e.com/a"/>'
        '<outline xmlUrl="https://e.com/b" htmlUrl="javascript:alert(1)"/>'
    )

    first, second = parse_opml(content)

    assert first.title == "By title"
    assert (second.title, second.html_url) == ("https://e.com/b", "")


def test_opml_without_feeds_is_an_empty_list() -> None:
    assert parse_opml(_opml("")) == []
    assert parse_opml(_opml('<outline text="Empty folder"/>')) == []


def test_thousands_of_outlines_are_all_read() -> None:
    body = "".join(
        f'<outline text="Feed {n}" xmlUrl="https://e.com/{n}/rss"/>' for n in range(20_000)
    )

    assert len(parse_opml(_opml(body))) == 20_000


def test_folders_nested_a_hundred_deep_are_read() -> None:
    body = '<outline text="f">' * 100 + '<outline xmlUrl="https://e.com/rss"/>'
    body += "</outline>" * 100

    assert parse_opml(_opml(body))[0].category == "f"


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"<opml><body><outline", "malformed XML"),
        (OPML.read_bytes()[:300], "malformed XML"),
        (bytes(range(256)) * 4, "malformed XML"),
        (b"Just some text", "malformed XML"),
        (b'<rss version="2.0"><channel/></rss>', "root element <rss>"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "looks like an HTML page"),
        (b"<html><body><p>x<br></p></body></html>", "looks like an HTML page"),
        (b'<opml version="2.0"><head/></opml>', "no <body>"),
        (_opml('<outline text="a">' * 300 + "</outline>" * 300), "malformed XML"),
    ],
)
def test_bad_input_raises_a_one_line_opml_error(content: bytes, expected: str) -> None:
    assert expected in _one_line_error(content)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
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
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://e.com/rss"/></body></opml>"""


def test_billion_laughs_is_refused_without_expanding() -> None:
    assert "lollol" not in _one_line_error(BILLION_LAUGHS)


def test_external_entities_are_refused_and_never_read(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    dtd_url = http_server.add("/evil.dtd", f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">')
    body = (
        '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://e.com/rss"/></body></opml>'
    )
    variants = [
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>{body}',
        f'<!DOCTYPE opml [<!ENTITY % remote SYSTEM "{dtd_url}"> %remote;]>{body}',
        f'<!DOCTYPE opml SYSTEM "{dtd_url}">{body}',
    ]

    for content in variants:
        try:
            outlines = parse_opml(content.encode())
        except OpmlError as exc:
            assert "TOP-SECRET" not in str(exc)
        else:
            # An external DTD is not loaded, so its entities stay unexpanded references.
            assert outlines == [OpmlOutline(title="https://e.com/rss", xml_url="https://e.com/rss")]
    assert http_server.requests == []


# --- writing ------------------------------------------------------------------------------


def test_build_then_parse_gives_the_same_outlines() -> None:
    outlines = parse_opml(OPML.read_bytes())

    assert parse_opml(build_opml(outlines, title="Подписки")) == outlines


def test_titles_with_ampersands_quotes_and_angle_brackets_survive_the_round_trip() -> None:
    outlines = [
        OpmlOutline(
            title="AT&T \"Newsroom\" <official> & 'more'",
            xml_url="https://e.com/rss?a=1&b=2",
            html_url='https://e.com/?x="y"',
            category='Q&A "desk"',
        )
    ]

    content = build_opml(outlines, title='Tom & Jerry "feeds"')

    assert parse_opml(content) == outlines
    root = lxml.etree.fromstring(content)
    assert root.findtext("head/title") == 'Tom & Jerry "feeds"'
    assert b"AT&amp;T &quot;Newsroom&quot; &lt;official&gt;" in content


def test_built_document_is_opml_2_in_utf8_with_one_folder_per_category() -> None:
    outlines = [
        OpmlOutline(title="A", xml_url="https://e.com/a", category="World"),
        OpmlOutline(title="B", xml_url="https://e.com/b"),
        OpmlOutline(title="C", xml_url="https://e.com/c", category="World", language="ru"),
    ]

    content = build_opml(outlines, title="Sources")

    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = lxml.etree.fromstring(content)
    assert root.get("version") == "2.0"
    body = root.find("body")
    assert [o.get("text") for o in body] == ["World", "B"]
    world = body[0]
    assert [(o.get("type"), o.get("xmlUrl")) for o in world] == [
        ("rss", "https://e.com/a"),
        ("rss", "https://e.com/c"),
    ]
    assert world[1].get("language") == "ru"


def test_control_characters_in_titles_are_dropped_not_an_error() -> None:
    outlines = [OpmlOutline(title="Bad\x00 ti\x0btle", xml_url="https://e.com/rss")]

    assert parse_opml(build_opml(outlines, title="T\x01"))[0].title == "Bad title"


def test_empty_list_builds_an_opml_without_feeds() -> None:
    assert parse_opml(build_opml([], title="Nothing yet")) == []
