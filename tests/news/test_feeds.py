"""RSS and Atom feeds: well-formed, complete, filtered, translated and cacheable.

No maintained feed validator is on PyPI (only a JSON Feed one), so "through a feed
validator" means here: lxml's strict XML 1.0 parser (no recovery) must read every feed,
feedparser must read it without complaint (bozo == 0), and the elements RSS 2.0 and
RFC 4287 require are checked one by one.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import lxml.etree
import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from newsdesk.news.models import Entity
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {"atom": ATOM, "dc": DC}
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Each request reaches the feed views: the site's page cache would answer repeated
    requests with the copy it kept (its own behaviour is tested with the cache)."""
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 0
    settings.CACHE_MIDDLEWARE_SECONDS = 0


def feed_url(name: str, language: str = "en", **kwargs: str) -> str:
    with translation.override(language):
        return reverse(f"feeds:{name}", kwargs=kwargs or None)


def strict_xml(content: bytes) -> lxml.etree._Element:
    """The document as a strict XML 1.0 parser reads it: any error raises."""
    parser = lxml.etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    return lxml.etree.fromstring(content, parser)


def read_feed(client, url: str):
    """Fetch a feed; check it is well-formed and that feedparser reads it cleanly."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    tree = strict_xml(response.content)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return response, tree, parsed


def mention(article, entity) -> None:
    MentionFactory.create(article=article, entity=entity, surface=entity.name_en)


# The site-wide feeds


def test_rss_feed_has_the_channel_and_item_elements_rss_requires(client):
    source = SourceFactory.create(name="Ministry Wire")
    newest = ArticleFactory.create(source=source, title="Talks resume in Geneva")
    older = ArticleFactory.create(
        source=source,
        title="Sanctions extended",
        published_at=newest.published_at - timedelta(days=1),
        lead="",
        byline="",
        authors=["Ivan Petrov", "Anna Smirnova"],
    )
    japan = EntityFactory.create(name_en="Japan", name_ru="Япония", slug="japan")
    mention(newest, japan)
    mention(newest, japan)
    mention(newest, EntityFactory.create(name_en="China", name_ru="Китай"))

    response, tree, parsed = read_feed(client, feed_url("latest-rss"))

    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert tree.tag == "rss" and tree.get("version") == "2.0"
    channel = tree.find("channel")
    assert channel.findtext("title") == "Latest news · newsdesk"
    assert channel.findtext("link") == "http://testserver/en/"
    assert channel.findtext("description").startswith("The latest news on defense")
    assert channel.findtext("language") == "en"
    self_link = channel.find("atom:link", NS)
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "http://testserver/en/feeds/rss/"

    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [newest.title, older.title]
    first, second = items
    link = f"http://testserver/en/articles/{newest.pk}/"
    assert first.findtext("link") == link
    guid = first.find("guid")
    assert guid.text == link and guid.get("isPermaLink") == "true"
    assert first.findtext("description") == newest.lead
    assert parsedate_to_datetime(first.findtext("pubDate")) == newest.published_at
    assert first.findtext("dc:creator", namespaces=NS) == "Anastasia Bobyleva talked"
    assert first.findtext("dc:language", namespaces=NS) == "en"
    # The most mentioned entity first.
    assert [c.text for c in first.findall("category")] == ["Japan", "China"]
    # No lead: the first paragraph; no byline: the authors.
    assert second.findtext("description") == older.paragraphs[0]["text"]
    assert second.findtext("dc:creator", namespaces=NS) == "Ivan Petrov, Anna Smirnova"
    assert second.findall("category") == []

    assert parsed.version == "rss20"
    assert [entry.link for entry in parsed.entries] == [
        link,
        f"http://testserver{older.get_absolute_url()}",
    ]
    assert parsed.entries[0].id == link


def test_atom_feed_has_the_feed_and_entry_elements_rfc_4287_requires(client):
    newest = ArticleFactory.create(title="Talks resume in Geneva")
    ru = ArticleFactory.create(
        title="Переговоры продолжатся",
        language="ru",
        published_at=newest.published_at - timedelta(hours=3),
        byline="",
        authors=[],
    )

    response, tree, parsed = read_feed(client, feed_url("latest-atom"))

    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert tree.tag == f"{{{ATOM}}}feed"
    assert tree.get(XML_LANG) == "en"
    assert tree.findtext("atom:title", namespaces=NS) == "Latest news · newsdesk"
    assert tree.findtext("atom:subtitle", namespaces=NS).startswith("The latest news on")
    assert tree.findtext("atom:id", namespaces=NS) == "http://testserver/en/"
    assert tree.findtext("atom:updated", namespaces=NS)
    links = {link.get("rel"): link.get("href") for link in tree.findall("atom:link", NS)}
    assert links == {
        "alternate": "http://testserver/en/",
        "self": "http://testserver/en/feeds/atom/",
    }

    entries = tree.findall("atom:entry", NS)
    assert len(entries) == 2
    for entry, article in zip(entries, [newest, ru], strict=True):
        url = f"http://testserver/en/articles/{article.pk}/"
        assert entry.findtext("atom:id", namespaces=NS) == url
        assert entry.find("atom:link", NS).get("href") == url
        assert entry.findtext("atom:title", namespaces=NS) == article.title
        assert entry.findtext("atom:updated", namespaces=NS)
        assert entry.findtext("atom:published", namespaces=NS)
        assert entry.find("atom:summary", NS).get("type") == "html"
        assert entry.get(XML_LANG) == article.language
    # Without byline or authors the source is the author: every entry has one.
    assert entries[1].findtext("atom:author/atom:name", namespaces=NS) == ru.source.name
    assert entries[0].findtext("atom:rights", namespaces=NS) == newest.rights_holder

    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == [newest.title, ru.title]
    assert parsed.entries[1].title_detail.language == "ru"


def test_feed_lists_each_story_once_and_thirty_items_at_most(client):
    now = timezone.now().replace(microsecond=0)
    articles = [
        ArticleFactory.create(title=f"Item {n}", published_at=now - timedelta(hours=n))
        for n in range(1, 34)
    ]
    story = StoryFactory.create()
    canonical = ArticleFactory.create(title="Canonical", published_at=now, story=story)
    ArticleFactory.create(title="Copy", published_at=now, story=story)
    story.canonical_article = canonical
    story.save()

    for name in ("latest-rss", "latest-atom"):
        _response, _tree, parsed = read_feed(client, feed_url(name))
        titles = [entry.title for entry in parsed.entries]
        assert titles == ["Canonical"] + [a.title for a in articles[:29]]


def test_russian_feed_speaks_russian_and_links_russian_pages(client):
    article = ArticleFactory.create()
    mention(article, EntityFactory.create(name_en="Japan", name_ru="Япония"))

    for name in ("latest-rss", "latest-atom"):
        _response, _tree, parsed = read_feed(client, feed_url(name, "ru"))
        assert parsed.feed.title == "Последние новости · newsdesk"
        assert parsed.feed.language == "ru"
        assert parsed.feed.subtitle.startswith("Последние новости обороны")
        entry = parsed.entries[0]
        assert entry.link == f"http://testserver/ru/articles/{article.pk}/"
        assert [tag.term for tag in entry.tags] == ["Япония"]


def test_empty_feeds_are_valid(client):
    for name in ("latest-rss", "latest-atom"):
        _response, _tree, parsed = read_feed(client, feed_url(name))
        assert parsed.entries == []


# Sources and entities


def test_source_feed_lists_all_and_only_that_sources_articles(client):
    source = SourceFactory.create(name="Ministry Wire", slug="ministry")
    other = SourceFactory.create()
    own = ArticleFactory.create(source=source, title="Own")
    ArticleFactory.create(source=other, title="Other")
    # A copy of another source's text is still one of this source's articles.
    story = StoryFactory.create()
    original = ArticleFactory.create(source=other, story=story, title="Original")
    copy = ArticleFactory.create(
        source=source, story=story, title="Copy", published_at=own.published_at
    )
    story.canonical_article = original
    story.save()

    _response, tree, parsed = read_feed(client, feed_url("source-rss", slug="ministry"))
    assert parsed.feed.title == "Ministry Wire · newsdesk"
    assert parsed.feed.subtitle == "The latest news from Ministry Wire."
    assert {entry.title for entry in parsed.entries} == {own.title, copy.title}
    self_link = tree.find("channel/atom:link", NS).get("href")
    assert self_link == "http://testserver/en/feeds/sources/ministry/rss/"

    _response, _tree, parsed = read_feed(client, feed_url("source-atom", slug="ministry"))
    assert {entry.title for entry in parsed.entries} == {own.title, copy.title}


def test_unknown_source_or_entity_feed_is_not_found(client):
    assert client.get(feed_url("source-rss", slug="nowhere")).status_code == 404
    assert client.get(feed_url("entity-atom", slug="nobody")).status_code == 404


def test_entity_feed_lists_the_articles_that_mention_it(client):
    japan = EntityFactory.create(name_en="Japan", name_ru="Япония", slug="japan")
    about = ArticleFactory.create(title="About Japan")
    mention(about, japan)
    ArticleFactory.create(title="About something else")

    _response, _tree, parsed = read_feed(client, feed_url("entity-rss", slug="japan"))
    assert parsed.feed.title == "Japan · newsdesk"
    assert parsed.feed.subtitle == "The latest news that mentions Japan."
    assert parsed.feed.link == "http://testserver/en/entities/japan/"
    assert [entry.title for entry in parsed.entries] == ["About Japan"]

    _response, _tree, parsed = read_feed(client, feed_url("entity-atom", "ru", slug="japan"))
    assert parsed.feed.title == "Япония · newsdesk"
    assert [entry.title for entry in parsed.entries] == ["About Japan"]


@pytest.mark.parametrize("name", ["entity-rss", "entity-atom"])
def test_merged_entity_feed_redirects_permanently_to_the_targets_feed(client, name):
    target = EntityFactory.create(slug="japan")
    EntityFactory.create(slug="nippon", merged_into=target)

    response = client.get(feed_url(name, "ru", slug="nippon"))

    assert response.status_code == 301
    assert response["Location"] == feed_url(name, "ru", slug="japan")


# Hostile text


def test_html_and_control_characters_in_an_article_keep_the_feed_well_formed(client):
    title = "</script><script>alert(1)</script> Tom & \x0bJerry\x01 <b>bold</b>\ufffe"
    lead = "Lead with <a href='javascript:alert(1)'>a link</a>\x0c & an ampersand\x1f."
    source = SourceFactory.create(name="Wire\x08 & <Co>", slug="hostile")
    entity = EntityFactory.create(name_en="Bad\x0b <Name>", slug="bad")
    article = ArticleFactory.create(
        source=source, title=title, lead=lead, byline="Ed\x01 <i>itor</i>"
    )
    mention(article, entity)
    clean_title = "</script><script>alert(1)</script> Tom & Jerry <b>bold</b>"
    clean_lead = "Lead with <a href='javascript:alert(1)'>a link</a> & an ampersand."

    for name, kwargs in [
        ("latest-rss", {}),
        ("latest-atom", {}),
        ("source-rss", {"slug": "hostile"}),
        ("source-atom", {"slug": "hostile"}),
        ("entity-rss", {"slug": "bad"}),
        ("entity-atom", {"slug": "bad"}),
    ]:
        response, tree, parsed = read_feed(client, feed_url(name, **kwargs))
        body = response.content.decode()
        assert "\x0b" not in body and "\x01" not in body and "\ufffe" not in body
        # The plain-text lead is escaped as HTML, then as XML: no markup reaches a reader.
        assert "<a href" not in body and "&lt;a href" not in body
        if name.endswith("rss"):
            item = tree.find("channel/item")
            assert item.findtext("description") == escape(clean_lead)
            # RSS readers take titles as HTML too: the title is escaped the same way.
            assert item.findtext("title") == escape(clean_title)
            assert item.findtext("dc:creator", namespaces=NS) == "Ed <i>itor</i>"
        else:
            entry = tree.find("atom:entry", NS)
            assert entry.find("atom:summary", NS).text == escape(clean_lead)
            # An Atom title is text: it is shown as it is.
            assert entry.findtext("atom:title", namespaces=NS) == clean_title
            assert parsed.entries[0].title == clean_title
        assert [tag.term for tag in parsed.entries[0].tags] == ["Bad <Name>"]


# Enclosures


def test_enclosure_only_for_a_cached_lead_image_whose_size_is_known(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cached = ArticleFactory.create(title="With cached image")
    cached.image_file.save("lead.png", ContentFile(PNG))
    remote = ArticleFactory.create(title="Image known by URL only")
    missing = ArticleFactory.create(title="Cached image gone", image_file="images/gone.png")

    _response, tree, _parsed = read_feed(client, feed_url("latest-rss"))
    enclosures = {item.findtext("title"): item.find("enclosure") for item in tree.iter("item")}
    enclosure = enclosures[cached.title]
    assert enclosure.get("url") == f"http://testserver/media/{cached.image_file.name}"
    assert enclosure.get("length") == str(len(PNG))
    assert enclosure.get("type") == "image/png"
    assert enclosures[remote.title] is None
    assert enclosures[missing.title] is None

    _response, tree, _parsed = read_feed(client, feed_url("latest-atom"))
    links = [
        link for link in tree.iterfind("atom:entry/atom:link", NS) if link.get("rel") == "enclosure"
    ]
    assert [(link.get("length"), link.get("type")) for link in links] == [
        (str(len(PNG)), "image/png")
    ]


# Conditional GET


@pytest.mark.parametrize("name", ["latest-rss", "latest-atom"])
def test_feed_answers_conditional_requests_with_304_until_it_changes(client, name):
    ArticleFactory.create()
    url = feed_url(name)

    first = client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified

    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304

    ArticleFactory.create(published_at=timezone.now() + timedelta(minutes=1))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_feed_etag_differs_between_languages(client):
    ArticleFactory.create()
    english = client.get(feed_url("latest-rss", "en"))["ETag"]
    russian = client.get(feed_url("latest-rss", "ru"))
    assert russian["ETag"] != english
    assert (
        client.get(feed_url("latest-rss", "ru"), headers={"If-None-Match": english}).status_code
        == 200
    )


# Cost


@pytest.mark.parametrize(
    ("name", "kwargs", "queries"),
    [
        ("latest-rss", {}, 2),
        ("latest-atom", {}, 2),
        ("source-rss", {"slug": "wire"}, 3),
        ("entity-atom", {"slug": "japan"}, 3),
    ],
)
def test_feed_query_count_does_not_grow_with_items(
    client, django_assert_max_num_queries, name, kwargs, queries
):
    source = SourceFactory.create(slug="wire")
    japan = EntityFactory.create(slug="japan")
    for _n in range(35):
        article = ArticleFactory.create(source=source)
        mention(article, japan)
        mention(article, EntityFactory.create())

    with django_assert_max_num_queries(queries):
        response = client.get(feed_url(name, **kwargs))
    assert len(feedparser.parse(response.content).entries) == 30


# Autodiscovery


def test_pages_announce_the_site_feeds_and_entity_pages_their_own(client):
    entity = EntityFactory.create(slug="japan", name_en="Japan")
    mention(ArticleFactory.create(), entity)

    home = lxml.html.fromstring(client.get(reverse("news:home")).content)
    feeds = {
        link.get("type"): link.get("href")
        for link in home.xpath("//head/link[@rel='alternate'][@type]")
    }
    assert feeds == {
        "application/rss+xml": "/en/feeds/rss/",
        "application/atom+xml": "/en/feeds/atom/",
    }

    page = lxml.html.fromstring(client.get(entity.get_absolute_url()).content)
    hrefs = [link.get("href") for link in page.xpath("//head/link[@rel='alternate'][@type]")]
    assert hrefs == [
        "/en/feeds/rss/",
        "/en/feeds/atom/",
        "/en/feeds/entities/japan/rss/",
        "/en/feeds/entities/japan/atom/",
    ]
    for href in hrefs:
        read_feed(client, href)
    assert Entity.objects.count() == 1
