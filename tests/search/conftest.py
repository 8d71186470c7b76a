"""Articles made and indexed for the search tests."""

from __future__ import annotations

from typing import Any

from django.db import connection

from newsdesk.news.models import Article
from newsdesk.search.backends import FTS
from newsdesk.search.index import article_index
from newsdesk.search.models import ArticleDocument
from tests.factories import ArticleFactory


def indexed(title: str, text: str = "", *, lead: str = "", **fields: Any) -> Article:
    """An article with this title, lead and one-paragraph body, put into the search index."""
    paragraphs = [{"role": "paragraph", "text": text}] if text else []
    article = ArticleFactory.create(title=title, lead=lead, paragraphs=paragraphs, **fields)
    article_index(article)
    return article


def index_size() -> int:
    """How many documents the search index holds, whichever the database."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS}")
            return int(cursor.fetchone()[0])
    return ArticleDocument.objects.count()
