"""The home page's order has its own index on PostgreSQL (migration news 0006)."""

from __future__ import annotations

import pytest
from django.db import connection

from newsdesk.news.selectors import article_queryset_latest
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_postgresql_reads_the_latest_articles_from_the_index_in_their_order() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's; SQLite walks its published_at index")
    ArticleFactory.create_batch(3)
    sql, params = article_queryset_latest()[:30].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "news_article_latest" in plan, plan
    assert "Sort" not in plan.split("news_article_latest")[0], plan
