"""Top-level URL configuration."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from newsdesk.news import feeds, seo_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    # The web's conventions, at the addresses crawlers and browsers ask for, in no language.
    path("robots.txt", seo_views.robots_txt, name="robots"),
    path("favicon.ico", seo_views.favicon, name="favicon"),
    path("sitemap.xml", seo_views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", seo_views.sitemap_section, name="sitemap-section"),
    path("news-sitemap.xml", seo_views.news_sitemap, name="news-sitemap"),
]
# RSS and Atom feeds, in each language (their titles and links are in that language).
feed_patterns = (
    [
        path("rss/", feeds.ArticleFeed(), name="latest-rss"),
        path("atom/", feeds.LatestAtomFeed(), name="latest-atom"),
        path("sources/<slug:slug>/rss/", feeds.SourceFeed(), name="source-rss"),
        path("sources/<slug:slug>/atom/", feeds.SourceAtomFeed(), name="source-atom"),
        path("entities/<slug:slug>/rss/", feeds.EntityFeed(), name="entity-rss"),
        path("entities/<slug:slug>/atom/", feeds.EntityAtomFeed(), name="entity-atom"),
    ],
    "feeds",
)
# The reader's pages in each language at their own address (/en/..., /ru/...): a page is the
# same for every reader of one URL, so it can be cached and shared, and search engines list
# both languages (hreflang). An address without a language ("/", "/entities/japan/")
# redirects to the reader's language (cookie, else Accept-Language, else English).
urlpatterns += i18n_patterns(
    path("feeds/", include(feed_patterns)),
    path("search/", include("newsdesk.search.urls")),
    path("", include("newsdesk.news.urls")),
)

# Cached lead images (validated PNG/JPEG/GIF/WebP only). A site behind a web server may
# serve MEDIA_ROOT itself and set NEWSDESK_SERVE_MEDIA=0.
if settings.NEWSDESK_SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
