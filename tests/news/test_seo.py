"""What search engines and browsers read: robots.txt, the favicon, OpenGraph, canonical links
and the article's schema.org NewsArticle JSON-LD."""

from __future__ import annotations

import json
from datetime import datetime

import lxml.etree
import lxml.html
import pytest
from django.urls import reverse
from protego import Protego

from tests.factories import ArticleFactory, EntityFactory, SourceFactory

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script><!-- \u2028 & <b>x</b>"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Each request reaches the views, not the site's page cache."""
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 0
    settings.CACHE_MIDDLEWARE_SECONDS = 0


def page(client, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def meta(tree: lxml.html.HtmlElement, prop: str) -> str | None:
    found = tree.xpath(f"//head/meta[@property='{prop}' or @name='{prop}']/@content")
    assert len(found) <= 1, prop
    return found[0] if found else None


def json_ld(tree: lxml.html.HtmlElement) -> dict:
    scripts = tree.xpath("//head/script[@type='application/ld+json']")
    assert len(scripts) == 1
    data: dict = json.loads(scripts[0].text)
    return data


# robots.txt


def test_robots_txt_allows_the_site_but_admin_and_search_and_names_both_sitemaps(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Disallow: /admin/" in text.splitlines()
    assert "Disallow: /*/search/" in text.splitlines()
    robots = Protego.parse(text)
    assert list(robots.sitemaps) == [
        "http://testserver/sitemap.xml",
        "http://testserver/news-sitemap.xml",
    ]
    base = "http://testserver"
    for path in ("/", "/en/", "/ru/articles/1/", "/en/entities/japan/", "/en/feeds/rss/"):
        assert robots.can_fetch(base + path, "Googlebot"), path
    for path in ("/admin/", "/admin/news/article/", "/en/search/?q=nato", "/ru/search/"):
        assert not robots.can_fetch(base + path, "Googlebot"), path


def test_robots_txt_sitemaps_exist(client):
    for url in Protego.parse(client.get("/robots.txt").content.decode()).sitemaps:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


# The favicon


def test_favicon_ico_redirects_permanently_to_the_svg_icon_that_exists(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/newsdesk/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    svg = lxml.etree.fromstring(b"".join(icon.streaming_content))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_pages_name_the_svg_icon(client):
    tree = page(client, reverse("news:home"))

    icons = tree.xpath("//head/link[@rel='icon']")
    assert [(i.get("href"), i.get("type")) for i in icons] == [
        ("/static/newsdesk/favicon.svg", "image/svg+xml")
    ]


# The article's JSON-LD


def test_article_page_describes_the_article_as_a_news_article(client):
    source = SourceFactory.create(name="Ministry Wire", homepage="https://wire.example.org/")
    article = ArticleFactory.create(
        source=source, language="ru", rights_holder="Ministry Wire Ltd", authors=["A. Bobyleva"]
    )
    url = f"http://testserver/en/articles/{article.pk}/"

    tree = page(client, article.get_absolute_url())
    data = json_ld(tree)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["description"] == article.lead
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert datetime.fromisoformat(data["dateModified"]) == article.updated_at.replace(
        microsecond=article.updated_at.microsecond // 1000 * 1000
    )
    assert data["author"] == [{"@type": "Person", "name": "A. Bobyleva"}]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Ministry Wire",
        "url": "https://wire.example.org/",
    }
    assert data["image"] == [article.image_url]
    assert data["inLanguage"] == "ru"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["url"] == url
    assert data["isAccessibleForFree"] is True
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["copyrightHolder"] == {"@type": "Organization", "name": "Ministry Wire Ltd"}
    assert data["isBasedOn"] == article.canonical_url
    # The canonical link and OpenGraph name the same address.
    assert tree.xpath("//head/link[@rel='canonical']/@href") == [url]
    assert meta(tree, "og:url") == url


def test_news_article_author_falls_back_to_the_byline_then_the_source(client):
    byline = ArticleFactory.create(authors=[], byline="Staff correspondent")
    nobody = ArticleFactory.create(
        authors=[], byline="", license_url="", image_url="", rights_holder=""
    )
    nobody.source.license_url = ""
    nobody.source.rights_holder = ""
    nobody.source.save()

    data = json_ld(page(client, byline.get_absolute_url()))
    assert data["author"] == [{"@type": "Person", "name": "Staff correspondent"}]

    data = json_ld(page(client, nobody.get_absolute_url()))
    assert data["author"] == [data["publisher"]]
    assert data["author"][0]["@type"] == "Organization"
    for absent in ("license", "image", "copyrightHolder"):
        assert absent not in data


def test_json_ld_cannot_be_closed_by_the_articles_text(client):
    source = SourceFactory.create(name=HOSTILE)
    article = ArticleFactory.create(source=source, title=HOSTILE, lead=HOSTILE, byline=HOSTILE)

    response = client.get(article.get_absolute_url())
    body = response.content.decode()
    tree = lxml.html.fromstring(body)

    assert "<script>alert(1)" not in body
    assert len(tree.xpath("//script")) == 1
    data = json_ld(tree)
    # The text survives whole, escaped only for the script element.
    assert data["headline"] == HOSTILE
    assert data["description"] == HOSTILE
    assert data["publisher"]["name"] == HOSTILE
    raw = tree.xpath("//script")[0].text
    assert "<" not in raw and ">" not in raw and "&" not in raw


# OpenGraph and canonical links on the other pages


def test_home_page_has_canonical_link_and_opengraph(client):
    tree = page(client, reverse("news:home"))

    assert tree.xpath("//head/link[@rel='canonical']/@href") == ["http://testserver/en/"]
    assert meta(tree, "og:type") == "website"
    assert meta(tree, "og:url") == "http://testserver/en/"
    assert meta(tree, "og:title") == "Latest news"
    assert meta(tree, "og:description") == meta(tree, "description")

    russian = page(client, "/ru/")
    assert meta(russian, "og:title") == "Последние новости"
    assert meta(russian, "og:description").startswith("Последние новости обороны")


def test_entity_page_has_canonical_link_and_opengraph(client):
    entity = EntityFactory.create(slug="japan", name_en="Japan", name_ru="Япония")

    tree = page(client, entity.get_absolute_url())

    url = "http://testserver/en/entities/japan/"
    assert tree.xpath("//head/link[@rel='canonical']/@href") == [url]
    assert meta(tree, "og:url") == url
    assert meta(tree, "og:title") == "Japan"
    assert meta(tree, "og:description") == "The latest news that mentions Japan."

    russian = page(client, "/ru/entities/japan/")
    assert meta(russian, "og:title") == "Япония"
    assert meta(russian, "og:description") == "Последние новости, в которых упоминается Япония."
