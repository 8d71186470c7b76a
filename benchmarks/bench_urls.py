"""The project's URLs plus /bare/, the floor the reader pages are measured against.

/bare/ goes through the same middleware as every page and returns a fixed string; it is
never part of the application's own URLs (newsdesk/config/urls.py).
"""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from newsdesk.config.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """A fixed string: what Django and the server cost without any work of ours."""
    return HttpResponse(b"Hello, world\n", content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [path("bare/", bare), *site_urlpatterns]
