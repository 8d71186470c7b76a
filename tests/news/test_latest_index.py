"""The home page's order has its own index on PostgreSQL (migration news 0006); its effect on
speed is measured in benchmarks (docs/benchmarks.md), not asserted here."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_postgresql_has_an_index_in_the_home_pages_order() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's; SQLite walks its published_at index")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'news_article' "
            "AND indexname = 'news_article_latest'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert "(published_at DESC NULLS LAST, id DESC)" in rows[0][0]
