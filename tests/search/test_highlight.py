"""Highlights and snippets: the query's word forms in <mark>, everything else escaped."""

from __future__ import annotations

import re

from newsdesk.search.highlight import highlight, snippet
from newsdesk.search.terms import query_parse


def test_every_form_of_a_query_word_is_marked():
    stems = query_parse("Япония threat").stems
    assert highlight("Японии грозит threats; Япония — threat", stems) == (
        "<mark>Японии</mark> грозит <mark>threats</mark>; <mark>Япония</mark> — <mark>threat</mark>"
    )


def test_text_and_markup_in_it_are_escaped():
    stems = query_parse("script alert").stems
    result = highlight('<script>alert("x")</script> & <b>', stems)
    assert result == (
        "&lt;<mark>script</mark>&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/<mark>script</mark>&gt;"
        " &amp; &lt;b&gt;"
    )
    assert "<script" not in result and "<b>" not in result


def test_a_word_with_a_stress_mark_is_marked_whole():
    assert highlight("в Япо\u0301нии", query_parse("Япония").stems) == "в <mark>Япо\u0301нии</mark>"


def test_snippet_shows_the_text_around_the_first_match_between_whole_words():
    before = " ".join(f"before{n}" for n in range(200))
    after = " ".join(f"after{n}" for n in range(200))
    text = f"{before} Japanese threats {after}"
    result = snippet(text, query_parse("threat").stems, length=120)
    assert result.startswith("… ") and result.endswith(" …")
    assert "<mark>threats</mark>" in result
    words = result.replace("<mark>", "").replace("</mark>", "").split()[1:-1]
    assert all(re.fullmatch(r"before\d+|after\d+|Japanese|threats", word) for word in words)
    assert " ".join(words) in text
    assert len(result) < 200


def test_snippet_without_a_match_is_the_start_of_the_text():
    text = "First words. " + "more " * 100
    result = snippet(text, query_parse("absent").stems, length=60)
    assert result.startswith("First words.") and result.endswith(" …")
    assert "<mark>" not in result


def test_short_snippet_is_the_whole_text_with_whitespace_collapsed():
    assert snippet("Угроза\n\n  угрозы", query_parse("угроза").stems) == (
        "<mark>Угроза</mark> <mark>угрозы</mark>"
    )
