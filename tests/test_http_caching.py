"""HTTP caching of the reader's pages: ETag and 304, the shared page cache and what it never
keeps (the admin, signed-in readers, cookies, errors), in memory and in Redis."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from pytest_django.fixtures import Settings

from newsdesk.config import urls as project_urls
from newsdesk.config.caching import LocalFirstRedisCache, caches_from_url
from newsdesk.news.models import Article
from tests.conftest import caches_clear, require_service
from tests.factories import ArticleFactory
from tests.programs import run_newsdesk

pytestmark = pytest.mark.django_db

REDIS = ("127.0.0.1", 6379)
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"

# Views of this module's URLconf (see `urls` marks below): each counts its calls.
calls: dict[str, int] = {"cookie": 0}


def view_setting_a_cookie(request: HttpRequest) -> HttpResponse:
    """A reader page that sets a cookie (as a form with a CSRF token would)."""
    calls["cookie"] += 1
    response = HttpResponse(f"rendered {calls['cookie']} times")
    response.set_cookie("seen", "1")
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    *project_urls.urlpatterns,
    *i18n_patterns(path("cookie/", view_setting_a_cookie)),
]


def _retitle(article: Article, title: str) -> None:
    """Change the stored row behind the site's back, as another process would."""
    Article.objects.filter(pk=article.pk).update(title=title)


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Conditional GET


def test_a_page_has_an_etag_and_answers_304_when_the_reader_has_it(client):
    article = ArticleFactory.create(title="Talks in Geneva")

    first = client.get(article.get_absolute_url())
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    other = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH='"another"')

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert other.status_code == 200
    assert b"Talks in Geneva" in other.content


def test_a_cached_page_answers_304_to_if_modified_since(client):
    article = ArticleFactory.create()

    first = client.get(article.get_absolute_url())
    again = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304


def test_pages_are_public_for_the_cache_seconds_and_do_not_vary_by_cookie(client, settings):
    article = ArticleFactory.create()

    for url in ("/en/", article.get_absolute_url()):
        response = client.get(url)
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", f"max-age={settings.CACHE_MIDDLEWARE_SECONDS}"}
        # Varying by Cookie would give every reader a cache entry of their own.
        assert "cookie" not in response.get("Vary", "").lower()
        assert not response.cookies


# The shared page cache


def test_a_second_get_is_served_from_the_cache_until_the_cache_is_cleared(
    client, django_assert_num_queries
):
    article = ArticleFactory.create(title="Old title")
    url = article.get_absolute_url()
    assert b"Old title" in client.get(url).content

    _retitle(article, "New title")
    with django_assert_num_queries(0):
        cached = client.get(url)
    assert b"Old title" in cached.content
    assert "Age" in cached

    caches_clear()
    assert b"New title" in client.get(url).content


def test_every_page_is_rendered_again_when_the_cache_seconds_are_zero(client, settings):
    settings.CACHE_MIDDLEWARE_SECONDS = 0
    article = ArticleFactory.create(title="Old title")
    url = article.get_absolute_url()
    client.get(url)

    _retitle(article, "New title")
    response = client.get(url)

    assert b"New title" in response.content
    assert "ETag" in response
    assert {d.strip() for d in response["Cache-Control"].split(",")} == {"public", "max-age=0"}


def test_english_and_russian_pages_are_cached_apart(client):
    article = ArticleFactory.create(title="Old title")
    english = client.get("/en/")
    russian = client.get("/ru/")
    _retitle(article, "New title")

    assert b'<html lang="en">' in english.content
    assert b'<html lang="ru">' in russian.content
    assert client.get("/en/").content == english.content
    assert client.get("/ru/").content == russian.content
    assert english["ETag"] != russian["ETag"]


def test_head_answers_without_a_body_and_from_the_cache_after_a_get(
    client, django_assert_num_queries
):
    article = ArticleFactory.create()
    fresh_head = client.head(article.get_absolute_url())
    get = client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        cached_head = client.head(article.get_absolute_url())

    for response in (fresh_head, cached_head):
        assert response.status_code == 200
        assert response.content == b""
        assert response["Content-Type"] == get["Content-Type"]
    assert cached_head["ETag"] == get["ETag"]


# What the page cache never keeps


def test_admin_pages_are_private_and_never_cached(admin_client):
    article = ArticleFactory.create(title="Old title")
    url = f"/admin/news/article/{article.pk}/change/"
    first = admin_client.get(url)
    _retitle(article, "New title")

    again = admin_client.get(url)

    assert "private" in first["Cache-Control"]
    assert "public" not in first["Cache-Control"]
    assert b"New title" in again.content


def test_a_signed_in_readers_pages_are_neither_cached_nor_taken_from_the_cache(
    client, admin_client
):
    article = ArticleFactory.create(title="Old title")
    url = article.get_absolute_url()
    client.get(url)  # an anonymous reader fills the cache
    _retitle(article, "Signed-in title")

    signed_in = admin_client.get(url)
    _retitle(article, "New title")
    signed_in_again = admin_client.get(url)

    assert b"Signed-in title" in signed_in.content
    assert b"New title" in signed_in_again.content
    assert "public" not in signed_in.get("Cache-Control", "")
    assert b"Old title" in client.get(url).content  # the anonymous copy is untouched


@pytest.mark.urls("tests.test_http_caching")
def test_a_response_that_sets_a_cookie_is_never_cached(client):
    calls["cookie"] = 0

    first = client.get("/en/cookie/")
    second = client.get("/en/cookie/")

    assert first.content == b"rendered 1 times"
    assert second.content == b"rendered 2 times"
    assert "public" not in second.get("Cache-Control", "")


def test_an_error_page_is_not_cached(client):
    missing = client.get("/en/articles/424242/")
    ArticleFactory.create(pk=424242, title="Published since")

    found = client.get("/en/articles/424242/")

    assert missing.status_code == 404
    assert "public" not in missing.get("Cache-Control", "")
    assert found.status_code == 200
    assert b"Published since" in found.content


# Cache backends


def test_the_cache_url_selects_redis_and_nothing_set_keeps_pages_in_memory(tmp_path):
    show = ("shell", "-c", "from django.conf import settings as s; print(s.CACHES)")

    in_memory = run_newsdesk(*show, data_dir=tmp_path)
    redis = run_newsdesk(*show, data_dir=tmp_path, NEWSDESK_CACHE_URL=REDIS_TEST_URL)
    wrong = run_newsdesk(*show, data_dir=tmp_path, NEWSDESK_CACHE_URL="memcached://x")

    assert "LocMemCache" in in_memory.stdout, in_memory.stderr
    assert "RedisCache" in redis.stdout and REDIS_TEST_URL in redis.stdout, redis.stderr
    assert wrong.returncode != 0
    assert "NEWSDESK_CACHE_URL" in wrong.stderr


def test_pages_are_cached_in_redis_when_the_cache_url_names_it(
    client, settings: Settings, django_assert_num_queries
):
    if not _redis_reachable():
        require_service("Redis", f"the page cache in Redis at {REDIS_TEST_URL}")
    settings.CACHES = caches_from_url(REDIS_TEST_URL, key_prefix=f"test-{uuid.uuid4().hex}")
    article = ArticleFactory.create(title="Old title")
    url = article.get_absolute_url()
    client.get(url)
    _retitle(article, "New title")

    try:
        with django_assert_num_queries(0):
            assert b"Old title" in client.get(url).content
        caches_clear()
        assert b"New title" in client.get(url).content
    finally:
        caches_clear()


def test_pages_are_served_when_the_cache_server_is_down(client, settings, caplog):
    settings.CACHES = caches_from_url(
        f"redis://127.0.0.1:{_closed_port()}/0", key_prefix="unreachable"
    )
    article = ArticleFactory.create(title="Still here")

    responses = [client.get(article.get_absolute_url()) for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert all(b"Still here" in r.content for r in responses)
    assert "page cache: cannot" in caplog.text


def test_with_redis_each_worker_reads_a_page_through_its_own_memory():
    if not _redis_reachable():
        require_service("Redis", f"the page cache in Redis at {REDIS_TEST_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    config = caches_from_url(REDIS_TEST_URL, key_prefix=prefix)
    assert config["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    pages = LocalFirstRedisCache(REDIS_TEST_URL, {"KEY_PREFIX": config["pages"]["KEY_PREFIX"]})
    shared = RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": config["pages"]["KEY_PREFIX"]})
    try:
        pages.set("page", "rendered once", 60)
        assert shared.get("page") == "rendered once"  # in Redis, for the other workers

        # Gone from Redis: this worker still serves its copy, for LOCAL_SECONDS at most.
        shared.delete("page")
        assert pages.get("page") == "rendered once"
        pages._local.clear()  # what LOCAL_SECONDS later looks like
        assert pages.get("page") is None

        # Another worker's page, read once from Redis, then from memory.
        shared.set("other", "theirs", 60)
        assert pages.get("other") == "theirs"
        shared.set("other", "changed", 60)
        assert pages.get("other") == "theirs"
        pages._local.clear()
        assert pages.get("other") == "changed"

        # A page kept for 0 seconds is not kept here either; delete and clear reach both.
        pages.set("brief", "x", 0)
        assert pages.get("brief") is None
        pages.set("page", "again", 60)
        pages.delete("page")
        assert pages.get("page") is None and shared.get("page") is None
        pages.set("page", "again", 60)
        pages.clear()
        assert pages.get("page") is None and shared.get("page") is None
    finally:
        shared.clear()
        pages.clear()
