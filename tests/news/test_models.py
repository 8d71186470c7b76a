"""Article, Story, Entity and Mention as stored."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


def test_article_text_joins_paragraphs_with_blank_lines():
    article = ArticleFactory.build(
        paragraphs=[
            {"role": "question", "text": "How is the partnership developing?"},
            {"role": "answer", "text": "Dynamically."},
            {"role": "paragraph", "text": "Thank you."},
        ]
    )

    assert article.text == "How is the partnership developing?\n\nDynamically.\n\nThank you."


def test_article_text_of_an_empty_body_is_empty():
    assert ArticleFactory.build(paragraphs=[]).text == ""


def test_article_canonical_url_is_unique():
    ArticleFactory.create(canonical_url="https://tass.example/16731")

    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory.create(canonical_url="https://tass.example/16731")


def test_article_absolute_url_is_its_page():
    article = ArticleFactory.create()

    assert article.get_absolute_url() == f"/en/articles/{article.pk}/"


def test_str_values_name_the_object():
    source = SourceFactory.create(name="TASS")
    article = ArticleFactory.create(source=source, title="Rudenko: Russia will block threats")
    story = StoryFactory.create(title="Rudenko interview")
    named = EntityFactory.create(name_en="Japan", name_ru="Япония")
    russian_only = EntityFactory.create(name_en="", name_ru="Кисида", slug="kishida")
    nameless = EntityFactory.create(name_en="", name_ru="", slug="unnamed-1")
    mention = MentionFactory.create(article=article, entity=named, surface="Japanese")

    assert str(source) == "TASS"
    assert str(article) == "Rudenko: Russia will block threats"
    assert str(story) == "Rudenko interview"
    assert str(named) == "Japan"
    assert str(russian_only) == "Кисида"
    assert str(nameless) == "unnamed-1"
    assert str(mention) == "Japanese → Japan"
