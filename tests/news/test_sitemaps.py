"""sitemap.xml (an index of sections, each page in both languages) and the news sitemap."""

from __future__ import annotations

from datetime import datetime, timedelta

import lxml.etree
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsdesk.news import seo_views
from newsdesk.news.models import Article
from newsdesk.news.sitemaps import ArticleSitemap, LanguagePairs, sitemap_sections
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"s": SITEMAP, "xhtml": XHTML, "news": NEWS}

# The sitemap protocol's structure (sitemaps.org 0.9) as an XML Schema, written for these
# tests: urlset and sitemapindex, their children in order, elements of other namespaces
# (hreflang links, news) allowed after them.
SITEMAP_SCHEMA = f"""<?xml version="1.0"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="{SITEMAP}"
    targetNamespace="{SITEMAP}" elementFormDefault="qualified">
  <xsd:simpleType name="lastmod">
    <xsd:union memberTypes="xsd:date xsd:dateTime"/>
  </xsd:simpleType>
  <xsd:simpleType name="loc">
    <xsd:restriction base="xsd:anyURI">
      <xsd:pattern value="https?://.+"/>
      <xsd:maxLength value="2048"/>
    </xsd:restriction>
  </xsd:simpleType>
  <xsd:element name="urlset">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="url" minOccurs="0" maxOccurs="50000">
          <xsd:complexType>
            <xsd:sequence>
              <xsd:element name="loc" type="loc"/>
              <xsd:element name="lastmod" type="lastmod" minOccurs="0"/>
              <xsd:element name="changefreq" type="xsd:string" minOccurs="0"/>
              <xsd:element name="priority" type="xsd:decimal" minOccurs="0"/>
              <xsd:any namespace="##other" processContents="lax"
                  minOccurs="0" maxOccurs="unbounded"/>
            </xsd:sequence>
          </xsd:complexType>
        </xsd:element>
      </xsd:sequence>
    </xsd:complexType>
  </xsd:element>
  <xsd:element name="sitemapindex">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="sitemap" minOccurs="0" maxOccurs="50000">
          <xsd:complexType>
            <xsd:sequence>
              <xsd:element name="loc" type="loc"/>
              <xsd:element name="lastmod" type="lastmod" minOccurs="0"/>
            </xsd:sequence>
          </xsd:complexType>
        </xsd:element>
      </xsd:sequence>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
"""


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Each request reaches the sitemap views, not the site's page cache."""
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 0
    settings.CACHE_MIDDLEWARE_SECONDS = 0


def read_sitemap(client, url: str) -> lxml.etree._Element:
    """Fetch a sitemap; it must be strict XML valid against the protocol's structure."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/xml")
    parser = lxml.etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    tree = lxml.etree.fromstring(response.content, parser)
    schema = lxml.etree.XMLSchema(lxml.etree.fromstring(SITEMAP_SCHEMA.encode()))
    schema.assertValid(tree)
    return tree


def locations(tree: lxml.etree._Element) -> list[str]:
    return [loc.text for loc in tree.iterfind("s:*/s:loc", NS)]


def alternates(url: lxml.etree._Element) -> dict[str, str]:
    links = url.findall("xhtml:link", NS)
    assert all(link.get("rel") == "alternate" for link in links)
    return {link.get("hreflang"): link.get("href") for link in links}


# The index


def test_sitemap_index_lists_every_section_at_absolute_addresses(client):
    ArticleFactory.create()

    tree = read_sitemap(client, "/sitemap.xml")

    assert tree.tag == f"{{{SITEMAP}}}sitemapindex"
    expected = [f"http://testserver/sitemap-{name}.xml" for name in sitemap_sections()]
    assert locations(tree) == expected
    assert "http://testserver/sitemap-articles.xml" in expected
    assert "http://testserver/sitemap-entities.xml" in expected
    # The articles' section is dated by its newest change.
    lastmod = tree.findtext("s:sitemap/s:lastmod", namespaces=NS)
    assert datetime.fromisoformat(lastmod) == Article.objects.get().updated_at


def test_every_section_of_the_index_is_a_valid_sitemap(client):
    story = StoryFactory.create()
    article = ArticleFactory.create(story=story)
    story.canonical_article = article
    story.save()
    MentionFactory.create(article=article)

    for url in locations(read_sitemap(client, "/sitemap.xml")):
        tree = read_sitemap(client, url.removeprefix("http://testserver"))
        assert tree.tag == f"{{{SITEMAP}}}urlset"
        assert len(tree) == 2, url  # one page in two languages


# Sections


def test_article_sitemap_lists_each_article_in_both_languages_with_hreflang(client):
    first = ArticleFactory.create()
    second = ArticleFactory.create(language="ru")

    tree = read_sitemap(client, "/sitemap-articles.xml")

    urls = tree.findall("s:url", NS)
    assert [url.findtext("s:loc", namespaces=NS) for url in urls] == [
        f"http://testserver/{language}/articles/{article.pk}/"
        for article in (first, second)
        for language in ("en", "ru")
    ]
    for url, article in zip(urls, (first, first, second, second), strict=True):
        assert alternates(url) == {
            "en": f"http://testserver/en/articles/{article.pk}/",
            "ru": f"http://testserver/ru/articles/{article.pk}/",
            # The address without a language redirects to the reader's.
            "x-default": f"http://testserver/articles/{article.pk}/",
        }
        assert url.findtext("s:lastmod", namespaces=NS) == (article.updated_at.date().isoformat())


def test_entity_sitemap_leaves_merged_entities_out_and_dates_by_the_newest_article(client):
    japan = EntityFactory.create(slug="japan")
    EntityFactory.create(slug="nippon", merged_into=japan)
    MentionFactory.create(entity=japan)

    tree = read_sitemap(client, "/sitemap-entities.xml")

    assert locations(tree) == [
        "http://testserver/en/entities/japan/",
        "http://testserver/ru/entities/japan/",
    ]
    assert alternates(tree.find("s:url", NS))["ru"] == "http://testserver/ru/entities/japan/"
    assert tree.findtext("s:url/s:lastmod", namespaces=NS) == (timezone.now().date().isoformat())


def test_source_and_story_sections_follow_the_sites_pages(client):
    source = SourceFactory.create(slug="wire")
    story = StoryFactory.create()
    article = ArticleFactory.create(source=source, story=story)
    story.canonical_article = article
    story.save()
    StoryFactory.create()  # no article: no page worth listing

    sections = sitemap_sections()
    # Sources and stories have pages on this site: their sections are listed.
    assert {"articles", "entities", "sources", "stories"} <= set(sections)
    assert locations(read_sitemap(client, "/sitemap-sources.xml")) == [
        "http://testserver/en/sources/wire/",
        "http://testserver/ru/sources/wire/",
    ]
    assert locations(read_sitemap(client, "/sitemap-stories.xml")) == [
        f"http://testserver/en/stories/{story.pk}/",
        f"http://testserver/ru/stories/{story.pk}/",
    ]
    assert client.get("/sitemap-nothing.xml").status_code == 404


# Pages


def test_large_sections_are_split_into_pages_listed_by_the_index(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 4)
    articles = ArticleFactory.create_batch(5)  # 10 addresses: pages of 4, 4 and 2

    index = locations(read_sitemap(client, "/sitemap.xml"))
    pages = [url for url in index if "sitemap-articles" in url]
    assert pages == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    seen = []
    for page in pages:
        seen += locations(read_sitemap(client, page.removeprefix("http://testserver")))
    assert seen == [
        f"http://testserver/{language}/articles/{article.pk}/"
        for article in articles
        for language in ("en", "ru")
    ]
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


def test_a_sitemap_page_reads_only_its_own_rows(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 6)
    ArticleFactory.create_batch(10)

    with CaptureQueriesContext(connection) as queries:
        tree = read_sitemap(client, "/sitemap-articles.xml?p=2")

    assert len(tree) == 6
    # A count, then one page of rows (3 articles in two languages), nothing per row.
    assert len(queries) == 2
    select = queries[1]["sql"].upper()
    assert "LIMIT 3" in select and "OFFSET 3" in select


def test_language_pairs_slice_like_the_full_list():
    ArticleFactory.create_batch(4)
    queryset = Article.objects.order_by("pk")
    pairs = LanguagePairs(queryset, ["en", "ru"])
    full = [(article.pk, language) for article in queryset for language in ("en", "ru")]

    assert len(pairs) == 8
    assert [(a.pk, code) for a, code in pairs] == full
    for start in range(9):
        for stop in range(start, 10):
            assert [(a.pk, code) for a, code in pairs[start:stop]] == full[start:stop]
    assert (pairs[3][0].pk, pairs[3][1]) == full[3]
    assert (pairs[-1][0].pk, pairs[-1][1]) == full[-1]
    with pytest.raises(IndexError):
        pairs[8]


# The news sitemap


def test_news_sitemap_lists_recent_articles_with_the_news_elements(client):
    now = timezone.now().replace(microsecond=0)
    recent = ArticleFactory.create(
        title="Talks & <tensions>", published_at=now - timedelta(hours=1)
    )
    russian = ArticleFactory.create(
        title="Переговоры", language="ru", published_at=now - timedelta(hours=47)
    )
    ArticleFactory.create(title="Too old", published_at=now - timedelta(hours=49))
    ArticleFactory.create(title="Undated", published_at=None)
    ArticleFactory.create(title="From the future", published_at=now + timedelta(hours=5))
    # A copy of a story is listed once, by its canonical article.
    story = StoryFactory.create()
    canonical = ArticleFactory.create(story=story, published_at=now - timedelta(hours=2))
    ArticleFactory.create(story=story, published_at=now - timedelta(hours=2))
    story.canonical_article = canonical
    story.save()

    tree = read_sitemap(client, "/news-sitemap.xml")

    assert tree.nsmap == {None: SITEMAP, "news": NEWS}
    urls = tree.findall("s:url", NS)
    assert [url.findtext("news:news/news:title", namespaces=NS) for url in urls] == [
        recent.title,
        canonical.title,
        russian.title,
    ]
    first = urls[0]
    assert first.findtext("s:loc", namespaces=NS) == f"http://testserver/en/articles/{recent.pk}/"
    news = first.find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "newsdesk"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    published = datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
    assert published == recent.published_at
    # A Russian article is listed at its Russian page.
    last = urls[2]
    assert last.findtext("s:loc", namespaces=NS) == f"http://testserver/ru/articles/{russian.pk}/"
    assert last.findtext("news:news/news:publication/news:language", namespaces=NS) == "ru"


def test_news_sitemap_keeps_a_thousand_articles_and_skips_unknown_languages(client, monkeypatch):
    monkeypatch.setattr(seo_views, "NEWS_SITEMAP_LIMIT", 2)
    now = timezone.now()
    source = SourceFactory.create(language="")
    unknown = ArticleFactory.create(
        source=source, language="", title="Not enriched yet", published_at=now
    )
    hinted = ArticleFactory.create(
        language="", title="Source says en", published_at=now - timedelta(hours=1)
    )
    for hours in (2, 3, 4):
        ArticleFactory.create(published_at=now - timedelta(hours=hours))

    tree = read_sitemap(client, "/news-sitemap.xml")

    titles = [t.text for t in tree.iterfind("s:url/news:news/news:title", NS)]
    assert unknown.title not in titles
    assert titles == [hinted.title]  # the first two rows: one waits for its language
    language = tree.findtext("s:url/news:news/news:publication/news:language", namespaces=NS)
    assert language == hinted.source.language == "en"


def test_news_sitemap_strips_characters_xml_forbids(client):
    ArticleFactory.create(title="Bad\x0b title\x1f </news:title><x>", published_at=timezone.now())

    tree = read_sitemap(client, "/news-sitemap.xml")

    assert tree.findtext("s:url/news:news/news:title", namespaces=NS) == (
        "Bad title </news:title><x>"
    )
