"""search_articles over the real index (SQLite FTS5, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from newsdesk.news.models import Translation
from newsdesk.search import selectors
from newsdesk.search.index import article_index, index_rebuild
from newsdesk.search.selectors import SearchResults, search_articles
from tests.factories import (
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
    TranslationFactory,
)
from tests.search.conftest import indexed

pytestmark = pytest.mark.django_db


def titles(results: SearchResults) -> list[str]:
    return [hit.article.title for hit in results.hits]


# Word forms


def test_a_russian_word_finds_its_other_forms():
    japan = indexed("Визит в Токио", "Япония и Россия обсудили мирный договор.", language="ru")
    threat = indexed("Заявление МИД", "Это прямая угроза безопасности.", language="ru")
    indexed("Другое", "Ничего общего.", language="ru")

    assert [h.article for h in search_articles("Японии").hits] == [japan]
    assert [h.article for h in search_articles("угрозы").hits] == [threat]
    assert [h.article for h in search_articles("японию угрозе").hits] == []


def test_an_english_word_finds_its_other_forms():
    threat = indexed("Statement", "The minister called it a threat to security.")
    countries = indexed("Summit", "Leaders of many countries met in Geneva.")

    assert [h.article for h in search_articles("threats").hits] == [threat]
    assert [h.article for h in search_articles("Country").hits] == [countries]


def test_english_words_in_a_russian_article_and_yo_are_found():
    article = indexed("Санкции", "Министр назвал это threats, а ёлку поставили.", language="ru")

    assert [h.article for h in search_articles("threat").hits] == [article]
    assert [h.article for h in search_articles("елка").hits] == [article]


# Machine translations


def translated(article, title, text, *, language="en", status=Translation.Status.DONE):
    """A translation of ARTICLE with this title and one-paragraph body, then the article indexed
    again (as enrichment does once it has translated)."""
    row = TranslationFactory.create(
        article=article,
        language=language,
        title=title,
        lead="",
        paragraphs=[{"role": "paragraph", "text": text}],
        status=status,
    )
    article_index(article)
    return row


def test_an_article_is_found_by_words_of_its_translation_shown_in_the_translation():
    article = indexed("Заявление МИД", "Это прямая угроза безопасности.", language="ru")
    row = translated(article, "Foreign Ministry statement", "This is a direct threat to security.")
    english = indexed("Statement", "Nothing about it.", language="en")

    hits = search_articles("threats").hits
    assert [hit.article for hit in hits] == [article]
    assert hits[0].translation == row
    assert hits[0].language == "en"
    assert hits[0].title == "Foreign Ministry statement"
    assert "<mark>threat</mark>" in hits[0].snippet
    # Found in the original, it is shown in the original.
    hits = search_articles("угрозы").hits
    assert [(hit.article, hit.translation, hit.language) for hit in hits] == [(article, None, "ru")]
    assert "<mark>угроза</mark>" in hits[0].snippet
    assert [hit.article for hit in search_articles("statement").hits] == [english, article]
    # A word of the original and one of the translation: the document holds both.
    assert [hit.article for hit in search_articles("угроза security").hits] == [article]


def test_unfinished_translations_are_not_searched_and_a_new_one_replaces_the_old():
    pending = indexed("Учения", "Флот провёл учения.", language="ru")
    translated(pending, "Drills", "The fleet held naval drills.", status=Translation.Status.PENDING)
    failed = indexed("Парад", "Парад прошёл.", language="ru")
    translated(failed, "Parade", "The naval parade took place.", status=Translation.Status.FAILED)
    done = indexed("Флот", "Флот вышел в море.", language="ru")
    row = translated(done, "Fleet", "The fleet went to sea for naval drills.")

    assert [hit.article for hit in search_articles("naval").hits] == [done]
    row.paragraphs = [{"role": "paragraph", "text": "The fleet went to sea."}]
    row.save()
    article_index(done)
    assert search_articles("naval").hits == []
    assert [hit.article for hit in search_articles("sea").hits] == [done]


def test_a_rebuild_indexes_translations_too():
    article = indexed("Заявление", "Текст.", language="ru")
    TranslationFactory.create(
        article=article,
        title="Statement",
        lead="",
        paragraphs=[{"role": "paragraph", "text": "Sanctions."}],
    )
    assert search_articles("sanction").hits == []

    index_rebuild()

    assert [hit.article for hit in search_articles("sanction").hits] == [article]


def test_translations_cost_one_query_only_when_a_hit_was_found_by_one(django_assert_num_queries):
    for n in range(3):
        article = indexed(f"Патруль {n}", "Патруль у берегов.", language="ru")
        translated(article, f"Patrol {n}", "A patrol off the coast.")

    with django_assert_num_queries(2):
        assert len(search_articles("патрули").hits) == 3
    with django_assert_num_queries(3):
        assert {hit.language for hit in search_articles("patrols").hits} == {"en"}


def test_every_word_must_match():
    both = indexed("Japan and Russia", "Talks on a peace treaty.")
    indexed("Japan alone", "Talks on trade.")

    assert [h.article for h in search_articles("japan treaty").hits] == [both]
    assert search_articles("japan").total == 2


def test_a_quoted_phrase_needs_its_words_in_order():
    phrase = indexed("Statement", "The foreign minister of Japan arrived.")
    indexed("Other", "The minister said foreign trade grew.")

    assert [h.article for h in search_articles('"foreign minister"').hits] == [phrase]
    assert search_articles("foreign minister").total == 2


def test_a_title_match_ranks_above_a_body_match_then_newer_first():
    now = timezone.now()
    body = indexed(
        "Weekly review",
        "Markets were calm. A drone was seen.",
        published_at=now - timedelta(days=1),
    )
    title_old = indexed("Drone over the border", "", published_at=now - timedelta(days=3))
    title_new = indexed("Drone over the border", "", published_at=now - timedelta(days=2))

    assert [h.article for h in search_articles("drones").hits] == [title_new, title_old, body]


# Filters


def test_language_filter():
    russian = indexed("Москва", "Переговоры в Москве (Moscow talks).", language="ru")
    english = indexed("Moscow talks", "Talks in Moscow.", language="en")

    assert {h.article for h in search_articles("moscow").hits} == {russian, english}
    assert [h.article for h in search_articles("moscow", language="ru").hits] == [russian]
    assert [h.article for h in search_articles("moscow", language="en").hits] == [english]


def test_source_filter_takes_a_source_or_its_id():
    wire, agency = SourceFactory.create(), SourceFactory.create()
    from_wire = indexed("Drill in the Baltic", "", source=wire)
    indexed("Drill in the Pacific", "", source=agency)

    assert [h.article for h in search_articles("drill", source=wire).hits] == [from_wire]
    assert [h.article for h in search_articles("drill", source=wire.pk).hits] == [from_wire]


def test_entity_filter_keeps_articles_that_mention_it():
    japan = EntityFactory.create(slug="japan", name_en="Japan")
    mentioning = indexed("Talks in Tokyo", "Japan hosts talks.")
    indexed("Talks in Seoul", "Korea hosts talks.")
    MentionFactory.create(article=mentioning, entity=japan)

    assert [h.article for h in search_articles("talks", entity=japan).hits] == [mentioning]
    assert [h.article for h in search_articles("talks", entity=japan.pk).hits] == [mentioning]


def test_date_filters_are_whole_days_in_the_current_time_zone(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    with timezone.override("Europe/Moscow"):
        moscow = timezone.get_current_timezone()
        first = indexed(
            "Summit day one", "", published_at=datetime(2024, 5, 1, 0, 30, tzinfo=moscow)
        )
        second = indexed(
            "Summit day two", "", published_at=datetime(2024, 5, 2, 23, 59, tzinfo=moscow)
        )
        indexed("Summit day three", "", published_at=datetime(2024, 5, 3, 0, 0, tzinfo=moscow))
        indexed("Summit undated", "", published_at=None)

        found = search_articles("summit", date_from=date(2024, 5, 1), date_to=date(2024, 5, 2))
        assert {h.article for h in found.hits} == {first, second}
        assert [h.article for h in search_articles("summit", date_to=date(2024, 5, 1)).hits] == [
            first
        ]
        assert search_articles("summit", date_from=date(2024, 5, 2)).total == 2
        assert search_articles("summit").total == 4


# Each text once


def test_a_story_is_listed_once_by_its_canonical_article():
    story = StoryFactory.create()
    canonical = indexed("Missile test reported", "", story=story)
    indexed("Missile test reported", "", story=story)
    story.canonical_article = canonical
    story.save()
    alone = indexed("Missile test condemned", "")

    assert {h.article for h in search_articles("missile").hits} == {canonical, alone}
    assert search_articles("missile").total == 2


# Pages and counts


def test_pages_cover_every_result_once_and_a_page_past_the_end_is_the_last():
    now = timezone.now()
    for n in range(25):
        indexed(f"Convoy report {n}", "", published_at=now - timedelta(hours=n))

    pages = [search_articles("convoy", page=n, per_page=10) for n in (1, 2, 3)]

    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 and p.pages == 3 and not p.capped for p in pages)
    assert len({h.article.pk for p in pages for h in p.hits}) == 25
    assert titles(pages[0])[0] == "Convoy report 0"
    assert pages[0].has_next and not pages[0].has_previous
    assert pages[2].has_previous and not pages[2].has_next
    assert pages[2].first_number == 21
    assert search_articles("convoy", page=99, per_page=10).page == 3
    assert search_articles("convoy", page=-5, per_page=10).page == 1
    assert search_articles("convoy", page=10**30, per_page=10).page == 3


def test_count_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    for n in range(8):
        indexed(f"Blockade {n}", "")

    results = search_articles("blockade", per_page=2, page=10)

    assert results.total == 5 and results.capped
    assert results.pages == 3 and results.page == 3


def test_past_the_cap_only_the_newest_matches_are_ranked(monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    now = timezone.now()
    indexed("Convoy convoy convoy", "", published_at=now - timedelta(days=9))
    newest = [
        indexed(f"Report {n}", "A convoy passed.", published_at=now - timedelta(days=n))
        for n in range(1, 5)
    ]

    results = search_articles("convoy", per_page=10)

    assert results.capped and results.total == 3
    # The oldest article matches best but lies past the newest COUNT_CAP + 1 matches.
    assert {h.article for h in results.hits} <= set(newest)
    assert "Convoy convoy convoy" not in titles(results)


def test_a_search_costs_two_queries_and_none_without_words(django_assert_num_queries):
    for n in range(5):
        indexed(f"Patrol {n}", "", source=SourceFactory.create())

    with django_assert_num_queries(2):
        results = search_articles("patrol")
        assert [hit.article.source.name for hit in results.hits]
    with django_assert_num_queries(1):
        assert search_articles("absentword").hits == []
    with django_assert_num_queries(0):
        assert search_articles(" !!! ").hits == []


# Highlights


def test_title_and_snippet_mark_the_matching_forms_and_escape_the_rest():
    indexed(
        "Япония: <script>alert('x')</script>",
        "Вступление. " * 40 + "Японии грозит <b>опасность</b>. " + "Окончание. " * 40,
        language="ru",
    )

    hit = search_articles("япония").hits[0]

    assert hit.title == ("<mark>Япония</mark>: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")
    assert "<mark>Японии</mark> грозит &lt;b&gt;опасность&lt;/b&gt;" in hit.snippet
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert "<script" not in hit.snippet and "<b>" not in hit.snippet


# Hostile queries


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"""',
        "*",
        "threat*",
        "NEAR(threat sanction)",
        "threat OR sanction",
        "threat AND NOT sanction",
        "-threat",
        "^threat",
        "title:threat",
        '"unbalanced threat',
        "'; DROP TABLE news_article; --",
        "threat\x00sanction",
        "!@#$%^&*()_+{}|:<>?",
        "x" * 10_000,
        "угроза " * 2_000,
        "(((",
        "\\",
        "%_",
    ],
)
def test_hostile_queries_never_fail(query):
    indexed("Threat of sanctions", "A threat and a sanction.")

    results = search_articles(query)

    assert isinstance(results, SearchResults)
    assert results.total == len(results.hits)
