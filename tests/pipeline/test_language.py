"""Language detection over real texts: the demo corpus in both languages, titles, mixed texts.

The texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl): kremlin.ru and
en.kremlin.ru, President of Russia, CC BY 4.0; whitehouse.gov, public domain. Attribution and
changes: newsdesk/demo/corpus/README.md.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.pipeline.language import (
    MIN_LETTERS,
    LanguageError,
    LanguageGuess,
    detect_language,
)


@cache
def corpus() -> list[dict[str, str]]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_corpus_text_gets_its_language_with_high_confidence() -> None:
    wrong = []
    for item in corpus():
        guess = detect_language(item["text"], languages=("ru", "en"))
        if guess.code != item["lang"] or guess.confidence < 0.9 or guess.mixed:
            wrong.append((item["id"], guess))

    assert wrong == []


def test_every_corpus_title_gets_its_language() -> None:
    wrong = [
        (item["id"], item["title"], detect_language(item["title"]).code)
        for item in corpus()
        if detect_language(item["title"]).code != item["lang"]
    ]

    assert wrong == []


def test_russian_is_told_from_ukrainian_when_both_are_expected() -> None:
    russian = "Президент России провёл телефонный разговор с Президентом Соединённых Штатов."
    ukrainian = "Президент України провів телефонну розмову з Президентом Сполучених Штатів."

    assert detect_language(russian, languages=("ru", "uk", "en")).code == "ru"
    assert detect_language(ukrainian, languages=("ru", "uk", "en")).code == "uk"


def test_a_short_text_is_told_by_its_script_when_one_expected_language_uses_it() -> None:
    assert detect_language("Путин", languages=("ru", "en")) == LanguageGuess("ru", 1.0)
    assert detect_language("NATO summit", languages=("ru", "en")) == LanguageGuess("en", 1.0)


def test_a_short_text_whose_script_several_languages_share_gets_the_fallback() -> None:
    guess = detect_language("Путин", languages=("ru", "uk"), fallback="uk")

    assert guess == LanguageGuess("uk", 0.0)
    assert len("Путин") < MIN_LETTERS


def test_text_without_letters_gets_the_fallback() -> None:
    for text in ("", "   \n\t", "2023-03-07 05:33", "—— ... !!! 12345", "\x00\x01\x02"):
        assert detect_language(text, fallback="ru") == LanguageGuess("ru", 0.0)


def test_a_mixed_text_is_marked_mixed_with_each_languages_share() -> None:
    russian = next(item for item in corpus() if item["lang"] == "ru")["text"][:1500]
    english = next(item for item in corpus() if item["lang"] == "en")["text"][:1000]

    guess = detect_language(f"{russian}\n\n{english}")

    assert guess.code == "ru"
    assert guess.mixed
    assert set(guess.shares) == {"ru", "en"}
    assert 0.5 < guess.shares["ru"] < 0.75
    assert abs(sum(guess.shares.values()) - 1) < 0.001


def test_an_english_article_quoting_one_russian_phrase_is_english_and_not_mixed() -> None:
    text = next(item for item in corpus() if item["lang"] == "en")["text"][:3000]

    guess = detect_language(text + ' He called it "сверка часов".')

    assert guess.code == "en"
    assert not guess.mixed


def test_a_text_in_an_unexpected_language_comes_out_as_the_closest_expected_one() -> None:
    german = (
        "Die Außenminister trafen sich am Dienstag in Genf und vereinbarten, die Gespräche "
        "über strategische Stabilität im nächsten Monat fortzusetzen."
    )

    guess = detect_language(german, languages=("ru", "en"))

    assert guess.code == "en"
    assert detect_language(german, languages=("ru", "en", "de")).code == "de"


def test_binary_garbage_and_huge_texts_do_not_break_it() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 100
    huge = next(item for item in corpus() if item["lang"] == "ru")["text"] * 400

    assert detect_language(garbage).code in {"ru", "en", ""}
    assert detect_language(huge).code == "ru"
    assert detect_language("ж" * 1_000_000).code == "ru"


def test_a_single_expected_language_still_works() -> None:
    assert detect_language(corpus()[0]["text"], languages=("ru",)).code == corpus()[0]["lang"]


def test_unknown_codes_and_non_strings_are_refused() -> None:
    with pytest.raises(LanguageError, match="'xx'"):
        detect_language("text", languages=("ru", "xx"))
    with pytest.raises(LanguageError):
        detect_language("text", languages=())
    with pytest.raises(TypeError):
        detect_language(b"bytes")  # type: ignore[arg-type]
