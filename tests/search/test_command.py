"""`newsdesk search_index`: in-process over the test database, and as a program."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from newsdesk.news.models import Article
from newsdesk.search.selectors import search_articles
from tests.factories import ArticleFactory
from tests.programs import run_newsdesk
from tests.search.conftest import index_size, indexed


def run(*args: str) -> str:
    out = StringIO()
    call_command("search_index", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_indexes_the_articles_not_in_the_index():
    indexed("Tanker seized", "")
    ArticleFactory.create(title="Tanker released", paragraphs=[])
    ArticleFactory.create(title="Tanker sunk", paragraphs=[])

    assert run().startswith("indexed 2 articles, removed 0 deleted ones")
    assert search_articles("tankers").total == 3
    assert run().startswith("indexed 0 articles")
    assert index_size() == 3


@pytest.mark.django_db
def test_rebuild_reindexes_changed_articles():
    article = indexed("Tanker seized", "")
    Article.objects.filter(pk=article.pk).update(title="Cargo ship seized")

    run()
    assert search_articles("cargo").total == 0
    assert run("--rebuild").startswith("indexed 1 articles")
    assert search_articles("cargo").total == 1
    assert search_articles("tanker").total == 0


def test_program_indexes_a_migrated_database_and_fails_in_one_line_without_one(tmp_path: Path):
    missing = run_newsdesk("search_index", data_dir=tmp_path / "empty")
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1, missing.stderr
    assert "newsdesk migrate" in missing.stderr
    assert "Traceback" not in missing.stderr

    assert run_newsdesk("migrate", "-v0", data_dir=tmp_path).returncode == 0
    done = run_newsdesk("search_index", "--rebuild", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("indexed 0 articles")
