"""The page cache: the cache backend from the environment, and which responses are shared.

A reader page (/en/..., /ru/..., the sitemaps) is the same for every anonymous reader of its
URL, so a rendered page is kept for NEWSDESK_PAGE_CACHE_SECONDS and served to the next reader
without touching the database. Everything else (the admin, redirects, errors, pages of a
reader who has a session, responses that set a cookie) is never stored nor served from it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# The cache alias of the page cache (CACHE_MIDDLEWARE_ALIAS); "default" holds the rest.
PAGES = "pages"
# How long a worker serves a page it read from Redis out of its own memory.
LOCAL_SECONDS = 5
_MISSING = object()


class LocalFirstRedisCache(RedisCache):
    """Redis, which every worker process shares, with what a worker reads or writes kept in
    its own memory for LOCAL_SECONDS too.

    A page served from Redis costs a round trip and unpickling for each of the two keys of
    Django's page cache: about half a cached page's requests per second on two cores. From
    memory, a popular page costs that once per LOCAL_SECONDS per worker. For pages only:
    values that change in place (counters) would be read stale for LOCAL_SECONDS.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # One memory per process (LocMemCache shares by name), keys made as Redis makes them.
        self._local = LocMemCache(
            "newsdesk-local-pages",
            {
                "KEY_PREFIX": self.key_prefix,
                "VERSION": self.version,
                "OPTIONS": {"MAX_ENTRIES": 2000},
            },
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        value = self._local.get(key, _MISSING, version=version)
        if value is _MISSING:
            value = super().get(key, _MISSING, version=version)
            if value is _MISSING:
                return default
            self._local.set(key, value, LOCAL_SECONDS, version=version)
        return value

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        super().set(key, value, timeout, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds is not None and seconds <= 0:
            self._local.delete(key, version=version)
        else:
            self._local.set(
                key, value, min(LOCAL_SECONDS, seconds or LOCAL_SECONDS), version=version
            )

    def delete(self, key: Any, version: int | None = None) -> bool:
        self._local.delete(key, version=version)
        return bool(super().delete(key, version=version))

    def clear(self) -> None:
        self._local.clear()
        super().clear()


def caches_from_url(url: str, *, key_prefix: str) -> dict[str, dict[str, Any]]:
    """Django's CACHES for NEWSDESK_CACHE_URL: Redis for a redis:// URL, else the
    process's own memory (nothing to run, but each worker process has its own copy).

    Two aliases: PAGES for the page cache (with Redis, read through each worker's memory:
    LocalFirstRedisCache) and "default" for the rest."""
    url = url.strip()
    if not url:
        return {
            alias: {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"newsdesk-{alias}",
                "KEY_PREFIX": key_prefix,
                # A page is ~30 KB: 2,000 of them stay within ~60 MB per process.
                "OPTIONS": {"MAX_ENTRIES": 2000},
            }
            for alias in ("default", PAGES)
        }
    if not url.startswith(REDIS_SCHEMES):
        raise ImproperlyConfigured(
            f"NEWSDESK_CACHE_URL must be a redis://, rediss:// or unix:// URL, not {url!r}"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
        },
        PAGES: {
            "BACKEND": "newsdesk.config.caching.LocalFirstRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"{key_prefix}-pages",
        },
    }


# Public documents outside the language prefixes, the same for everyone (sitemaps over every
# article are among the costliest responses of the site).
SHARED_ROOT_PATHS = ("/robots.txt", "/sitemap", "/news-sitemap.xml")


def _reader_prefixes() -> tuple[str, ...]:
    """The path prefixes of the pages every anonymous reader shares: one per site language
    ("/en/", "/ru/"), and the sitemaps and robots.txt."""
    return (*(f"/{code}/" for code, _name in settings.LANGUAGES), *SHARED_ROOT_PATHS)


def request_is_shareable(request: HttpRequest, *, prefixes: tuple[str, ...]) -> bool:
    """Whether the response to REQUEST may be taken from or put in the shared page cache:
    an anonymous GET or HEAD of a reader page."""
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(prefixes)
        # A session may belong to a signed-in user; readers without one get no session
        # cookie from the public pages, so this costs anonymous readers nothing.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "Authorization" not in request.headers
    )


def response_is_shareable(response: HttpResponseBase) -> bool:
    """Whether RESPONSE is the same for every reader: a complete page setting no cookie
    whose view did not make it private."""
    cache_control = response.get("Cache-Control", "").lower()
    return (
        response.status_code in (200, 304)
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
    )


class PageCacheUpdateMiddleware(UpdateCacheMiddleware):
    """Store shareable reader pages; mark them `Cache-Control: public, max-age=N`.

    First in MIDDLEWARE, so it sees the response as it leaves (with ETag and every header).
    """

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        self.prefixes = _reader_prefixes()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase | str
    ) -> HttpResponseBase | str:
        if isinstance(response, str) or not (
            request_is_shareable(request, prefixes=self.prefixes)
            and response_is_shareable(response)
        ):
            return response
        # Before the copy is stored, so that it carries them too (a max-age the view chose
        # stands when it is shorter).
        patch_cache_control(response, public=True, max_age=max(0, self.cache_timeout))
        if response.status_code == 200 and self.cache_timeout > 0:
            # When the kept copy was made: clients may revalidate with If-Modified-Since.
            response.headers.setdefault("Last-Modified", http_date())
        try:
            return super().process_response(request, response)
        except Exception:
            # A cache server that is down costs the site its speed, never its pages.
            logger.warning("page cache: cannot store %s", request.path, exc_info=True)
            return response


class PageCacheFetchMiddleware(FetchFromCacheMiddleware):
    """Answer shareable requests from the page cache; last in MIDDLEWARE."""

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        self.prefixes = _reader_prefixes()
        self.enabled = settings.CACHE_MIDDLEWARE_SECONDS > 0

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if not (self.enabled and request_is_shareable(request, prefixes=self.prefixes)):
            request._cache_update_cache = False  # type: ignore[attr-defined]
            return None
        try:
            return super().process_request(request)
        except Exception:
            logger.warning("page cache: cannot read %s", request.path, exc_info=True)
            request._cache_update_cache = False  # type: ignore[attr-defined]
            return None
