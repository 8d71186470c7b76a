"""Name comparison for entity linking: transliteration, lenient keys, Russian lemmas, similarity.

The same man is "Andrey Rudenko", "Andrei Rudenko" and "Андрей Руденко"; the same prime minister
"Kishida", "Kisida" and "Кисида". `name_key` turns a name into a comparison key on which such
variants are equal, and different names stay apart: Cyrillic is transliterated, then a short,
documented list of folding rules (FOLDS and the functions that apply them) removes the
differences that transliteration systems and newsrooms make. `name_keys` gives the keys an alias
is indexed under, `russian_lemma_phrase` brings an inflected Russian name to the nominative
("Андрея Руденко" -> "Андрей Руденко") before it is keyed, and `similar` scores two keys for
one-letter variants that the rules do not fold.

The rules are lenient on purpose: a key may merge two rare names (the table says which merges
are accepted); the catalog keeps its own aliases distinct, and the linker decides with the
context of the text.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Transliteration: Russian Cyrillic -> Latin as English-language news write names.
#
# The scheme is BGN/PCGN (1947) without its diacritics and apostrophes, the spelling of names in
# TASS's and most agencies' English services (Sergey Lavrov, Andrey Rudenko, Dmitry Peskov):
#   а a   б b   в v   г g   д d   е e/ye   ё yo/e   ж zh   з z   и i   й y   к k   л l   м m
#   н n   о o   п p   р r   с s   т t   у u   ф f   х kh   ц ts   ч ch   ш sh   щ shch   ъ -
#   ы y   ь -   э e   ю yu   я ya
# - е is "ye" at the start of a word and after a vowel, й, ь or ъ (Yevgeny, Sergeyev,
#   Vasilyev), "e" elsewhere (Lavrov's patronymic Viktorovich, Medvedev).
# - ё is "yo" (Pyotr, Fyodor, Artyom) but "e" after ж, ч, ш, щ, where English news spell it so
#   (Gorbachev, Khrushchev) and "yo" would be unpronounceable.
# - Word-final -ий and -ый are "y" (Dmitry, Zelensky, Yury); ь and ъ are dropped.
# - The Ukrainian letters that reach Russian texts in names: і i, ї yi, є ye, ґ g; Belarusian ў w.
# Capitalization follows the source: "Щ" -> "Shch", a word all in capitals stays so ("ШОС" ->
# "SHOS"). Any other character passes through unchanged. (name_key reads ё after a consonant as
# е first, since Russian print mostly drops the dots: its keys do not depend on them.)
# ---------------------------------------------------------------------------------------------

_CYRILLIC_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "w",
    # Other Cyrillic letters, for names quoted in Serbian, Macedonian or Kazakh spelling.
    "ђ": "dj",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "dz",
    "ѓ": "gj",
    "ќ": "kj",
    "ѕ": "dz",
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
}
_RU_VOWELS = frozenset("аеёиоуыэюяіїє")
# After these, е is written "ye" (BGN/PCGN): Yevgeny, Sergeyev, Vasilyev.
_YE_AFTER = _RU_VOWELS | frozenset("йьъ")
_II_YI = frozenset("иы")
# After these, ё is written "e": Gorbachev, Khrushchev.
_YO_AS_E_AFTER = frozenset("жчшщ")
_CYRILLIC_LETTERS = "".join(_CYRILLIC_LATIN) + "".join(_CYRILLIC_LATIN).upper()
_CYRILLIC_WORD = re.compile(f"[{_CYRILLIC_LETTERS}]+")
# A word pymorphy2 may analyze: Cyrillic, possibly hyphenated (Северо-Западный).
_CYRILLIC_TOKEN = re.compile(r"[а-яёА-ЯЁ]+(?:-[а-яёА-ЯЁ]+)*")
# The stress mark that dictionaries and pycountry's translations put on Russian vowels.
_STRESS_MARKS = str.maketrans({"\u0301": None, "\u0300": None})


def transliterate_ru(text: str) -> str:
    """Russian Cyrillic in TEXT to Latin (BGN/PCGN without diacritics); other characters kept."""
    return _CYRILLIC_WORD.sub(_transliterate_word, text.translate(_STRESS_MARKS))


def _transliterate_word(match: re.Match[str]) -> str:
    """One Cyrillic word in Latin letters, capitalized as the source was."""
    word = match.group()
    lower = word.lower()
    parts: list[str] = []
    for index, letter in enumerate(lower):
        previous = lower[index - 1] if index else ""
        if letter == "е" and (not previous or previous in _YE_AFTER):
            latin = "ye"
        elif letter == "ё" and previous in _YO_AS_E_AFTER:
            latin = "e"
        elif letter == "й" and index and index == len(lower) - 1 and previous in _II_YI:
            # -ий, -ый: the ending is written "y" alone (Dmitry, Zelensky).
            parts[-1] = "Y" if parts[-1].isupper() else "y"
            latin = ""
        else:
            latin = _CYRILLIC_LATIN[letter]
        if word[index].isupper() and latin:
            latin = latin.upper() if _all_caps(word) else latin[0].upper() + latin[1:]
        parts.append(latin)
    return "".join(parts)


def _all_caps(word: str) -> bool:
    """Whether WORD is written in capitals (an acronym such as ШОС), not just capitalized."""
    return len(word) > 1 and word.isupper()


# ---------------------------------------------------------------------------------------------
# Comparison keys.
# ---------------------------------------------------------------------------------------------

# Letters that NFD does not decompose into a base letter and a mark.
_LATIN_EXTRA = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)
# Apostrophes join (O'Brien = OBrien, Zelens'kyi = Zelenskyi, d'Ivoire); other punctuation,
# hyphens and spaces separate words.
_APOSTROPHES = re.compile(r"['’ʼ‘`´]")
_NON_WORD = re.compile(r"[\W_]+")
# Initials and acronyms written with dots ("U.S.", "U.N.", "В.В."): the letters join.
_DOTTED = re.compile(r"(?<!\w)((?:[^\W\d_]\.){2,})")
# A short letter prefix hyphenated to a number is one token: G-7 = G7, Су-57 = Су57, F-35.
_PREFIX_NUMBER = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,3})-(\d)")

_VOWELS = "aeiou"
_CONSONANT = "[b-df-hj-np-tv-z]"

# The folding rules, applied in this order to each word of a transliterated, lower-case name.
# (pattern, replacement, what it makes equal / the false merge it accepts).
FOLDS: tuple[tuple[str, str, str], ...] = (
    ("x", "ks", "Alexei = Aleksei, Maxim = Maksim; pinyin Xi -> ksi, merges nothing"),
    ("kh", "h", "Mikhail = Mihail, Хиросима = Hiroshima; accepts Khan = Han"),
    (
        rf"(?<=[{_VOWELS}])y(?={_CONSONANT})",
        "i",
        "й before a consonant: Shoygu = Shoigu, Baykal = Baikal, Keyko = Keiko",
    ),
)
# Word endings, applied when at least MIN_STEM letters stay before them (so "Lei", "Wei", "Yi",
# "Roy" keep theirs: Li and Lei are different Chinese surnames).
MIN_STEM = 3
ENDING_FOLDS: tuple[tuple[str, str, str], ...] = (
    (
        r"(?:iy|yi|ii|ij|yj|ey|ei|ej|yy)$",
        "i",
        "-ий/-ей: Andrey = Andrei = Andrej, Sergey = Sergei, Dmitriy = Dmitrii, Zelenskyy",
    ),
    (rf"(?<={_CONSONANT})y$", "i", "-ий as y: Dmitry = Dmitri, Zelensky; Kennedy -> kennedi"),
    (r"(?<=[aou])y$", "i", "-ай/-ой: Nikolay = Nikolai, Tolstoy = Tolstoi"),
)
# After the Japanese rules (below): the glides that transliteration systems write differently.
GLIDE_FOLDS: tuple[tuple[str, str, str], ...] = (
    ("ye", "e", "е: Yevgeny = Evgeny, Sergeyev = Sergeev, Yerevan = Erevan, Matviyenko"),
    (
        rf"(?<={_CONSONANT})ie(?={_CONSONANT})",
        "e",
        "-ьев/-иев: Vasiliev = Vasilyev, Dmitriev = Dmitriyev; accepts Daniel -> danel",
    ),
    (
        rf"(?<={_CONSONANT})yo",
        "e",
        "ё after a consonant, often printed е: Fyodor = Fedor = Фёдор, Pyotr = Petr, "
        "Nenbyon = Нёнбён = Ненбен; Hepburn kyo/ryo = Polivanov кё/рё",
    ),
    ("ya", "ia", "я: Mariya = Maria, Natalya = Natalia, Ilya = Ilia"),
    ("yu", "iu", "ю: Ilyushin = Iliushin, Yury = Iury"),
)
# Japanese names in Russian (Polivanov) transcription, folded from Hepburn so that Kishida =
# Kisida = Кисида, Shinzo = Синдзо, Hayashi = Хаяси. Applied only to words made entirely of
# Japanese syllables (JAPANESE_WORD) with at least two vowels, because "sh" and "s" are different
# letters in Russian names. Accepted merges: China -> tina (= Tina), Mishin = Misin, Chile -> tile.
# Left out as not worth their merges: ch+a/u/o -> ty (ちゃ, rare in names) and j+a/u/o -> zy
# (じゃ: Junichiro), which would turn Japan, Joe and Jose into "ziapan", "ze", "zose".
JAPANESE_FOLDS: tuple[tuple[str, str, str], ...] = (
    ("shi", "si", "し: Kishida = Кисида, Hiroshima = Хиросима"),
    ("sh", "sy", "しゃ/しゅ/しょ: Shoji -> syozi = Сёдзи, Kyushu = Кюсю"),
    ("chi", "ti", "ち: Takaichi = Такаити, Chiba = Тиба"),
    ("dz", "z", "Polivanov дз for Hepburn z/j: Синдзо = Shinzo"),
    ("ji", "zi", "じ: Fujii = Фудзии, Kenji = Кэндзи"),
    ("wa", "va", "わ: Okinawa = Окинава"),
    ("wo", "o", "を (wo) is Polivanov о"),
    ("m(?=[bp])", "n", "ん before b/p: Shimbun = Симбун"),
)
JAPANESE_WORD = re.compile(
    r"^(?:(?:([kstp])(?=\1))?(?:sh|ch|ts|dzy?|[kgsztdnhbpmr]y|[kgsztdnhbpmrfjwvy])?[aiueo]"
    r"|n|m(?=[bp]))+$"
)
MIN_JAPANESE_VOWELS = 2


def _compile(table: tuple[tuple[str, str, str], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The patterns of a folding table, compiled."""
    return tuple((re.compile(pattern), replacement) for pattern, replacement, _ in table)


_FOLDS = _compile(FOLDS)
_ENDING_FOLDS = _compile(ENDING_FOLDS)
_GLIDE_FOLDS = _compile(GLIDE_FOLDS)
_JAPANESE_FOLDS = _compile(JAPANESE_FOLDS)
# An acronym in capitals is kept as transliterated: at most this many letters (NATO, АСЕАН).
MAX_ACRONYM = 5
# Folding repeats until the word no longer changes (a word settles in two or three rounds; the
# cap only bounds the loop).
MAX_FOLD_ROUNDS = 5
# Doubled letters collapse last: Puttin = Putin, Kirill = Kiril, Hokkaido = Hokaido, Mariia.
_DOUBLED = re.compile(r"([^\W\d_])\1+")


def name_key(name: str) -> str:
    """A lenient comparison key: equal for spelling and transliteration variants of one name.

    NFKC, stress marks dropped, dotted acronyms joined ("U.S." -> "us"), apostrophes dropped,
    every other non-letter a word break, a leading English article dropped ("the Kremlin" =
    "Kremlin", "The Gambia" = "Gambia"); each word case-folded, ё after a consonant read as е,
    Cyrillic transliterated, accents dropped (Türkiye, Côte); then folded by FOLDS,
    ENDING_FOLDS, JAPANESE_FOLDS (Japanese-looking words only) and GLIDE_FOLDS with doubled
    letters collapsed, until nothing changes. A word in capitals of at most MAX_ACRONYM letters
    is an acronym and is not folded (EEU is not EU, ООН stays "oon"). Digits stay ("G7" ->
    "g7"). An empty or punctuation-only name gives "".
    """
    if not isinstance(name, str):
        raise TypeError(f"a name is a str, not {type(name).__name__}")
    text = unicodedata.normalize("NFKC", name).translate(_STRESS_MARKS)
    text = _DOTTED.sub(lambda match: match.group().replace(".", ""), text)
    text = _PREFIX_NUMBER.sub(r"\1\2", text)
    words = _NON_WORD.sub(" ", _APOSTROPHES.sub("", text)).split()
    if len(words) > 1 and words[0].casefold() == "the":
        words = words[1:]
    # A word of marks or signs alone (ь, a combining accent) leaves nothing.
    return " ".join(key for key in map(_key_word, words) if key)


# Names repeat their words (first names, "of", "republic"): a word's key is kept once made.
KEY_WORD_CACHE = 65_536


@functools.lru_cache(maxsize=KEY_WORD_CACHE)
def _key_word(word: str) -> str:
    """One word of a name as a word of its key (see name_key)."""
    acronym = word.isupper() and len(word) <= MAX_ACRONYM
    word = unicodedata.normalize("NFD", transliterate_ru(_soften_yo(word.casefold())))
    word = "".join(char for char in word if not unicodedata.combining(char))
    # Again after the accents go: ѝ and ѐ (Bulgarian, Macedonian) decompose into и and е.
    word = transliterate_ru(word).translate(_LATIN_EXTRA)
    if acronym:
        return word
    # Each rule can make a pattern for an earlier one ("nnyye" -> "nnye" -> "nye"): repeat.
    for _ in range(MAX_FOLD_ROUNDS):
        folded = _fold_word(word)
        if folded == word:
            break
        word = folded
    return word


def _soften_yo(text: str) -> str:
    """ё after a consonant as е: Russian print drops the dots (Нёнбён = Ненбен, Пётр = Петр)."""
    return re.sub(r"(?<=[б-дж-зк-нп-тф-щ])ё", "е", text)


def _fold_word(word: str) -> str:
    """One pass of the folding tables over a word (see name_key)."""
    for pattern, replacement in _FOLDS:
        word = pattern.sub(replacement, word)
    for pattern, replacement in _ENDING_FOLDS:
        match = pattern.search(word)
        if match and match.start() >= MIN_STEM:
            word = word[: match.start()] + replacement
            break
    if _looks_japanese(word):
        for pattern, replacement in _JAPANESE_FOLDS:
            word = pattern.sub(replacement, word)
    for pattern, replacement in _GLIDE_FOLDS:
        word = pattern.sub(replacement, word)
    return _DOUBLED.sub(r"\1", word)


def _looks_japanese(word: str) -> bool:
    """Whether WORD is made of Japanese syllables (Hepburn or Polivanov) and has two vowels."""
    vowels = sum(word.count(vowel) for vowel in _VOWELS)
    return vowels >= MIN_JAPANESE_VOWELS and JAPANESE_WORD.match(word) is not None


# Words that end a Russian patronymic in a key (Vladimirovich, Viktorovna, Ilyich).
_PATRONYMIC = re.compile(r"(?:ovi?ch|evi?ch|ovna|evna|ichna|ilich)$")
# Family names written first (Xi Jinping, Wang Yi, Kim Jong Un): a person so named is called by
# the first word. The commonest Chinese and Korean family names, in English and Russian.
EAST_ASIAN_FAMILY_NAMES: tuple[tuple[str, str], ...] = (
    ("Xi", "Си"), ("Wang", "Ван"), ("Li", "Ли"), ("Lee", "Ли"), ("Zhang", "Чжан"), ("Liu", "Лю"),
    ("Chen", "Чэнь"), ("Yang", "Ян"), ("Huang", "Хуан"), ("Zhao", "Чжао"), ("Zhou", "Чжоу"),
    ("Xu", "Сюй"), ("Sun", "Сунь"), ("Hu", "Ху"), ("Guo", "Го"), ("Lin", "Линь"), ("Qin", "Цинь"),
    ("Han", "Хань"), ("Kim", "Ким"), ("Park", "Пак"), ("Choi", "Чхве"), ("Jung", "Чон"),
    ("Kang", "Кан"), ("Yoon", "Юн"), ("Moon", "Мун"),
)  # fmt: skip
_EAST_ASIAN_KEYS = frozenset(name_key(name) for pair in EAST_ASIAN_FAMILY_NAMES for name in pair)
# A short form must say more than an initial.
MIN_SHORT_KEY = 2
_LANGUAGES = frozenset({"en", "ru", ""})


def name_keys(name: str, language: str, *, person: bool = False) -> set[str]:
    """The keys an alias is indexed under: its full key, short forms for a person, acronyms.

    For a PERSON of several words also: the surname's key (the last word; the first for a
    Russian "Surname Name Patronymic" or a Chinese/Korean family name) so that "Putin" after
    "Vladimir Putin" can link, and first name + surname without middle names and initials
    ("Donald J. Trump" -> "donald trump"). A short form names a person only in the context of a
    text that names them in full: the linker decides that, these are only index keys. A dotted
    acronym also gets its letters joined ("U. S." -> "us"). LANGUAGE is the alias's ("en", "ru"
    or "" for any); keys themselves do not depend on it, since one key must match across both.
    Empty names give no keys.
    """
    if language not in _LANGUAGES:
        raise ValueError(f"unknown language {language!r}: expected 'en', 'ru' or ''")
    full = name_key(name)
    if not full:
        return set()
    keys = {full}
    acronym = re.fullmatch(r"\s*((?:[^\W\d_]\.\s*){2,})", unicodedata.normalize("NFKC", name))
    if acronym:
        keys.add(name_key(re.sub(r"[.\s]", "", acronym.group(1))))
    words = full.split()
    if person and len(words) > 1:
        surname_first = _PATRONYMIC.search(words[-1]) is not None and len(words) >= 3
        surname_first = surname_first or words[0] in _EAST_ASIAN_KEYS
        surname = words[0] if surname_first else words[-1]
        if len(surname) >= MIN_SHORT_KEY:
            keys.add(surname)
        given = [
            word
            for word in words
            if len(word) >= MIN_SHORT_KEY and word != surname and not _PATRONYMIC.search(word)
        ]
        if len(words) >= 3 and given and not surname_first:
            keys.add(f"{given[0]} {surname}")
    return keys


# ---------------------------------------------------------------------------------------------
# Russian lemmas of name phrases.
# ---------------------------------------------------------------------------------------------

# Grammemes that mark a parse as part of a person's name.
_PERSON_TAGS = frozenset({"Name", "Surn", "Patr"})
_ADJECTIVE_POS = frozenset({"ADJF", "PRTF"})
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "voct", "gen2", "loc2", "acc2")
# Breaks a tie between readings in favour of the masculine one (see _case_score).
MASCULINE_TIE = 0.001
# A capitalized word is read in the plural only as a place or an organization (Курилы, США):
# "Кисиды" is Кисида's genitive, not a plural of кисид.
_PROPER_PLURAL = frozenset({"Geox", "Orgn", "Abbr"})
# Particles inside names, which do not decline: Мухаммедом бен Сальманом, Аль Саудом, фон дер.
NAME_PARTICLES = frozenset(
    {"бен", "бин", "ибн", "аль", "эль", "ад", "ас", "ат", "аз", "ан", "де", "ди", "да", "дос"}
    | {"дель", "делла", "ла", "ле", "ван", "фон", "дер", "цу"}
)
_morph_lock = threading.Lock()
_morph_analyzer: Any = None


def _patch_pymorphy2_for_python_311() -> None:
    """Let pymorphy2 0.9 run on Python 3.11, which removed inspect.getargspec.

    pymorphy2 introspects its analyzer units' __init__ with getargspec; yargy (under natasha)
    applies the same patch on import (pymorphy2 issue #160). Done here too so that this module
    does not depend on an import order.
    """
    if hasattr(inspect, "getargspec"):
        return
    from pymorphy2.units.base import BaseAnalyzerUnit

    def _get_param_names(klass: Any) -> list[str]:
        if klass.__init__ is object.__init__:
            return []
        return sorted(inspect.getfullargspec(klass.__init__).args[1:])

    BaseAnalyzerUnit._get_param_names = classmethod(_get_param_names)


def _morph() -> Any:
    """The pymorphy2 analyzer (its dictionaries take ~0.3 s): loaded once, lazily."""
    global _morph_analyzer
    with _morph_lock:
        if _morph_analyzer is None:
            _patch_pymorphy2_for_python_311()
            import pymorphy2

            _morph_analyzer = pymorphy2.MorphAnalyzer()
        return _morph_analyzer


def russian_lemma_phrase(phrase: str) -> str:
    """An inflected Russian name phrase in the nominative, capitalization kept.

    "Андрея Руденко" -> "Андрей Руденко", "Кисиды" -> "Кисида", "Южной Кореи" -> "Южная
    Корея", "Шанхайской организации сотрудничества" -> "Шанхайская организация
    сотрудничества". The phrase's head is its first noun; adjectives before it agree with it,
    and so do the words of a name after a name-like head ("Сергея Лаврова", "Си Цзиньпином");
    what follows any other head is a complement and stays ("организации сотрудничества",
    "Министерства обороны России"). The case is the one that all these words can share with
    the most pymorphy2 probability; a person's name is read as singular. A phrase already in
    the nominative, initials, non-Cyrillic words and what comes after them, and words past the
    first MAX_PHRASE_WORDS are kept as they are. Runs of whitespace become single spaces.
    """
    if not isinstance(phrase, str):
        raise TypeError(f"a phrase is a str, not {type(phrase).__name__}")
    phrase = " ".join(phrase.split())
    pieces = _WORD_PIECE.split(phrase)
    # split() with a group alternates: separator, word, separator, ..., separator.
    words = [
        _Word.of(text) if index < MAX_PHRASE_WORDS else _Word(text, [])
        for index, text in enumerate(pieces[1::2])
    ]
    analyzed = [word for word in words if len(word.text) > 1]
    if any(word.parses for word in analyzed):
        group = _agreement_group(analyzed)
        if group:
            _inflect_group(group)
    pieces[1::2] = [word.text for word in words]
    return "".join(pieces)


# Words past these are kept unread: a name is never longer, a paragraph is no name.
MAX_PHRASE_WORDS = 16
# A word of a phrase (letters, inner hyphens); what lies between words is kept as written.
_WORD_PIECE = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)")


@dataclass(slots=True)
class _Word:
    """A word of a phrase, its pymorphy2 parses (none unless Cyrillic) and its role."""

    text: str
    parses: list[Any]
    adjective: bool = False
    candidates: list[Any] = field(default_factory=list)
    # A guessed word in a person's name: inflected if it has a reading in the case the others
    # agree on, but not heard on the case (Моди's guesses are forms of "модь").
    soft: bool = False
    # Part of a person's name after its first word.
    in_name: bool = False

    @classmethod
    def of(cls, text: str) -> _Word:
        """A word with its parses."""
        if not _CYRILLIC_TOKEN.fullmatch(text):
            return cls(text, [])
        return cls(text, list(_morph().parse(text)))

    @property
    def best(self) -> Any:
        """The most probable parse (pymorphy2 does not always list it first)."""
        return max(self.parses, key=lambda parse: parse.score)

    @property
    def capitalized(self) -> bool:
        """Whether the word starts with a capital letter."""
        return self.text[:1].isupper()

    @property
    def person(self) -> bool:
        """Whether the word is most probably a first name, surname or patronymic."""
        return bool(self.parses) and bool(_PERSON_TAGS & set(self.best.tag.grammemes))

    @property
    def indeclinable(self) -> bool:
        """Whether the word fits any case: all readings Fixd (Руденко, Си), or a particle."""
        if self.text.casefold() in NAME_PARTICLES or _all_caps(self.text):
            return True
        return all("Fixd" in parse.tag.grammemes for parse in self.parses)


def _agreement_group(words: list[_Word]) -> list[_Word]:
    """The words that take the phrase's case: adjectives, the head, a name's other words."""
    head = None
    for index, word in enumerate(words):
        if not word.parses:
            return []
        best_pos = word.best.tag.POS
        has_noun = any(parse.tag.POS == "NOUN" for parse in word.parses)
        if best_pos == "NOUN" or (has_noun and best_pos not in _ADJECTIVE_POS):
            head = index
            break
        if not any(parse.tag.POS in _ADJECTIVE_POS for parse in word.parses):
            return []
        word.adjective = True
    if head is None:
        # Adjectives alone ("Российской", "Зеленского"): each is read as a head.
        for word in words:
            word.adjective = False
        return words
    group = words[: head + 1]
    name_like = words[head].person or any("Fixd" in p.tag.grammemes for p in words[head].parses)
    name_like = name_like or (words[head].capitalized and not _is_known(words[head].text))
    for word in words[head + 1 :] if name_like else []:
        # A run of capitalized nouns after a name-like head is a person's name (Нарендра Моди).
        if not word.parses or not word.capitalized:
            break
        if not (
            word.person
            or word.indeclinable
            or any(parse.tag.POS == "NOUN" for parse in word.parses)
        ):
            break
        group.append(word)
        word.in_name = True
    return group


def _is_known(text: str) -> bool:
    """Whether pymorphy2's dictionary has the word (else its parses are guesses)."""
    return bool(_morph().word_is_known(text.lower()))


def _choose_candidates(word: _Word, *, person: bool) -> None:
    """The parses a word may take in the group; none leaves it free (kept, fits any case).

    For a person: singular first-name/surname/patronymic readings, else singular nouns, which
    for a word the dictionary does not know are soft. Indeclinable words and acronyms are free.
    """
    if word.indeclinable:
        word.candidates = []
    elif not person:
        word.candidates = [p for p in word.parses if p.tag.POS in _ADJECTIVE_POS | {"NOUN"}]
    else:
        singular = [p for p in word.parses if p.tag.number != "plur"]
        named = [p for p in singular if _PERSON_TAGS & set(p.tag.grammemes)]
        word.candidates = named or [p for p in singular if p.tag.POS == "NOUN"]
        word.soft = not named and not _is_known(word.text)


def _case_score(case: str, group: list[_Word], *, person: bool) -> float | None:
    """How likely the group's words are all in CASE: None when one of them cannot be.

    A word's share is the pymorphy2 probability of its readings in that case (singular ones
    for a person), so that "Кисида" stays nominative (0.41 against 0.39) and "Кисиды" is
    genitive. Free words (indeclinable, or with no fitting reading) add nothing, nor do soft
    ones unless nothing else would (Си Цзиньпином). Where the rest
    ties, the masculine reading wins by MASCULINE_TIE (Цзиньпина, Нёнбёна: a masculine genitive
    or a feminine nominative to pymorphy2): news name men far more often.
    """
    score = 0.0
    hard = [word for word in group if word.candidates and not word.soft]
    for word in hard or group:
        if not word.candidates:
            continue
        options = [parse for parse in word.candidates if parse.tag.case == case]
        if not options:
            return None
        readings = [
            parse
            for parse in word.parses
            if parse.tag.case == case and _plural_fits(parse, word, person=person)
        ]
        mass = sum(parse.score for parse in readings)
        if mass and max(options, key=lambda parse: parse.score).tag.gender == "masc":
            mass += MASCULINE_TIE
        score += mass
    return score


def _plural_fits(parse: Any, word: _Word, *, person: bool) -> bool:
    """Whether a reading's number fits: a person is one; a capitalized plural noun, a place."""
    if parse.tag.number != "plur" or parse.tag.POS != "NOUN":
        return True
    if person:
        return False
    return not word.capitalized or bool(_PROPER_PLURAL & set(parse.tag.grammemes))


def _inflect_group(group: list[_Word]) -> None:
    """Put the group's words in the nominative, in place, from the case they best share."""
    person = any(word.person or word.in_name for word in group)
    for word in group:
        _choose_candidates(word, person=person)
    best_case, best_score = "", -1.0
    for case in _CASES:
        score = _case_score(case, group, person=person)
        if score is not None and score > best_score:
            best_case, best_score = case, score
    if best_case in ("", "nomn") or best_score <= 0:
        # No evidence against the nominative: "Махов" has only a plural reading (of мах), and
        # a capitalized word is not read as a common plural.
        return
    chosen = _agreeing_parses(group, best_case)
    heads = [parse for word, parse in zip(group, chosen, strict=True) if not word.adjective]
    plural = not person and bool(heads) and heads[0] is not None and heads[0].tag.number == "plur"
    for word, parse in zip(group, chosen, strict=True):
        if parse is None:
            continue
        form = parse.inflect({"nomn", "plur"} if plural else {"nomn"})
        if form is not None:
            word.text = _recase(form.word, like=word.text)


def _agreeing_parses(group: list[_Word], case: str) -> list[Any]:
    """Each word's reading in CASE (None for a free word), adjectives agreeing with the head.

    The head's reading is the one that, with the adjectives that can agree with it, is most
    probable: "Черном море" is чёрное море, not the masculine мор.
    """
    adjectives = [word for word in group if word.adjective and word.candidates]
    head = next((w for w in group if not w.adjective and _in_case(w, case) and not w.soft), None)
    head_parse = None
    if head is not None:
        options = [parse for parse in head.candidates if parse.tag.case == case]

        def with_adjectives(parse: Any) -> float:
            return float(parse.score) + sum(
                max(
                    (a.score for a in _in_case(word, case) if _agrees(a, parse)),
                    default=-1.0,
                )
                for word in adjectives
            )

        head_parse = max(options, key=with_adjectives)
    chosen: list[Any] = []
    for word in group:
        options = _in_case(word, case)
        if word.adjective and head_parse is not None:
            options = [parse for parse in options if _agrees(parse, head_parse)] or options
        if word is head:
            options = [head_parse]
        chosen.append(max(options, key=lambda parse: parse.score) if options else None)
    return chosen


def _in_case(word: _Word, case: str) -> list[Any]:
    """A word's candidate readings in CASE."""
    return [parse for parse in word.candidates if parse.tag.case == case]


def _agrees(adjective: Any, noun: Any) -> bool:
    """Whether an adjective's reading agrees with a noun's in number and gender."""
    if noun.tag.number == "plur" or adjective.tag.number == "plur":
        return bool(adjective.tag.number == noun.tag.number)
    return adjective.tag.gender in (noun.tag.gender, None) or noun.tag.gender is None


def _recase(word: str, *, like: str) -> str:
    """WORD (lower case, from pymorphy2) capitalized as LIKE was, hyphenated part by part."""
    if _all_caps(like) or like[:2].isupper():
        # An acronym, also with a case ending (МИДа -> МИД).
        return word.upper()
    parts, like_parts = word.split("-"), like.split("-")
    if len(parts) != len(like_parts):
        return word[:1].upper() + word[1:] if like[:1].isupper() else word
    return "-".join(
        part[:1].upper() + part[1:] if model[:1].isupper() else part
        for part, model in zip(parts, like_parts, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# Similarity.
# ---------------------------------------------------------------------------------------------

# Jaro-Winkler: the bonus per shared leading character, for at most this many characters.
WINKLER_SCALE = 0.1
WINKLER_PREFIX = 4
# Winkler's boost applies only to pairs already this similar (his original threshold).
WINKLER_THRESHOLD = 0.7
# Jaro compares within a window that grows with the length: keys are cut to this many characters
# so that a pathological input costs milliseconds (a name is far shorter).
MAX_SIMILAR_CHARS = 200


def similar(a: str, b: str) -> float:
    """Jaro-Winkler similarity of the keys of two names, in [0, 1]; 1.0 for equal keys.

    Names agree most at their beginning, which Winkler's prefix bonus rewards. One letter off
    in a long name scores about 0.95 ("zelenskiy" / "zelenskyi" keys aside, "Lavrov" /
    "Lavrova" 0.97), unrelated names under 0.7. Short names score high on small differences
    ("ivan" / "ivana" 0.96): the linker uses this for long names only. Empty keys score 0.
    """
    key_a, key_b = name_key(a)[:MAX_SIMILAR_CHARS], name_key(b)[:MAX_SIMILAR_CHARS]
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    jaro = _jaro(key_a, key_b)
    if jaro < WINKLER_THRESHOLD:
        return jaro
    prefix = 0
    for char_a, char_b in zip(key_a[:WINKLER_PREFIX], key_b[:WINKLER_PREFIX], strict=False):
        if char_a != char_b:
            break
        prefix += 1
    return jaro + prefix * WINKLER_SCALE * (1.0 - jaro)


def _jaro(a: str, b: str) -> float:
    """Jaro similarity: matching characters within a window, discounted for transpositions."""
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    matched_b = [False] * len(b)
    matches_a: list[str] = []
    for index, char in enumerate(a):
        for other in range(max(0, index - window), min(len(b), index + window + 1)):
            if not matched_b[other] and b[other] == char:
                matched_b[other] = True
                matches_a.append(char)
                break
    if not matches_a:
        return 0.0
    matches_b = [char for char, used in zip(b, matched_b, strict=True) if used]
    transpositions = sum(x != y for x, y in zip(matches_a, matches_b, strict=True)) / 2
    count = len(matches_a)
    return (count / len(a) + count / len(b) + (count - transpositions) / count) / 3
