"""Top-level URL configuration."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
]
# The reader's pages in each language at their own address (/en/..., /ru/...): a page is the
# same for every reader of one URL, so it can be cached and shared, and search engines list
# both languages (hreflang). An address without a language ("/", "/entities/japan/")
# redirects to the reader's language (cookie, else Accept-Language, else English).
urlpatterns += i18n_patterns(
    path("", include("newsdesk.news.urls")),
)

# Cached lead images (validated PNG/JPEG/GIF/WebP only). A site behind a web server may
# serve MEDIA_ROOT itself and set NEWSDESK_SERVE_MEDIA=0.
if settings.NEWSDESK_SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
