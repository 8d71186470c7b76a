"""Highlights: the words of a text that match a query's stems, in <mark>, everything escaped."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from newsdesk.search.terms import stem, words

# About how many characters of the text a snippet shows around the first match.
SNIPPET_LENGTH = 240
ELLIPSIS = "…"
# How far a snippet's edge moves to fall between two words.
WORD_REACH = 30


def _matches(text: str, stems: frozenset[str]) -> Iterable[tuple[int, int]]:
    """The (start, end) of each word of TEXT whose stem is one of STEMS, in order, once each."""
    last = -1
    for start, end, word in words(text):
        if start != last and stem(word) in stems:
            last = start
            yield start, end


def has_match(text: str, stems: frozenset[str]) -> bool:
    """Whether a word of TEXT has one of STEMS."""
    return next(iter(_matches(text, stems)), None) is not None


def highlight(text: str, stems: frozenset[str]) -> SafeString:
    """TEXT escaped for HTML, with each word whose stem is in STEMS wrapped in <mark>."""
    parts: list[str] = []
    position = 0
    for start, end in _matches(text, stems):
        parts += [escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>"]
        position = end
    parts.append(escape(text[position:]))
    # Every piece of the text went through escape(): only our <mark> tags are markup.
    return mark_safe("".join(parts))  # noqa: S308


def snippet(text: str, stems: frozenset[str], *, length: int = SNIPPET_LENGTH) -> SafeString:
    """About LENGTH characters of TEXT around its first matching word, highlighted; the start
    of the text when no word matches. Whitespace is collapsed; cuts fall between words."""
    text = " ".join(text.split())
    if len(text) <= length:
        return highlight(text, stems)
    first = next(iter(_matches(text, stems)), None)
    start = max(0, first[0] - length // 3) if first else 0
    end = min(len(text), start + length)
    start = max(0, end - length)
    # Widen to whole words: back to the space before START, on to the space after END
    # (a word longer than WORD_REACH is cut instead).
    if start > 0:
        space = text.rfind(" ", max(0, start - WORD_REACH), start)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.find(" ", end, end + WORD_REACH)
        end = space if space >= 0 else end
    body = highlight(text[start:end], stems)
    prefix = ELLIPSIS + " " if start > 0 else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return mark_safe(prefix + body + suffix)  # noqa: S308
