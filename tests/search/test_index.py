"""Writing the index: one article, its update, its removal, and whole rebuilds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from newsdesk.news.models import Article
from newsdesk.search.backends import FTS, backend
from newsdesk.search.index import article_index, article_unindex, index_missing, index_rebuild
from newsdesk.search.selectors import search_articles
from tests.factories import ArticleFactory
from tests.search.conftest import index_size, indexed


def found(query: str) -> list[Article]:
    return [hit.article for hit in search_articles(query).hits]


@pytest.mark.django_db
def test_indexing_twice_changes_nothing():
    article = indexed("Frigate enters the strait", "A frigate of the fleet.")

    article_index(article)
    article_index(article)

    assert index_size() == 1
    assert found("frigates") == [article]
    assert search_articles("frigate").total == 1


@pytest.mark.django_db
def test_an_updated_article_is_found_by_its_new_text_only():
    article = indexed("Statement", "The talks were postponed.")

    article.paragraphs = [{"role": "paragraph", "text": "The talks were cancelled."}]
    article.title = "New statement"
    article.save()
    article_index(article)

    assert found("cancelled") == [article]
    assert found("postponed") == []
    assert found("new statement") == [article]
    assert index_size() == 1


@pytest.mark.django_db
def test_an_article_is_not_found_before_it_is_indexed_nor_after_it_is_removed():
    article = ArticleFactory.create(title="Corvette launched", paragraphs=[])
    assert found("corvette") == []

    article_index(article)
    assert found("corvette") == [article]

    article_unindex(article.pk)
    article_unindex(article.pk)
    assert found("corvette") == []
    assert index_size() == 0


@pytest.mark.django_db
def test_a_deleted_article_is_not_found_and_its_document_goes():
    article = indexed("Submarine sighted", "")

    Article.objects.filter(pk=article.pk).delete()

    assert found("submarine") == []
    index_missing()
    assert index_size() == 0


@pytest.mark.django_db
def test_index_missing_indexes_only_the_articles_not_in_the_index():
    indexed("Airbase expanded", "")
    stale = indexed("Airbase opened", "")
    new = ArticleFactory.create(title="Airbase closed", paragraphs=[])
    # A change not indexed yet: index_missing leaves indexed articles as they are.
    Article.objects.filter(pk=stale.pk).update(title="Harbour opened")

    report = index_missing()

    assert report.indexed == 1
    assert backend().unindexed_ids() == []
    assert new in found("airbase") and stale in found("airbase")
    assert index_missing().indexed == 0


@pytest.mark.django_db
def test_rebuild_indexes_every_article_again_and_twice_is_the_same():
    first = indexed("Airbase opened", "")
    ArticleFactory.create(title="Harbour opened", paragraphs=[])
    Article.objects.filter(pk=first.pk).update(title="Harbour closed")

    report = index_rebuild()

    assert report.indexed == 2
    assert found("airbase") == []
    assert {a.title for a in found("harbour")} == {"Harbour opened", "Harbour closed"}
    before = sorted((a.pk, a.title) for a in found("harbour"))
    assert index_rebuild().indexed == 2
    assert sorted((a.pk, a.title) for a in found("harbour")) == before
    assert index_size() == 2


@pytest.mark.django_db
def test_indexing_restores_the_filter_index_a_rebuild_of_news_article_dropped():
    def filter_index_exists() -> bool:
        with connection.cursor() as cursor:
            return "search_article_filter" in {
                index
                for index, info in connection.introspection.get_constraints(
                    cursor, Article._meta.db_table
                ).items()
                if info["index"]
            }

    assert filter_index_exists()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX search_article_filter")
    assert not filter_index_exists()

    index_missing()

    assert filter_index_exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_creates_and_drops_the_index():
    def index_exists() -> bool:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [FTS])
            else:
                cursor.execute(
                    "SELECT count(*) FROM pg_indexes WHERE indexname = %s",
                    ["search_articledocument_document_gin"],
                )
            return bool(cursor.fetchone()[0])

    assert index_exists()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("search", None)])
        assert not index_exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert index_exists()
    article = indexed("Minesweeper", "")
    assert found("minesweepers") == [article]
