"""Reader pages: the latest articles, one article, an entity, a source and a story."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from newsdesk.news.models import Article, Entity, Story, Translation
from newsdesk.news.pagination import ArticlePaginator, IdsFirstPaginator
from newsdesk.news.selectors import (
    article_get_published,
    article_mentioned_entities,
    article_queryset_latest,
    article_related,
    article_story_copies,
    article_translations_done,
    entity_articles,
    entity_co_mentioned,
    entity_get,
    entity_names,
    entity_weekly_mentions,
    source_articles,
    source_get,
    source_publishing_rate,
    source_weekly_articles,
    story_articles,
    story_get,
)
from newsdesk.news.templatetags.news_tags import entity_name, image_src, language_label
from newsdesk.sources.models import Source

ARTICLES_PER_PAGE = 30
# Weeks shown in the per-week charts of entity and source pages.
CHART_WEEKS = 26
# Days over which a source's publishing rate is averaged.
RATE_DAYS = 30
# What a slug in a query string may look like; anything else is ignored without a query.
_SLUG = re.compile(r"[-\w]{1,200}", re.ASCII)
# ?version= for an article's original when its language is unknown.
ORIGINAL_VERSION = "original"


def _language_filter(request: HttpRequest) -> str | None:
    """The ?lang= value when it names a site language; anything else means no filter."""
    value = request.GET.get("lang", "").strip().lower()
    codes = {code for code, _name in settings.LANGUAGES}
    return value if value in codes else None


def _slug_param(request: HttpRequest, name: str) -> str | None:
    """The query parameter NAME when it can be a slug, else None."""
    value = request.GET.get(name, "").strip()
    return value if _SLUG.fullmatch(value) else None


def _page(
    request: HttpRequest, queryset: QuerySet[Article], *, ids_first: bool = False
) -> Page[Article]:
    """The page of QUERYSET that ?page= asks for, ARTICLES_PER_PAGE long; IDS_FIRST reads it
    with an IdsFirstPaginator (for lists that filter on a join, which no index sorts)."""
    paginator = (IdsFirstPaginator if ids_first else ArticlePaginator)(queryset, ARTICLES_PER_PAGE)
    # get_page() turns "abc", "0" and "9999" into the first or last page instead of an error.
    return paginator.get_page(request.GET.get("page"))


def _canonical_url(request: HttpRequest, params: dict[str, str], page: Page[Article]) -> str:
    """This list's address with its filters; page 1 is the list itself, so only later pages
    carry ?page=."""
    query: dict[str, str | int] = dict(params)
    if page.number > 1:
        query["page"] = page.number
    return request.build_absolute_uri(request.path + (f"?{urlencode(query)}" if query else ""))


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    """A filter the home page applies, with the address of the page without it."""

    label: str
    value: str
    remove_url: str


def _without(path: str, params: dict[str, str], key: str) -> str:
    """PATH with PARAMS but KEY."""
    rest = {name: value for name, value in params.items() if name != key}
    return path + (f"?{urlencode(rest)}" if rest else "")


def home(request: HttpRequest) -> HttpResponse:
    """The latest articles, 30 a page, filtered by language, source and entity (?lang=,
    ?source=, ?entity=, combinable); a value that names nothing is ignored."""
    sources = list(Source.objects.order_by("name", "pk").only("pk", "slug", "name"))
    language = _language_filter(request)
    source_slug = _slug_param(request, "source")
    source = next((s for s in sources if s.slug == source_slug), None) if source_slug else None
    entity: Entity | None = None
    if entity_slug := _slug_param(request, "entity"):
        try:
            found = entity_get(slug=entity_slug)
        except Entity.DoesNotExist:
            pass
        else:
            entity = found.merged_into or found
    page = _page(
        request,
        article_queryset_latest(language=language, source=source, entity=entity),
        ids_first=entity is not None,
    )

    params: dict[str, str] = {}
    active: list[ActiveFilter] = []
    if language:
        params["lang"] = language
    if source is not None:
        params["source"] = source.slug
    if entity is not None:
        params["entity"] = entity.slug
    if language:
        active.append(
            ActiveFilter(
                _("Language"), language_label(language), _without(request.path, params, "lang")
            )
        )
    if source is not None:
        active.append(
            ActiveFilter(_("Source"), source.name, _without(request.path, params, "source"))
        )
    if entity is not None:
        active.append(
            ActiveFilter(
                _("Mentioning"), entity_name(entity), _without(request.path, params, "entity")
            )
        )
    return render(
        request,
        "news/home.html",
        {
            "page": page,
            "articles": page.object_list,
            "language": language,
            "languages": settings.LANGUAGES,
            "sources": sources,
            "source": source,
            "entity": entity,
            "active_filters": active,
            "filter_query": urlencode(params),
            "canonical_url": _canonical_url(request, params, page),
        },
    )


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """The article's text in one language: its original, or one of its translations."""

    language: str
    title: str
    lead: str
    paragraphs: list[dict[str, str]]
    translation: Translation | None = None

    @property
    def version(self) -> str:
        """The ?version= value that asks for this text."""
        return self.language or ORIGINAL_VERSION


def _article_versions(
    article: Article, translations: list[Translation], *, requested: str, interface: str
) -> tuple[ArticleVersion, ArticleVersion | None, bool]:
    """The original, the translation shown beside it (None without one) and whether the
    translation comes first (on phones, only the first is shown).

    ?version= picks either; without it a translation into the interface language comes first.
    """
    original = ArticleVersion(article.language, article.title, article.lead, article.paragraphs)
    if not translations:
        return original, None, False
    by_language = {row.language: row for row in translations}
    requested = requested.strip().lower()
    row = by_language.get(requested) or by_language.get(interface) or translations[0]
    translation = ArticleVersion(
        row.language, row.title or article.title, row.lead, list(row.paragraphs or []), row
    )
    if requested in by_language:
        return original, translation, True
    if requested and requested in (article.language, ORIGINAL_VERSION):
        return original, translation, False
    return original, translation, row.language == interface


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article with its image, body, byline, rights and the slots around it; the
    original beside its machine translation when there is one; related articles."""
    try:
        article = article_get_published(pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article") from None
    image = image_src(article)
    translations = article_translations_done(article=article)
    original_text, translation_text, translation_first = _article_versions(
        article,
        translations,
        requested=request.GET.get("version", ""),
        interface=get_language() or settings.LANGUAGE_CODE,
    )
    context: dict[str, Any] = {
        "article": article,
        "original_text": original_text,
        "translation_text": translation_text,
        "translations": translations,
        "translation_first": translation_first,
        "headline": translation_text if translation_text and translation_first else original_text,
        "mentioned_entities": article_mentioned_entities(article=article),
        "story_copies": article_story_copies(article=article),
        "related": article_related(article=article),
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        "og_image_url": request.build_absolute_uri(image) if image else "",
    }
    return render(request, "news/article.html", context)


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A person, organization, country, place or event: its names, its mentions per week, the
    entities mentioned with it and the latest articles that mention it, 30 a page. An entity
    merged into another one redirects there."""
    try:
        entity = entity_get(slug=slug)
    except Entity.DoesNotExist:
        raise Http404("No such entity") from None
    if entity.merged_into is not None:
        return redirect(entity.merged_into, permanent=True)
    page = _page(request, entity_articles(entity=entity), ids_first=True)
    return render(
        request,
        "news/entity.html",
        {
            "entity": entity,
            "names": entity_names(entity=entity),
            "weekly": entity_weekly_mentions(entity=entity, weeks=CHART_WEEKS),
            "co_mentioned": list(entity_co_mentioned(entity=entity)),
            "page": page,
            "articles": page.object_list,
            "filter_query": "",
            "home_filter_query": urlencode({"entity": entity.slug}),
            "canonical_url": _canonical_url(request, {}, page),
        },
    )


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A source: its name, home page, language, rights and license, how often it publishes,
    and its articles, 30 a page."""
    try:
        source = source_get(slug=slug)
    except Source.DoesNotExist:
        raise Http404("No such source") from None
    page = _page(request, source_articles(source=source))
    return render(
        request,
        "news/source.html",
        {
            "source": source,
            "rate": source_publishing_rate(source=source, days=RATE_DAYS),
            "weekly": source_weekly_articles(source=source, weeks=CHART_WEEKS),
            "page": page,
            "articles": page.object_list,
            "filter_query": "",
            "canonical_url": _canonical_url(request, {}, page),
        },
    )


def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A story: the articles it groups across sources and languages, earliest first."""
    try:
        story = story_get(pk=pk)
    except Story.DoesNotExist:
        raise Http404("No such story") from None
    articles = story_articles(story=story)
    sources = list({article.source_id: article.source for article in articles}.values())
    languages = sorted({article.language for article in articles if article.language})
    return render(
        request,
        "news/story.html",
        {
            "story": story,
            "articles": articles,
            "sources": sources,
            "languages": languages,
            "canonical_url": request.build_absolute_uri(request.path),
        },
    )
