"""canonical_url and same-site checks over good, tracking-laden and hostile URLs."""

from __future__ import annotations

import pytest

from newsdesk.pipeline.urls import URLError, canonical_url, registered_domain, same_site


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://WWW.Example.COM:443/news/1/?utm_source=rss&utm_medium=feed&id=123#comments",
            "https://www.example.com/news/1/?id=123",
        ),
        ("http://lenta.ru:80/news/2023/03/07/x/?from=rss", "http://lenta.ru/news/2023/03/07/x/"),
        (
            "https://ria.ru/20230307/a.html?fbclid=IwAR0&gclid=Cj0&yclid=77&_openstat=ZGlyZWN0",
            "https://ria.ru/20230307/a.html",
        ),
        ("https://e.com/a?page=2&utm_campaign=x&q=war", "https://e.com/a?page=2&q=war"),
        ("https://e.com:8443/a", "https://e.com:8443/a"),
        ("https://e.com/a/../b/./c", "https://e.com/b/c"),
    ],
    ids=["utm-fragment-port", "from-rss", "click-ids", "keeps-meaningful", "custom-port", "dots"],
)
def test_canonical_url_drops_trackers_fragment_and_default_port(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_canonical_url_resolves_a_relative_url_against_the_base() -> None:
    assert (
        canonical_url("/world/2025/a.html?utm_source=x", base="https://News.example.com/x/y")
        == "https://news.example.com/world/2025/a.html"
    )


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://E.com:80/a?b=1&a=2&utm_source=z#x")

    assert canonical_url(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "data:text/html,<p>x</p>",
        "ftp://e.com/file",
        "mailto:editor@e.com",
        "http://[::1",
        "http://e.com:99999/",
        "http://e.com:port/",
        "https://user:secret@e.com/",
        "http:///no-host",
        "https://e.com/\x00nul",
        "https://e.com/" + "a" * 5000,
        "/relative/without/base",
    ],
    ids=[
        "empty",
        "blank",
        "javascript",
        "data",
        "ftp",
        "mailto",
        "bad-ipv6",
        "port-range",
        "port-text",
        "credentials",
        "no-host",
        "control-char",
        "huge",
        "relative-no-base",
    ],
)
def test_canonical_url_refuses_unusable_urls_with_url_error(url: str) -> None:
    with pytest.raises(URLError):
        canonical_url(url)


def test_registered_domain_is_the_site_not_the_host() -> None:
    assert registered_domain("https://news.bbc.co.uk/a") == "bbc.co.uk"
    assert registered_domain("https://m.lenta.ru/news") == "lenta.ru"
    assert registered_domain("http://127.0.0.1:8000/a") == "127.0.0.1"
    assert registered_domain("not a url") == ""


def test_same_site_matches_subdomains_of_one_site_only() -> None:
    assert same_site("https://www.lenta.ru/a", "https://m.lenta.ru/b")
    assert not same_site("https://lenta.ru.evil.com/a", "https://lenta.ru/b")
    assert not same_site("https://evil.com/a", "https://lenta.ru/b")
    assert not same_site("", "")
