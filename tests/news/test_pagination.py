"""The article lists' paginators: the count kept in the cache, pages read ids first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsdesk.news.models import Article
from newsdesk.news.pagination import ArticlePaginator, IdsFirstPaginator
from newsdesk.news.selectors import article_queryset_latest
from tests.factories import ArticleFactory, EntityFactory, MentionFactory, SourceFactory

pytestmark = pytest.mark.django_db


def counts(queries: CaptureQueriesContext) -> int:
    """How many of the queries were a paginator's count."""
    return sum(
        query["sql"].startswith('SELECT COUNT(*) AS "__count"')
        for query in queries.captured_queries
    )


def articles(number: int, **fields: object) -> list[Article]:
    start = timezone.now() - timedelta(days=1)
    return [
        ArticleFactory.create(published_at=start + timedelta(minutes=n), **fields)
        for n in range(number)
    ]


def test_the_count_is_kept_per_list_until_it_expires(settings):
    settings.NEWSDESK_COUNT_CACHE_SECONDS = 300
    wire = SourceFactory.create()
    articles(5)
    articles(3, source=wire)

    with CaptureQueriesContext(connection) as first:
        assert ArticlePaginator(article_queryset_latest(), 2).count == 8
    ArticleFactory.create()
    with CaptureQueriesContext(connection) as second:
        # Kept: the article added since is not counted yet.
        assert ArticlePaginator(article_queryset_latest(), 2).count == 8
        # Another list has its own count.
        assert ArticlePaginator(article_queryset_latest(source=wire), 2).count == 3

    assert counts(first) == 1
    assert counts(second) == 1
    settings.NEWSDESK_COUNT_CACHE_SECONDS = 0
    assert ArticlePaginator(article_queryset_latest(), 2).count == 9


def test_the_home_page_counts_its_articles_once_in_a_while(client, settings):
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 0
    articles(35)

    with CaptureQueriesContext(connection) as first:
        assert client.get("/en/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        page = client.get("/en/?page=2")

    assert counts(first) == 1
    assert counts(second) == 0
    assert "Page 2 of 2" in page.content.decode()


def test_ids_first_pages_hold_the_same_articles_in_the_same_order():
    entity = EntityFactory.create()
    for article in articles(7):
        MentionFactory.create(article=article, entity=entity)
    queryset = article_queryset_latest(entity=entity)

    plain = ArticlePaginator(queryset, 3, orphans=1)
    ids_first = IdsFirstPaginator(queryset, 3, orphans=1)

    assert ids_first.num_pages == plain.num_pages == 2
    for number in (1, 2):
        assert list(ids_first.page(number)) == list(plain.page(number))
        assert [a.story_size for a in ids_first.page(number)] == [None] * len(plain.page(number))
    with CaptureQueriesContext(connection) as queries:
        IdsFirstPaginator(queryset, 3).page(1)
    # The ids, the rows: the count is kept from the pages above.
    assert len(queries) == 2
