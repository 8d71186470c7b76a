"""Words and stems: one tokenizer and stemmer for documents, queries and highlights."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex
import snowballstemmer

# A run of letters and digits, with the marks, soft hyphens and zero-width characters that
# may sit inside a word ("Япо́ния" with a stress mark, "Mos\u00adcow" with a soft hyphen).
_RUN = regex.compile(r"[\p{L}\p{N}\p{M}\u00ad\u200b-\u200d\u2060]+")
# Stress marks and invisible characters: dropped, so the word is found with or without them.
_IGNORED = regex.compile(r"[\u0300\u0301\u00ad\u200b-\u200d\u2060]")
# A word as stored: letters and digits only, so FTS5's unicode61 tokenizer keeps it whole.
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_LATIN = regex.compile(r"\p{Latin}")
_QUOTES = str.maketrans(dict.fromkeys("“”„«»", '"'))
# Longer "words" are identifiers or junk: they are kept as they are, not stemmed.
STEM_MAX_LENGTH = 40
# A query's words and phrases beyond this are ignored (each is one more condition).
QUERY_MAX_UNITS = 16

_local = threading.local()


def _stemmers() -> tuple[Any, Any]:
    """This thread's Russian and English stemmers (a Snowball stemmer keeps state per call)."""
    pair: tuple[Any, Any] | None = getattr(_local, "stemmers", None)
    if pair is None:
        pair = (snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english"))
        _local.stemmers = pair
    return pair


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of a normalized word: Russian rules for Cyrillic, English for Latin."""
    if len(word) > STEM_MAX_LENGTH:
        return word
    russian, english = _stemmers()
    if _CYRILLIC.search(word):
        return str(russian.stemWord(word))
    if _LATIN.search(word):
        return str(english.stemWord(word))
    return word


def has_cyrillic(text: str) -> bool:
    """Whether TEXT has a Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """Each word of TEXT as (start, end, normalized word): lower-cased, ё as е, no stress marks.

    A run that normalizes to several words ("a\u0308b" with a stray mark) yields each of them
    with the run's offsets.
    """
    for run in _RUN.finditer(text):
        word = run.group().lower().replace("ё", "е")
        if word.isalnum():  # letters and digits only: the common case, already normal
            yield run.start(), run.end(), word
            continue
        normalized = _IGNORED.sub("", unicodedata.normalize("NFC", run.group())).lower()
        for word in _WORD.findall(normalized.replace("ё", "е")):
            yield run.start(), run.end(), word


def stems(text: str) -> list[str]:
    """The stems of TEXT's words, in order."""
    return [stem(word) for _start, _end, word in words(text)]


def document(text: str) -> str:
    """TEXT as the full-text index stores it on SQLite: its stems separated by spaces."""
    return " ".join(stems(text))


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query: words and "quoted phrases", each a tuple of normalized words.

    Every unit must match (AND); a phrase's words must follow one another.
    """

    units: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.units)

    @property
    def stems(self) -> frozenset[str]:
        """The stems of every word of the query (highlighting marks the words with these)."""
        return frozenset(stem(word) for unit in self.units for word in unit)

    def stemmed_units(self) -> list[tuple[str, ...]]:
        """Each unit's words as stems, in order."""
        return [tuple(stem(word) for word in unit) for unit in self.units]


def query_parse(text: str) -> Query:
    """The words and "quoted phrases" of a search box's text; everything else (operators,
    punctuation, unbalanced quotes) is ignored, so no input can be query syntax."""
    parts = text.translate(_QUOTES).split('"')
    units: list[tuple[str, ...]] = []
    for index, part in enumerate(parts):
        found = tuple(word for _start, _end, word in words(part))
        # Odd parts sit between two quotes, unless the last quote is never closed.
        if index % 2 == 1 and index < len(parts) - 1 and len(found) > 1:
            units.append(found)
        else:
            units.extend((word,) for word in found)
    unique = list(dict.fromkeys(units))[:QUERY_MAX_UNITS]
    return Query(units=tuple(unique))
