"""Reader pages: the latest articles and one article."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from newsdesk.news.models import Article, Entity
from newsdesk.news.selectors import (
    article_get_published,
    article_mentioned_entities,
    article_queryset_latest,
    article_story_copies,
    entity_articles,
    entity_get,
    entity_names,
)
from newsdesk.news.templatetags.news_tags import image_src

ARTICLES_PER_PAGE = 30


def _language_filter(request: HttpRequest) -> str | None:
    """The ?lang= value when it names a site language; anything else means no filter."""
    value = request.GET.get("lang", "").strip().lower()
    codes = {code for code, _name in settings.LANGUAGES}
    return value if value in codes else None


def home(request: HttpRequest) -> HttpResponse:
    """The latest articles, 30 a page, optionally in one language."""
    language = _language_filter(request)
    paginator = Paginator(article_queryset_latest(language=language), ARTICLES_PER_PAGE)
    # get_page() turns "abc", "0" and "9999" into the first or last page instead of an error.
    page = paginator.get_page(request.GET.get("page"))
    # Page 1 is the home page itself, so only later pages carry ?page= in the canonical URL.
    params: dict[str, str | int] = {}
    if language:
        params["lang"] = language
    if page.number > 1:
        params["page"] = page.number
    canonical_path = request.path + (f"?{urlencode(params)}" if params else "")
    return render(
        request,
        "news/home.html",
        {
            "page": page,
            "articles": page.object_list,
            "language": language,
            "languages": settings.LANGUAGES,
            "canonical_url": request.build_absolute_uri(canonical_path),
        },
    )


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article with its image, body, byline, rights and the slots around it."""
    try:
        article = article_get_published(pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article") from None
    image = image_src(article)
    return render(
        request,
        "news/article.html",
        {
            "article": article,
            "mentioned_entities": article_mentioned_entities(article=article),
            "story_copies": article_story_copies(article=article),
            "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
            "og_image_url": request.build_absolute_uri(image) if image else "",
        },
    )


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A person, organization, country, place or event: its names and the latest articles
    that mention it, 30 a page. An entity merged into another one redirects there."""
    try:
        entity = entity_get(slug=slug)
    except Entity.DoesNotExist:
        raise Http404("No such entity") from None
    if entity.merged_into is not None:
        return redirect(entity.merged_into, permanent=True)
    paginator = Paginator(entity_articles(entity=entity), ARTICLES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    canonical_path = request.path + (f"?page={page.number}" if page.number > 1 else "")
    return render(
        request,
        "news/entity.html",
        {
            "entity": entity,
            "names": entity_names(entity=entity),
            "page": page,
            "articles": page.object_list,
            "canonical_url": request.build_absolute_uri(canonical_path),
        },
    )
