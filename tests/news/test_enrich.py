"""Enrichment of stored articles: language, mentions at offsets of the stored text,
translations with their mentions linked to the same entities; `newsdesk enrich` and
`newsdesk mentions` run as a person runs them.

The texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl): kremlin.ru and
en.kremlin.ru, President of Russia, CC BY 4.0; attribution and changes in its README.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.news.enrich import article_enrich
from newsdesk.news.models import Article, Entity, Mention, Translation
from newsdesk.pipeline.translate import LibreTranslate, NoTranslation
from newsdesk.search.selectors import search_articles
from tests.factories import ArticleFactory
from tests.libretranslate import FakeLibreTranslate, serving
from tests.programs import run_newsdesk

CALL = "kremlin-ru-76477"  # the Putin–Trump call of 18 March 2025
ELBE = "kremlin-en-63277"


@cache
def corpus() -> dict[str, dict[str, str]]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["id"]: item for item in map(json.loads, filter(None, lines))}


def stored(identifier: str, **fields: object) -> Article:
    item = corpus()[identifier]
    fields.setdefault("language", "")
    return ArticleFactory.create(
        title=item["title"],
        lead="",
        paragraphs=[{"role": "paragraph", "text": p} for p in item["text"].split("\n\n")],
        content_hash=identifier,
        **fields,
    )


@pytest.mark.django_db
def test_an_article_gets_its_language_and_mentions_at_offsets_of_its_text() -> None:
    article = stored(CALL)

    report = article_enrich(article=article, provider=NoTranslation())

    article.refresh_from_db()
    assert (article.language, report.language) == ("ru", "ru")
    assert article.language_confidence is not None and article.language_confidence > 0.9
    assert article.enriched_at is not None
    mentions = list(article.mentions.select_related("entity"))
    assert len(mentions) == report.mentions > 10
    texts = {"title": article.title, "lead": article.lead, "body": article.text}
    assert all(texts[m.field][m.start : m.end] == m.surface for m in mentions)
    keys = {m.entity.key for m in mentions}
    assert {"person:putin", "person:trump", "country:US", "country:RU"} <= keys


@pytest.mark.django_db
def test_enriching_again_gives_the_same_mentions_and_no_new_entities() -> None:
    article = stored(ELBE)
    article_enrich(article=article, provider=NoTranslation())
    first = list(article.mentions.values_list("field", "start", "end", "entity_id"))
    entities = Entity.objects.count()

    article_enrich(article=article, provider=NoTranslation())

    assert list(article.mentions.values_list("field", "start", "end", "entity_id")) == first
    assert Entity.objects.count() == entities


@pytest.fixture
def libretranslate() -> Iterator[FakeLibreTranslate]:
    with serving() as server:
        yield server


@pytest.mark.django_db
def test_a_translation_is_stored_and_its_mentions_link_only_to_known_entities(
    libretranslate: FakeLibreTranslate, settings: object
) -> None:
    # The fake server's "English" keeps a few words from a table (Путин -> Putin) and
    # upper-cases the rest: names it garbles must not become entities.
    settings.NEWSDESK_TRANSLATE_TO = ("en",)  # type: ignore[attr-defined]
    article = stored(CALL)
    provider = LibreTranslate(libretranslate.url, timeout=5.0, sleep=lambda s: None)
    article_enrich(article=article, provider=provider)
    entities = Entity.objects.count()

    article_enrich(article=article, provider=provider)

    translation = Translation.objects.get(article=article, language="en")
    assert translation.status == Translation.Status.DONE
    english = Mention.objects.filter(article=article, language="en")
    assert all(translation_text(translation, m) == m.surface for m in english)
    originals = set(
        Mention.objects.filter(article=article, language="ru").values_list("entity_id", flat=True)
    )
    assert set(english.values_list("entity_id", flat=True)) <= originals | set(
        Entity.objects.exclude(key="").values_list("pk", flat=True)
    )
    assert Entity.objects.count() == entities
    # Enrichment indexes the translation too: an English word finds the Russian article.
    assert "Putin" in translation.text
    hits = search_articles("Putin").hits
    assert [(hit.article, hit.translation) for hit in hits] == [(article, translation)]


def translation_text(translation: Translation, mention: Mention) -> str:
    texts = {"title": translation.title, "lead": translation.lead, "body": translation.text}
    return texts[mention.field][mention.start : mention.end]


@pytest.mark.django_db(transaction=True)
def test_newsdesk_enrich_runs_over_the_articles_not_yet_enriched(tmp_path: Path) -> None:
    assert run_newsdesk("migrate", "-v0", data_dir=tmp_path).returncode == 0

    missing = run_newsdesk("enrich", "--article", "999", data_dir=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == ["CommandError: no article with id 999"]

    empty = run_newsdesk("enrich", data_dir=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert "Enrich summary" in empty.stdout


def test_newsdesk_mentions_prints_a_json_line_per_mention(tmp_path: Path) -> None:
    text = tmp_path / "call.txt"
    text.write_text(corpus()[CALL]["text"], encoding="utf-8")
    assert run_newsdesk("migrate", "-v0", data_dir=tmp_path).returncode == 0

    result = run_newsdesk("mentions", "--lang", "ru", str(text), data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows
    source = text.read_text(encoding="utf-8")
    assert all(source[r["start"] : r["end"]] == r["surface"] for r in rows)
    assert set(rows[0]) == {"surface", "start", "end", "kind", "entity", "entity_ru", "entity_id"}
    putin = [r for r in rows if r["entity"] == "Vladimir Putin"]
    assert putin and {r["entity_ru"] for r in putin} == {"Владимир Путин"}
    assert len({r["entity_id"] for r in putin}) == 1
    again = run_newsdesk("mentions", "--lang", "ru", str(text), data_dir=tmp_path)
    assert [json.loads(line)["entity_id"] for line in again.stdout.splitlines()] == [
        r["entity_id"] for r in rows
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n ", "is empty"),
        (bytes(range(256)) * 40, "not UTF-8"),
        (b"\x00\x01\x02\x03 binary \x04\x05\x06\x07" * 100, "looks binary"),
        (b"word " * 500_000, "over 2000000 bytes"),
    ],
    ids=["empty", "blank", "not-utf8", "binary", "huge"],
)
def test_newsdesk_mentions_refuses_bad_input_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)

    result = run_newsdesk("mentions", "--lang", "en", str(path), data_dir=tmp_path)

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_newsdesk_mentions_of_a_missing_file_and_an_unknown_language(tmp_path: Path) -> None:
    missing = run_newsdesk("mentions", "--lang", "en", str(tmp_path / "no.txt"), data_dir=tmp_path)
    language = run_newsdesk("mentions", "--lang", "de", str(tmp_path / "no.txt"), data_dir=tmp_path)

    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    assert language.returncode == 2
    assert language.stderr.strip().splitlines() == [
        "CommandError: no recognizer for language 'de': use ru or en"
    ]


@pytest.mark.django_db
def test_a_span_trimmed_to_a_known_name_that_another_span_covers_is_stored_once() -> None:
    # The seed interview's "SCO summit" is trimmed to "SCO", where the recognizer found "SCO"
    # too: one mention per place in the text, and the article is enriched, not failed.
    text = (CORPUS_DIR / "seed-interview.txt").read_text(encoding="utf-8")
    article = ArticleFactory.create(
        language="en",
        title="Interview",
        lead="",
        paragraphs=[{"role": "paragraph", "text": p} for p in text.split("\n\n") if p.strip()],
    )

    article_enrich(article=article, provider=NoTranslation())

    extents = list(article.mentions.values_list("field", "start", "end"))
    assert extents
    assert len(extents) == len(set(extents))
