"""Words, stems and queries: what the index stores and what a search box's text becomes."""

from __future__ import annotations

import pytest

from newsdesk.search.terms import QUERY_MAX_UNITS, document, query_parse, stem, stems, words


@pytest.mark.parametrize(
    ("forms", "language"),
    [
        (["Япония", "Японии", "Японию", "Японией"], "ru"),
        (["угроза", "угрозы", "угрозе", "угроз"], "ru"),
        (["threat", "threats", "Threats"], "en"),
        (["country", "countries"], "en"),
    ],
)
def test_word_forms_share_one_stem(forms, language):
    assert len({stem(word) for _s, _e, word in words(" ".join(forms))}) == 1


def test_words_are_lower_cased_with_yo_as_ye_and_without_stress_marks_or_soft_hyphens():
    assert [w for _s, _e, w in words("Ёлка Япо\u0301ния Mos\u00adcow")] == [
        "елка",
        "япония",
        "moscow",
    ]
    assert stems("Япо\u0301нии") == stems("Японии")


def test_word_offsets_point_at_the_original_text():
    text = "«Япо\u0301ния», threats!"
    assert [text[s:e] for s, e, _w in words(text)] == ["Япо\u0301ния", "threats"]


def test_document_is_the_stems_separated_by_spaces():
    assert document("Министр Японии: threats, 2024") == "министр япон threat 2024"


def test_query_words_and_quoted_phrases_are_units():
    query = query_parse('Японии "foreign minister" «мирный атом» threats')
    assert query.units == (
        ("японии",),
        ("foreign", "minister"),
        ("мирный", "атом"),
        ("threats",),
    )
    assert query.stems == {"япон", "foreign", "minist", "мирн", "ат", "threat"}


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ('"unbalanced quote', (("unbalanced",), ("quote",))),
        ('a" b', (("a",), ("b",))),
        ("NEAR(a b) OR c*", (("near",), ("a",), ("b",), ("or",), ("c",))),
        ("-x ^y +z", (("x",), ("y",), ("z",))),
        ("'; DROP TABLE news_article; --", (("drop",), ("table",), ("news",), ("article",))),
        ('""', ()),
        ("*** !!! ... \"\" '' ^", ()),
        ("\x00\x01", ()),
        ("", ()),
    ],
)
def test_query_syntax_is_never_passed_on(text, units):
    assert query_parse(text).units == units


def test_repeated_words_count_once_and_long_queries_are_cut():
    assert query_parse("threat threat Threat").units == (("threat",),)
    many = " ".join(f"w{n}" for n in range(100))
    assert len(query_parse(many).units) == QUERY_MAX_UNITS
