"""RSS 2.0 and Atom 1.0 feeds of the latest news: the whole site, one source, one entity."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, cast

from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import condition

from newsdesk.news.models import Article, Entity, Mention
from newsdesk.news.selectors import article_queryset_latest, entity_articles, entity_get
from newsdesk.news.templatetags.news_tags import entity_name
from newsdesk.sources.models import Source

FEED_ITEMS = 30
SITE_NAME = "newsdesk"
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"

# XML 1.0 allows tab, LF and CR among the C0 controls, and neither U+FFFE, U+FFFF nor
# unpaired surrogates: one of them in a title makes the whole document unreadable.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """The text without the characters XML 1.0 forbids."""
    return _XML_FORBIDDEN.sub("", value)


def article_summary(article: Article) -> str:
    """The article's lead, else its first paragraph, as plain text ("" when it has neither)."""
    if article.lead.strip():
        return article.lead.strip()
    for paragraph in article.paragraphs:
        text = str(paragraph.get("text", "")).strip()
        if text:
            return text
    return ""


class RssFeed(feedgenerator.Rss201rev2Feed):
    """RSS 2.0 that names each item's language (dc:language): a feed mixes languages."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:dc": DUBLIN_CORE}

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("language"):
            handler.addQuickElement("dc:language", item["language"])


class AtomFeed(feedgenerator.Atom1Feed):
    """Atom 1.0 whose entries carry their own language (xml:lang)."""

    def item_attributes(self, item: dict[str, Any]) -> dict[Any, Any]:
        attributes = super().item_attributes(item)
        if item.get("language"):
            attributes["xml:lang"] = item["language"]
        return attributes


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One article as a feed shows it, with what needs more than the article row."""

    article: Article
    categories: list[str]
    enclosure: feedgenerator.Enclosure | None


@dataclass(frozen=True, slots=True)
class FeedPage:
    """What one feed shows: its subject (None for the whole site) and its newest entries."""

    subject: Source | Entity | None
    entries: list[FeedEntry]

    def last_modified(self) -> datetime | None:
        """When the newest of the entries last changed (stored or enriched)."""
        times = [
            moment
            for entry in self.entries
            for moment in (entry.article.updated_at, entry.article.enriched_at)
            if moment is not None
        ]
        return max(times, default=None)

    def etag(self) -> str:
        """Changes whenever an entry is added, dropped, changed or enriched, or the subject
        is renamed, in this language."""
        digest = hashlib.sha256()
        digest.update(f"{get_language()}|{self.subject!s}|".encode())
        for entry in self.entries:
            article = entry.article
            digest.update(f"{article.pk}:{article.updated_at}:{article.enriched_at};".encode())
        return digest.hexdigest()[:32]


def _entry_categories(articles: list[Article]) -> dict[int, list[str]]:
    """The names of the entities each article's original text mentions, the most mentioned
    first (one query for all the articles)."""
    languages = {article.pk: article.language for article in articles}
    counts: dict[int, Counter[int]] = {pk: Counter() for pk in languages}
    entities: dict[int, Entity] = {}
    mentions = (
        Mention.objects.filter(article_id__in=languages, language=F("article__language"))
        .select_related("entity")
        .only("article_id", "entity__kind", "entity__name_en", "entity__name_ru", "entity__slug")
    )
    for mention in mentions:
        counts[mention.article_id][mention.entity_id] += 1
        entities[mention.entity_id] = mention.entity
    names: dict[int, list[str]] = {}
    for pk, counter in counts.items():
        ranked = sorted(counter, key=lambda e: (-counter[e], entities[e].kind, str(entities[e])))
        names[pk] = [name for e in ranked if (name := xml_text(entity_name(entities[e])))]
    return names


def _enclosure(article: Article, request: HttpRequest) -> feedgenerator.Enclosure | None:
    """The cached lead image as an enclosure; None when its size or type is unknown (an
    enclosure must state its length, and an image only known by its URL has none)."""
    if not article.image_file:
        return None
    mime_type, _encoding = mimetypes.guess_type(article.image_file.name)
    try:
        length = article.image_file.size
    except (OSError, ValueError):
        return None
    if not mime_type or not length:
        return None
    url = request.build_absolute_uri(article.image_file.url)
    return feedgenerator.Enclosure(url=url, length=str(length), mime_type=mime_type)


class ArticleFeed(Feed[FeedEntry, FeedPage]):
    """The latest articles of the whole site as RSS 2.0, each story once.

    Subclasses pick the subject and its articles (get_subject, articles) and their words.
    Answers conditional requests (If-None-Match, If-Modified-Since) with 304.
    """

    feed_type: type[RssFeed | AtomFeed] = RssFeed
    url_name: ClassVar[str] = "feeds:latest-rss"
    # RSS readers take titles as HTML, Atom text constructs as text.
    title_is_html: ClassVar[bool] = True
    item_guid_is_permalink = True

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            subject = self.get_subject(**kwargs)
        except ObjectDoesNotExist:
            raise Http404("No such feed") from None
        if (moved_to := self.moved_to(subject)) is not None:
            return HttpResponsePermanentRedirect(moved_to)
        articles = list(self.articles(subject)[:FEED_ITEMS])
        categories = _entry_categories(articles)
        page = FeedPage(
            subject=subject,
            entries=[
                FeedEntry(
                    article=article,
                    categories=categories[article.pk],
                    enclosure=_enclosure(article, request),
                )
                for article in articles
            ],
        )

        # The page is read once; the validators and the body come from it.
        @condition(
            etag_func=lambda _r: page.etag(), last_modified_func=lambda _r: page.last_modified()
        )
        def respond(request: HttpRequest) -> HttpResponse:
            feed = cast("RssFeed | AtomFeed", self.get_feed(page, request))
            response = HttpResponse(content_type=feed.content_type)
            feed.write(response, "utf-8")
            return response

        return respond(request)

    # The subject and its articles.

    def get_subject(self, **kwargs: Any) -> Source | Entity | None:
        """What the feed is about; raises ObjectDoesNotExist when there is no such thing."""
        return None

    def moved_to(self, subject: Source | Entity | None) -> str | None:
        """The address the feed has moved to, if it has."""
        return None

    def articles(self, subject: Source | Entity | None) -> QuerySet[Article]:
        """The subject's articles, newest first, with their sources."""
        return article_queryset_latest()

    # The feed.

    def title(self, page: FeedPage) -> str:
        return xml_text(f"{_('Latest news')} · {SITE_NAME}")

    def description(self, page: FeedPage) -> str:
        return _("The latest news on defense and foreign policy, in Russian and English.")

    def link(self, page: FeedPage) -> str:
        return reverse("news:home")

    def feed_url(self, page: FeedPage) -> str:
        return reverse(self.url_name)

    def items(self, page: FeedPage) -> list[FeedEntry]:
        return page.entries

    # Its items.

    def item_title(self, entry: FeedEntry) -> str:
        title = xml_text(entry.article.title)
        return escape(title) if self.title_is_html else title

    def item_description(self, entry: FeedEntry) -> str:
        # Plain text; RSS descriptions and Atom summaries (type="html") are HTML.
        return escape(xml_text(article_summary(entry.article)))

    def item_link(self, entry: FeedEntry) -> str:
        return entry.article.get_absolute_url()

    def item_pubdate(self, entry: FeedEntry) -> datetime | None:
        return entry.article.published_at

    def item_updateddate(self, entry: FeedEntry) -> datetime:
        article = entry.article
        if article.published_at is not None and article.published_at > article.updated_at:
            return article.published_at
        return article.updated_at

    def item_author_name(self, entry: FeedEntry) -> str:
        article = entry.article
        author = article.byline.strip() or ", ".join(str(a) for a in article.authors)
        return xml_text(author or article.source.name)

    def item_categories(self, entry: FeedEntry) -> list[str]:
        return entry.categories

    def item_copyright(self, entry: FeedEntry) -> str | None:
        holder = entry.article.rights_holder or entry.article.source.rights_holder
        return xml_text(holder) or None

    def item_enclosures(self, entry: FeedEntry) -> list[feedgenerator.Enclosure]:
        return [entry.enclosure] if entry.enclosure is not None else []

    def item_extra_kwargs(self, item: FeedEntry) -> dict[str, Any]:
        return {"language": item.article.language} if item.article.language else {}


class LatestAtomFeed(ArticleFeed):
    """The latest articles of the whole site as Atom 1.0."""

    feed_type = AtomFeed
    url_name = "feeds:latest-atom"
    title_is_html = False
    subtitle = ArticleFeed.description


class SourceFeed(ArticleFeed):
    """The latest articles of one source as RSS 2.0, all of them (copies too)."""

    url_name = "feeds:source-rss"

    def get_subject(self, **kwargs: Any) -> Source:
        return Source.objects.get(slug=kwargs["slug"])

    def articles(self, subject: Source | Entity | None) -> QuerySet[Article]:
        assert isinstance(subject, Source)
        return Article.objects.select_related("source").filter(source=subject)

    def title(self, page: FeedPage) -> str:
        return xml_text(f"{page.subject} · {SITE_NAME}")

    def description(self, page: FeedPage) -> str:
        return xml_text(_("The latest news from %(source)s.") % {"source": page.subject})

    def link(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Source)
        return reverse("news:source", kwargs={"slug": page.subject.slug})

    def feed_url(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Source)
        return reverse(self.url_name, kwargs={"slug": page.subject.slug})


class SourceAtomFeed(SourceFeed):
    """The latest articles of one source as Atom 1.0."""

    feed_type = AtomFeed
    url_name = "feeds:source-atom"
    title_is_html = False
    subtitle = SourceFeed.description


class EntityFeed(ArticleFeed):
    """The latest articles that mention one entity as RSS 2.0, each story once; an entity
    merged into another one redirects to that one's feed."""

    url_name = "feeds:entity-rss"

    def get_subject(self, **kwargs: Any) -> Entity:
        return entity_get(slug=kwargs["slug"])

    def moved_to(self, subject: Source | Entity | None) -> str | None:
        assert isinstance(subject, Entity)
        if subject.merged_into is None:
            return None
        return reverse(self.url_name, kwargs={"slug": subject.merged_into.slug})

    def articles(self, subject: Source | Entity | None) -> QuerySet[Article]:
        assert isinstance(subject, Entity)
        return entity_articles(entity=subject)

    def title(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Entity)
        return xml_text(f"{entity_name(page.subject)} · {SITE_NAME}")

    def description(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Entity)
        text = _("The latest news that mentions %(name)s.") % {"name": entity_name(page.subject)}
        return xml_text(text)

    def link(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Entity)
        return page.subject.get_absolute_url()

    def feed_url(self, page: FeedPage) -> str:
        assert isinstance(page.subject, Entity)
        return reverse(self.url_name, kwargs={"slug": page.subject.slug})


class EntityAtomFeed(EntityFeed):
    """The latest articles that mention one entity as Atom 1.0."""

    feed_type = AtomFeed
    url_name = "feeds:entity-atom"
    title_is_html = False
    subtitle = EntityFeed.description
