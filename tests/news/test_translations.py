"""Article translations stored with their provenance, against a LibreTranslate-speaking
server on loopback (tests/libretranslate.py); failures recorded and retried, never lost.

The texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl): kremlin.ru, President of
Russia, CC BY 4.0. Attribution and changes: newsdesk/demo/corpus/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.news.models import Article, Translation
from newsdesk.news.translations import MAX_ATTEMPTS, article_translate, translation_provider
from newsdesk.pipeline.translate import LibreTranslate, NoTranslation
from tests.factories import ArticleFactory
from tests.libretranslate import FakeLibreTranslate, fake_translate, reply, serving

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@cache
def russian() -> dict[str, str]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return next(item for item in map(json.loads, filter(None, lines)) if item["lang"] == "ru")


@pytest.fixture(scope="module")
def _module_server() -> Iterator[FakeLibreTranslate]:
    with serving() as server:
        yield server


@pytest.fixture
def server(_module_server: FakeLibreTranslate) -> FakeLibreTranslate:
    _module_server.reset()
    return _module_server


@pytest.fixture
def provider(server: FakeLibreTranslate) -> Iterator[LibreTranslate]:
    libre = LibreTranslate(server.url, timeout=5.0, retries=1, sleep=lambda seconds: None)
    yield libre
    libre.close()


def article(**fields: object) -> Article:
    item = russian()
    paragraphs = [{"role": "paragraph", "text": p} for p in item["text"].split("\n\n")]
    paragraphs[1]["role"] = "question"
    fields.setdefault("title", item["title"])
    fields.setdefault("lead", "")
    fields.setdefault("language", "ru")
    return ArticleFactory.create(paragraphs=paragraphs, content_hash="hash-1", **fields)


def test_an_article_is_translated_and_stored_with_its_provenance(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    original = article()

    row = article_translate(article=original, language="en", provider=provider, now=NOW)

    assert row is not None
    row.refresh_from_db()
    assert row.status == Translation.Status.DONE
    assert (row.provider, row.model) == ("libretranslate", "libretranslate/1.6.4")
    assert (row.source_language, row.language, row.translated_at) == ("ru", "en", NOW)
    assert row.title == fake_translate(original.title, source="ru")
    assert row.lead == ""  # an empty lead is not sent, and stays empty
    assert [p["role"] for p in row.paragraphs] == [p["role"] for p in original.paragraphs]
    assert [p["text"] for p in row.paragraphs] == [
        fake_translate(p["text"], source="ru") for p in original.paragraphs
    ]
    assert row.source_hash == "hash-1"
    # The original is never replaced.
    original.refresh_from_db()
    assert original.title == russian()["title"]


def test_a_current_translation_is_not_made_again_and_a_changed_original_is(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    original = article()
    article_translate(article=original, language="en", provider=provider, now=NOW)
    requests = len(server.translate_requests)

    article_translate(article=original, language="en", provider=provider, now=NOW)
    assert len(server.translate_requests) == requests

    original.title, original.content_hash = "Новый заголовок", "hash-2"
    original.save()
    row = article_translate(article=original, language="en", provider=provider, now=NOW)

    assert row is not None
    assert row.title == fake_translate("Новый заголовок", source="ru")
    assert row.source_hash == "hash-2"
    assert Translation.objects.count() == 1


def test_nothing_to_do_for_the_articles_own_language_or_an_unknown_one(
    provider: LibreTranslate,
) -> None:
    assert article_translate(article=article(), language="ru", provider=provider) is None
    assert article_translate(article=article(language=""), language="en", provider=provider) is None
    assert Translation.objects.count() == 0


def test_a_provider_that_keeps_failing_is_recorded_and_tried_again_later(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    original = article()
    server.script = [reply(500, {"error": "overloaded"})] * 10

    row = article_translate(article=original, language="en", provider=provider, now=NOW)

    assert row is not None
    row.refresh_from_db()
    assert row.status == Translation.Status.FAILED
    assert row.attempts == 1
    assert "500" in row.last_error
    assert row.next_attempt_at is not None
    assert NOW <= row.next_attempt_at <= NOW + timedelta(minutes=1)
    # Before its time it is left alone; after it, tried again and then done.
    requests = len(server.translate_requests)
    article_translate(article=original, language="en", provider=provider, now=NOW)
    assert len(server.translate_requests) == requests
    server.script = []
    later = row.next_attempt_at + timedelta(seconds=1)
    row = article_translate(article=original, language="en", provider=provider, now=later)
    assert row is not None
    assert row.status == Translation.Status.DONE
    assert row.attempts == 2
    assert row.last_error == ""


def test_a_rate_limit_waits_at_least_as_long_as_the_provider_asks(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    server.script = [reply(429, {"error": "Slowdown"}, **{"Retry-After": "3600"})] * 3

    row = article_translate(article=article(), language="en", provider=provider, now=NOW)

    assert row is not None
    assert row.status == Translation.Status.FAILED
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= NOW + timedelta(seconds=3600)


def test_a_refusal_is_recorded_and_looked_at_again_only_hours_later(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    server.script = [reply(400, {"error": "ru is not supported"})]
    original = article()

    row = article_translate(article=original, language="en", provider=provider, now=NOW)

    assert row is not None
    assert row.status == Translation.Status.FAILED
    assert "ru is not supported" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(hours=6)
    requests = len(server.translate_requests)
    article_translate(article=original, language="en", provider=provider, now=NOW)
    assert len(server.translate_requests) == requests


def test_a_translation_is_given_up_after_the_last_attempt(
    server: FakeLibreTranslate, provider: LibreTranslate
) -> None:
    original = article()
    server.script = [reply(400, {"error": "no"})] * MAX_ATTEMPTS
    moment = NOW
    for _attempt in range(MAX_ATTEMPTS):
        row = article_translate(article=original, language="en", provider=provider, now=moment)
        moment += timedelta(days=1)

    assert row is not None
    assert row.attempts == MAX_ATTEMPTS
    assert row.next_attempt_at is None
    requests = len(server.translate_requests)
    article_translate(article=original, language="en", provider=provider, now=moment)
    assert len(server.translate_requests) == requests


def test_a_server_that_is_down_is_a_recorded_failure(provider: LibreTranslate) -> None:
    closed = LibreTranslate("http://127.0.0.1:9/", timeout=1.0, retries=0)

    row = article_translate(article=article(), language="en", provider=closed, now=NOW)

    assert row is not None
    assert row.status == Translation.Status.FAILED
    assert row.last_error
    assert row.next_attempt_at is not None


def test_translation_is_off_by_default_and_then_stores_nothing() -> None:
    provider = translation_provider()

    assert isinstance(provider, NoTranslation)
    assert article_translate(article=article(), language="en", provider=provider) is None
    assert Translation.objects.count() == 0
