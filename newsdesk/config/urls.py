"""Top-level URL configuration."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("newsdesk.news.urls")),
]

# Cached lead images (validated PNG/JPEG/GIF/WebP only). A site behind a web server may
# serve MEDIA_ROOT itself and set NEWSDESK_SERVE_MEDIA=0.
if settings.NEWSDESK_SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
