"""The language of a text, among the languages a site expects (lingua).

A site about Russian and English news does not need to weigh 75 languages: restricting lingua
to the expected ones (settings.NEWSDESK_LANGUAGES) makes it faster and more accurate. A text
in none of them comes out as the closest expected one (German as English): a site that
publishes German adds it to the expected languages.

Two cases need more than one call:

- Very short texts (a title, a caption): statistics say little about a dozen letters, but the
  script often says all: with Russian and English expected, Cyrillic is Russian and Latin is
  English. When the script does not decide, the caller's fallback (the source's language)
  stands, with confidence 0.
- Mixed texts (an English article quoting a Russian statement at length): when letters of
  two scripts each hold a real share, the text is split into single-language runs and each
  language gets its share of the letters; the largest share is the text's language, and
  `mixed` says another one has a real share. Texts mixing languages of one script (English
  and German) are judged as a whole: the cheaper path, since that case is rare here.

A text is judged by its first MAX_CHARS characters (about 1.5 ms for an article).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import regex
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Below this many letters a text is too short for statistics; only its script can decide.
MIN_LETTERS = 24
# A text is judged by its beginning: an article is in one language, or mixed early.
MAX_CHARS = 5_000
# A second language with at least this share of the letters makes a text mixed.
MIXED_SHARE = 0.2
# Scripts that tell languages apart at a glance, and the languages written in each (as far
# as the shortcut needs to know; others are left to statistics).
_SCRIPTS: dict[str, frozenset[str]] = {
    "Cyrillic": frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "mn", "tg", "ky"}),
    "Latin": frozenset(),  # every other language lingua knows in Latin letters, see below
    "Han": frozenset({"zh", "ja"}),
    "Hiragana": frozenset({"ja"}),
    "Katakana": frozenset({"ja"}),
    "Hangul": frozenset({"ko"}),
    "Arabic": frozenset({"ar", "fa", "ur"}),
    "Hebrew": frozenset({"he"}),
    "Greek": frozenset({"el"}),
    "Armenian": frozenset({"hy"}),
    "Georgian": frozenset({"ka"}),
}
_NOT_LATIN = frozenset().union(*_SCRIPTS.values()) | {"hi", "mr", "bn", "th", "ta", "te", "gu"}
_SCRIPT_LETTERS = {name: regex.compile(rf"\p{{Script={name}}}") for name in _SCRIPTS}

_lock = threading.Lock()


class LanguageError(ValueError):
    """A language code that lingua does not know."""


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """What detect_language decided: an ISO 639-1 code ("" when it cannot tell)."""

    code: str
    confidence: float
    # Share of the text's letters per language.
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def mixed(self) -> bool:
        """True when a second language holds a real share of the text."""
        return sum(1 for share in self.shares.values() if share >= MIXED_SHARE) > 1


def detect_language(
    text: str, *, languages: Sequence[str] = ("ru", "en"), fallback: str = ""
) -> LanguageGuess:
    """The language of TEXT among LANGUAGES (ISO 639-1 codes); FALLBACK when it cannot tell.

    Raises LanguageError for a code lingua does not know, TypeError for a non-string.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    expected = _languages(tuple(sorted({code.lower() for code in languages})))
    sample = text[:MAX_CHARS]
    scripts = {name: len(pattern.findall(sample)) for name, pattern in _SCRIPT_LETTERS.items()}
    letters = sum(scripts.values())
    if letters == 0:
        return LanguageGuess(fallback, 0.0)
    main = max(scripts, key=lambda name: scripts[name])
    if letters < MIN_LETTERS:
        by_script = _by_script(main, expected)
        return LanguageGuess(by_script, 1.0) if by_script else LanguageGuess(fallback, 0.0)
    detector = _detector(expected)
    if sum(1 for count in scripts.values() if count >= MIXED_SHARE * letters) > 1:
        # Letters of two scripts in earnest: split the text into single-language runs.
        runs = detector.detect_multiple_languages_of(sample)
        shares = _shares(sample, [(r.start_index, r.end_index, r.language) for r in runs])
        if shares:
            code = max(shares, key=lambda c: shares[c])
            confidence = detector.compute_language_confidence(sample, _language(code))
            return LanguageGuess(code, round(confidence, 4), shares)
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].value == 0:
        by_script = _by_script(main, expected)
        return LanguageGuess(by_script or fallback, 1.0 if by_script else 0.0)
    code = _code(values[0].language)
    return LanguageGuess(code, round(values[0].value, 4), {code: 1.0})


def _shares(text: str, runs: Iterable[tuple[int, int, Language]]) -> dict[str, float]:
    """Share of the letters of TEXT in each language's runs."""
    counts: dict[str, int] = {}
    for start, end, language in runs:
        code = _code(language)
        counts[code] = counts.get(code, 0) + sum(1 for c in text[start:end] if c.isalpha())
    total = sum(counts.values())
    if not total:
        return {}
    return {code: round(count / total, 4) for code, count in counts.items() if count}


def _by_script(script: str, expected: tuple[Language, ...]) -> str:
    """The one expected language written in SCRIPT, or "" when none or several are."""
    codes = [_code(language) for language in expected]
    if script == "Latin":
        candidates = [code for code in codes if code not in _NOT_LATIN]
    else:
        candidates = [code for code in codes if code in _SCRIPTS[script]]
    return candidates[0] if len(candidates) == 1 else ""


def _language(code: str) -> Language:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError as exc:
        raise LanguageError(f"unknown language code {code!r}") from exc


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


@cache
def _languages(codes: tuple[str, ...]) -> tuple[Language, ...]:
    if not codes:
        raise LanguageError("no languages expected")
    return tuple(_language(code) for code in codes)


def _detector(languages: tuple[Language, ...]) -> LanguageDetector:
    """One detector per set of languages, built once per process (building loads models)."""
    with _lock:
        return _build(languages)


@cache
def _build(languages: tuple[Language, ...]) -> LanguageDetector:
    if len(languages) == 1:
        # lingua needs two languages to compare; a site of one language still gets a
        # confidence that tells its language from English.
        extra = Language.ENGLISH if languages[0] != Language.ENGLISH else Language.RUSSIAN
        languages = (*languages, extra)
    return LanguageDetectorBuilder.from_languages(*languages).build()
