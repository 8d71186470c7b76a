"""Stories over the database: signatures and bands stored, near-duplicates found through the
band index, copies grouped with the original as canonical, idempotent assignment.

The texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl): kremlin.ru and
en.kremlin.ru, President of Russia, CC BY 4.0; whitehouse.gov, public domain. Attribution and
changes: newsdesk/demo/corpus/README.md.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.news.models import Article, DuplicateBand, Story
from newsdesk.news.stories import (
    article_deduplicate,
    article_fingerprint_store,
    article_fresh_deduplicate,
    article_near_duplicates,
    article_same_source_match,
    article_story_assign,
    story_refresh,
)
from newsdesk.pipeline.dedup import (
    BANDS,
    SIGNATURE_BYTES,
    article_minhash,
    minhash_bytes,
    text_minhash,
)
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2025, 3, 18, 20, 0, tzinfo=UTC)
# The Putin–Trump call of 18 March 2025 (kremlin.ru), 513 words.
CALL = "kremlin-ru-76477"
EXPERT_GROUPS_RU = "kremlin-ru-76526"
ELBE = "kremlin-en-63277"


@cache
def corpus() -> dict[str, dict[str, str]]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["id"]: item for item in map(json.loads, filter(None, lines))}


def republished(text: str) -> str:
    """An agency text on another site: other quotes, е for ё, a word changed, a line added."""
    words = text.split(" ")
    words[len(words) // 2] = "якобы"
    retyped = " ".join(words).replace("«", '"').replace("»", '"').replace("ё", "е")
    return retyped + "\n\nТекст распространён по ленте агентства."


def store(identifier: str, *, text: str | None = None, **fields) -> Article:
    """An article with a corpus text (or the given one) and its signature stored."""
    item = corpus()[identifier]
    paragraphs = (text if text is not None else item["text"]).split("\n\n")
    fields.setdefault("title", item["title"])
    fields.setdefault("published_at", PUBLISHED)
    article = ArticleFactory.create(
        lead="",
        language=item["lang"],
        paragraphs=[{"role": "paragraph", "text": p} for p in paragraphs],
        **fields,
    )
    article_fingerprint_store(article=article)
    return article


def reload(*articles: Article) -> list[Article]:
    for article in articles:
        article.refresh_from_db()
    return list(articles)


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


# --- signatures and bands ---------------------------------------------------------------


def test_fingerprint_store_keeps_the_signature_and_its_bands():
    article = store(CALL)

    article.refresh_from_db()
    assert len(bytes(article.minhash)) == SIGNATURE_BYTES
    assert bytes(article.minhash) == minhash_bytes(
        article_minhash(title=article.title, lead=article.lead, text=article.text)
    )
    assert DuplicateBand.objects.filter(article=article).count() == BANDS


def test_fingerprint_store_twice_keeps_the_band_rows():
    article = store(CALL)
    before = list(DuplicateBand.objects.filter(article=article).values_list("id", "band", "key"))

    with CaptureQueriesContext(connection) as queries:
        article_fingerprint_store(article=article)

    after = list(DuplicateBand.objects.filter(article=article).values_list("id", "band", "key"))
    assert after == before
    assert not [sql for sql in writes(queries) if sql.lstrip().startswith(("INSERT", "DELETE"))]


def test_fingerprint_store_replaces_the_bands_of_a_changed_text():
    article = store(CALL)
    old = set(DuplicateBand.objects.filter(article=article).values_list("band", "key"))

    article.paragraphs = [{"role": "paragraph", "text": corpus()[ELBE]["text"]}]
    article.save()
    article_fingerprint_store(article=article)

    new = set(DuplicateBand.objects.filter(article=article).values_list("band", "key"))
    assert len(new) == BANDS
    assert not old & new


def test_an_article_without_words_gets_no_signature_and_no_bands():
    article = ArticleFactory.create(title="", lead="", paragraphs=[])

    article_fingerprint_store(article=article)

    article.refresh_from_db()
    assert bytes(article.minhash) == b""
    assert not DuplicateBand.objects.filter(article=article).exists()
    assert article_near_duplicates(article=article) == []
    assert article_story_assign(article=article) is None


# --- near-duplicates ----------------------------------------------------------------------


def test_a_republished_copy_is_found_and_a_text_on_the_same_talks_is_not():
    original = store(CALL)
    store(EXPERT_GROUPS_RU)  # the same negotiations, another text
    store("kremlin-ru-76259")  # an earlier call between the same presidents
    copy = store(CALL, text=republished(corpus()[CALL]["text"]), title="Путин и Трамп: итоги")

    matches = article_near_duplicates(article=copy)

    assert [(m.pk, s >= 0.8) for m, s in matches] == [(original.pk, True)]


def test_near_duplicates_leave_out_the_article_itself_and_other_sources_on_request():
    source = SourceFactory.create()
    original = store(ELBE, source=source)
    copy = store(ELBE)

    assert [m.pk for m, _ in article_near_duplicates(article=original)] == [copy.pk]
    assert article_near_duplicates(article=original, same_source=source) == []
    assert [
        m.pk for m, _ in article_near_duplicates(minhash=text_minhash(corpus()[ELBE]["text"]))
    ] == sorted([original.pk, copy.pk])


def test_near_duplicates_are_ordered_by_similarity():
    original = store(CALL)
    exact = store(CALL)
    edited = store(CALL, text=republished(corpus()[CALL]["text"]))

    matches = article_near_duplicates(article=original)

    assert [m.pk for m, _ in matches] == [exact.pk, edited.pk]
    assert matches[0][1] == 1.0 > matches[1][1]


def test_near_duplicates_need_an_article_or_a_signature():
    with pytest.raises(ValueError, match="article or a minhash"):
        article_near_duplicates()


def test_a_near_duplicate_carries_what_matching_and_grouping_read():
    original = store(ELBE, published_at=PUBLISHED + timedelta(microseconds=1500))
    copy = store(ELBE, published_at=None)

    [(near, similarity)] = article_near_duplicates(article=copy)

    assert similarity == 1.0
    assert (near.pk, near.source_id, near.story_id, near.title) == (
        original.pk,
        original.source_id,
        None,
        original.title,
    )
    assert near.published_at == original.published_at
    assert near.published_at.utcoffset() == timedelta(0)


def test_an_unreadable_stored_signature_is_skipped():
    original = store(CALL)
    broken = store(CALL)
    Article.objects.filter(pk=broken.pk).update(minhash=b"\x00garbage")

    assert [m.pk for m, _ in article_near_duplicates(article=original)] == []
    broken.refresh_from_db()
    assert article_near_duplicates(article=broken) == []


def test_the_candidate_look_up_costs_the_same_queries_with_many_unrelated_articles():
    original = store(CALL)
    copy = store(CALL, text=republished(corpus()[CALL]["text"]))
    with CaptureQueriesContext(connection) as few:
        assert [m.pk for m, _ in article_near_duplicates(article=copy)] == [original.pk]

    for identifier in corpus():
        if identifier != CALL:
            store(identifier)
    with CaptureQueriesContext(connection) as many:
        assert [m.pk for m, _ in article_near_duplicates(article=copy)] == [original.pk]

    assert Article.objects.count() > 50
    assert len(many) == len(few) == 2


def test_the_candidate_look_up_can_use_the_band_index():
    original = store(CALL)
    store(ELBE)
    with CaptureQueriesContext(connection) as queries:
        article_near_duplicates(article=original)

    lookup = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a table this small a sequential scan is cheaper; ask whether the index serves.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {lookup}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "news_duplicateband" in lookup
    assert "news_duplic_band_44cb55_idx" in plan


# --- stories ------------------------------------------------------------------------------


def test_identical_copies_on_two_sources_form_one_story_with_the_earliest_canonical():
    original = store(ELBE, published_at=PUBLISHED)
    copy = store(ELBE, published_at=PUBLISHED + timedelta(hours=3), title="Elbe anniversary")

    article_story_assign(article=original)
    story = article_story_assign(article=copy)

    assert story is not None
    original, copy = reload(original, copy)
    assert original.story_id == copy.story_id == story.pk
    assert story.canonical_article_id == original.pk
    assert story.title == original.title
    assert Story.objects.count() == 1


def test_the_original_becomes_canonical_even_when_its_copy_was_stored_first():
    copy = store(CALL, text=republished(corpus()[CALL]["text"]), published_at=PUBLISHED)
    original = store(CALL, published_at=PUBLISHED - timedelta(minutes=40))

    story = article_story_assign(article=original)

    assert story is not None
    assert story.canonical_article_id == original.pk
    assert story.title == corpus()[CALL]["title"]
    assert reload(copy)[0].story_id == story.pk


def test_a_later_copy_joins_the_story_and_never_displaces_the_original():
    original = store(CALL, published_at=PUBLISHED)
    first_copy = store(CALL, text=republished(corpus()[CALL]["text"]))
    story = article_story_assign(article=first_copy)
    assert story is not None

    late = store(CALL, published_at=PUBLISHED + timedelta(days=1), title="Перепечатка")
    undated = store(CALL, published_at=None, title="Без даты")
    article_story_assign(article=late)
    article_story_assign(article=undated)

    story.refresh_from_db()
    assert Story.objects.count() == 1
    assert set(story.articles.values_list("pk", flat=True)) == {
        original.pk,
        first_copy.pk,
        late.pk,
        undated.pk,
    }
    assert story.canonical_article_id == original.pk


def fresh(identifier: str, **fields) -> tuple[Article, int | None]:
    """A just-created article put through article_fresh_deduplicate, as the ingest does."""
    item = corpus()[identifier]
    minhash = article_minhash(title=item["title"], lead="", text=item["text"])
    fields.setdefault("title", item["title"])
    fields.setdefault("published_at", PUBLISHED)
    article = ArticleFactory.create(
        lead="",
        language=item["lang"],
        paragraphs=[{"role": "paragraph", "text": p} for p in item["text"].split("\n\n")],
        minhash=minhash_bytes(minhash),
        **fields,
    )
    matches = article_near_duplicates(minhash=minhash, exclude_id=article.pk)
    return article, article_fresh_deduplicate(article=article, minhash=minhash, matches=matches)


def test_fresh_copies_form_a_story_then_join_it_and_an_earlier_one_becomes_canonical():
    original, none = fresh(ELBE)
    late, story_id = fresh(ELBE, published_at=PUBLISHED + timedelta(hours=2), title="Copy")
    undated, _ = fresh(ELBE, published_at=None, title="Undated copy")
    later, _ = fresh(ELBE, published_at=PUBLISHED + timedelta(days=1), title="Later copy")

    assert none is None
    assert story_id is not None
    story = Story.objects.get()
    assert story.pk == story_id
    assert story.canonical_article_id == original.pk
    assert set(story.articles.values_list("pk", flat=True)) == {
        original.pk,
        late.pk,
        undated.pk,
        later.pk,
    }
    assert DuplicateBand.objects.filter(article=later).count() == BANDS

    earliest, joined = fresh(ELBE, published_at=PUBLISHED - timedelta(minutes=5), title="First")

    story.refresh_from_db()
    assert joined == story.pk
    assert story.canonical_article_id == earliest.pk
    assert story.title == "First"


def test_a_fresh_article_without_near_duplicates_joins_nothing():
    fresh(ELBE)
    lonely, story_id = fresh(CALL)

    assert story_id is None
    assert reload(lonely)[0].story_id is None
    assert DuplicateBand.objects.filter(article=lonely).count() == BANDS


def test_copies_published_at_the_same_moment_make_the_lowest_id_canonical():
    first = store(ELBE)
    second = store(ELBE)

    story = article_story_assign(article=second)

    assert story is not None
    assert story.canonical_article_id == first.pk == min(first.pk, second.pk)


def test_undated_copies_give_way_to_a_dated_one():
    undated = store(ELBE, published_at=None)
    dated = store(ELBE, published_at=PUBLISHED + timedelta(days=365))

    story = article_story_assign(article=undated)

    assert story is not None
    assert story.canonical_article_id == dated.pk


def test_russian_copies_with_retyped_quotes_and_yo_form_one_story():
    original = store(EXPERT_GROUPS_RU)
    text = corpus()[EXPERT_GROUPS_RU]["text"]
    copy = store(EXPERT_GROUPS_RU, text=text.replace("ё", "е").replace("«", '"').replace("»", '"'))

    story = article_story_assign(article=copy)

    assert story is not None
    assert story.canonical_article_id == original.pk


def test_an_article_without_near_duplicates_has_no_story():
    store(EXPERT_GROUPS_RU)
    lonely = store(CALL)

    assert article_story_assign(article=lonely) is None
    assert reload(lonely)[0].story_id is None
    assert Story.objects.count() == 0


def test_articles_on_the_same_talks_do_not_share_a_story():
    russia = store(
        "whitehouse-2025-03-25-outcomes-of-the-united-states-and-russia-expert-groups-on"
    )
    ukraine = store(
        "whitehouse-2025-03-25-outcomes-of-the-united-states-and-ukraine-expert-groups-on"
    )

    assert article_story_assign(article=russia) is None
    assert article_story_assign(article=ukraine) is None


def test_short_items_with_the_same_title_and_body_share_a_story_and_others_do_not():
    meeting, other_meeting = corpus()["kremlin-ru-76797"], corpus()["kremlin-ru-76675"]
    original = store("kremlin-ru-76797")
    copy = store("kremlin-ru-76797", text=meeting["text"].upper())
    other = store("kremlin-ru-76675")
    assert meeting["title"] == other_meeting["title"]

    story = article_story_assign(article=copy)

    assert story is not None
    assert story.canonical_article_id == original.pk
    assert article_story_assign(article=other) is None


def test_assigning_twice_changes_nothing_the_second_time():
    original = store(CALL)
    copy = store(CALL, text=republished(corpus()[CALL]["text"]))
    story = article_story_assign(article=copy)
    assert story is not None
    updated_at = Story.objects.get().updated_at

    with CaptureQueriesContext(connection) as queries:
        again = article_story_assign(article=copy)
        article_story_assign(article=original)

    assert again == story
    assert writes(queries) == []
    assert Story.objects.get().updated_at == updated_at


def test_deduplicate_stores_the_signature_and_assigns_the_story():
    original = store(ELBE)
    copy = ArticleFactory.create(
        title="Elbe",
        lead="",
        paragraphs=[{"role": "paragraph", "text": corpus()[ELBE]["text"]}],
        published_at=PUBLISHED + timedelta(hours=1),
    )

    story = article_deduplicate(article=copy)

    assert story is not None
    assert story.canonical_article_id == original.pk
    assert DuplicateBand.objects.filter(article=copy).count() == BANDS


def test_an_article_whose_text_changed_leaves_its_story_and_a_lone_article_has_none():
    original = store(CALL)
    copy = store(CALL, text=republished(corpus()[CALL]["text"]))
    article_story_assign(article=copy)
    story_id = reload(copy)[0].story_id

    copy.paragraphs = [{"role": "paragraph", "text": corpus()[ELBE]["text"]}]
    copy.save()
    assert article_deduplicate(article=copy) is None

    original, copy = reload(original, copy)
    assert copy.story_id is None
    assert original.story_id is None
    assert not Story.objects.filter(pk=story_id).exists()


def test_when_the_canonical_article_leaves_the_next_earliest_takes_over():
    original = store(CALL, published_at=PUBLISHED)
    second = store(CALL, published_at=PUBLISHED + timedelta(hours=1), title="Второй")
    third = store(CALL, published_at=PUBLISHED + timedelta(hours=2), title="Третий")
    for article in (original, second, third):
        article_story_assign(article=article)

    original.paragraphs = [{"role": "paragraph", "text": corpus()[EXPERT_GROUPS_RU]["text"]}]
    original.save()
    article_deduplicate(article=original)

    story = Story.objects.get()
    assert set(story.articles.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert story.canonical_article_id == second.pk
    assert story.title == "Второй"
    assert reload(original)[0].story_id is None


def test_an_article_whose_text_changed_to_another_story_moves_there():
    a1 = store(CALL)
    a2 = store(CALL)
    b1 = store(ELBE)
    b2 = store(ELBE)
    article_story_assign(article=a2)
    article_story_assign(article=b2)
    moving = store(CALL)
    article_story_assign(article=moving)

    moving.paragraphs = [{"role": "paragraph", "text": corpus()[ELBE]["text"]}]
    moving.save()
    story = article_deduplicate(article=moving)

    a1, a2, b1 = reload(a1, a2, b1)
    assert story is not None
    assert story.pk == b1.story_id
    assert a1.story_id == a2.story_id is not None
    assert Story.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_copies_assigned_at_the_same_time_end_in_one_story():
    copies = [store(ELBE, published_at=PUBLISHED + timedelta(minutes=i)) for i in range(4)]
    start = threading.Barrier(len(copies))
    errors: list[Exception] = []

    def assign(article: Article) -> None:
        try:
            start.wait(timeout=10)
            article_story_assign(article=article)
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(article,)) for article in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    story = Story.objects.get()
    assert set(story.articles.values_list("pk", flat=True)) == {a.pk for a in copies}
    assert story.canonical_article_id == copies[0].pk


def test_story_refresh_of_a_missing_story_is_none():
    assert story_refresh(story_id=987654) is None


# --- the same article at a new URL --------------------------------------------------------


def test_a_retitled_article_at_a_new_url_is_matched_to_the_stored_one():
    source = SourceFactory.create()
    stored = store(ELBE, source=source)
    item = corpus()[ELBE]
    lead, text = item["text"].split("\n\n", 1)

    incoming = article_minhash(
        title="Putin and Trump mark 75 years since the meeting on the Elbe", lead=lead, text=text
    )

    assert article_same_source_match(source=source, minhash=incoming) == stored
    assert article_same_source_match(source=source, minhash=incoming, exclude_id=stored.pk) is None
    assert article_same_source_match(source=SourceFactory.create(), minhash=incoming) is None


def test_an_article_with_a_line_added_is_the_same_but_one_half_rewritten_is_not():
    source = SourceFactory.create()
    stored = store(CALL, source=source)
    text = corpus()[CALL]["text"]
    paragraphs = text.split("\n\n")
    half = len(paragraphs) // 2
    rewritten = "\n\n".join([*paragraphs[:half], corpus()[EXPERT_GROUPS_RU]["text"]])

    edited = text_minhash(republished(text))

    assert article_same_source_match(source=source, minhash=edited) == stored
    assert article_same_source_match(source=source, minhash=text_minhash(rewritten)) is None


def test_another_article_of_the_same_source_is_not_the_same_article():
    source = SourceFactory.create()
    store(CALL, source=source)
    store(EXPERT_GROUPS_RU, source=source)

    assert (
        article_same_source_match(
            source=source, minhash=text_minhash(corpus()["kremlin-ru-76259"]["text"])
        )
        is None
    )
