"""The web's conventions outside the reader's pages: robots.txt, sitemaps, the favicon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from newsdesk.news.feeds import SITE_NAME, xml_text
from newsdesk.news.selectors import article_queryset_latest
from newsdesk.news.sitemaps import sitemap_sections

# What Google News reads: articles of the last two days, at most a thousand.
NEWS_SITEMAP_AGE = timedelta(days=2)
NEWS_SITEMAP_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class NewsSitemapEntry:
    """One article as the news sitemap names it."""

    location: str
    language: str
    title: str
    published: str


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl everything but the admin and search results; where the sitemaps are."""
    return render(
        request,
        "robots.txt",
        {
            "sitemap_url": request.build_absolute_uri(reverse("sitemap")),
            "news_sitemap_url": request.build_absolute_uri(reverse("news-sitemap")),
        },
        content_type="text/plain; charset=utf-8",
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    return HttpResponsePermanentRedirect(static("newsdesk/favicon.svg"))


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: one address per page of each section."""
    return sitemap_views.index(
        request, sitemaps=sitemap_sections(), sitemap_url_name="sitemap-section"
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One page (?p=) of one section of the sitemap."""
    return sitemap_views.sitemap(request, sitemaps=sitemap_sections(), section=section)


@require_safe
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """The Google News sitemap: each story of the last two days once, newest first.

    An article whose language is not known yet (nor its source's) waits for enrichment.
    """
    now = timezone.now()
    rows = (
        article_queryset_latest()
        .filter(published_at__gte=now - NEWS_SITEMAP_AGE, published_at__lte=now)
        .values_list("pk", "title", "language", "source__language", "published_at")
    )[:NEWS_SITEMAP_LIMIT]
    site_languages = {code for code, _name in settings.LANGUAGES}
    entries = []
    for pk, title, language, source_language, published_at in rows:
        language = language or source_language
        if not language:
            continue
        # The page in the article's own language where the site speaks it.
        page_language = language if language in site_languages else settings.LANGUAGE_CODE
        with translation.override(page_language):
            path = reverse("news:article", kwargs={"pk": pk})
        entries.append(
            NewsSitemapEntry(
                location=request.build_absolute_uri(path),
                language=language,
                title=xml_text(title),
                published=timezone.localtime(published_at).isoformat(),
            )
        )
    return render(
        request,
        "sitemaps/news_sitemap.xml",
        {"entries": entries, "publication": SITE_NAME},
        content_type="application/xml; charset=utf-8",
    )
