"""Find the charset of fetched HTML or XML bytes and decode them, legacy Russian ones included."""

from __future__ import annotations

import codecs
import itertools
import re

import charset_normalizer

# Byte order marks, longest first: a UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The single-byte encodings Russian text has been published in. Each decodes almost any
# byte string without error, so only the text they produce can tell them apart.
CYRILLIC_CANDIDATES = ("windows-1251", "koi8-r", "mac-cyrillic", "iso-8859-5", "ibm866")

# Legacy encodings that a declaration may name wrongly (Apache's old ISO-8859-1 default,
# a CMS template's meta left at windows-1251): the bytes get a second opinion.
_SINGLE_BYTE = frozenset(
    {"cp1251", "koi8-r", "koi8-u", "mac-cyrillic", "iso8859-5", "cp866", "cp1125", "ptcp154"}
    | {"cp1252", "iso8859-1", "iso8859-15", "cp1250", "iso8859-2"}
)

# The 120 most frequent letter pairs of Russian news prose (from the kremlin.ru texts in
# the demo corpus); together they cover about 70 % of the pairs in real text.
_BIGRAM_TEXT = (
    "ст ен ро ра но ов ни ос ре пр ко то на го ор ны по ер од во ти ск ан ом те ле та де ес "
    "ва нн ой ия ог ин от он об ве ль тр ри ал ед ми со ли си не тв ат ел ки до че ме ий им "
    "ии ит ем ых ла ир да аз ие за ол мо ть ар ак сс ам ло се ци йс ей ка ас пе ет ви дн вл "
    "ди ик кт же ич зи ег нт ьн бо вы ру ис их ое ав ма уд ад ил сп ез ид ут ек из пу сл бе "
    "ду оп ая ив ся ше су вс вн нс тн ый ые ус ча кр ля"
)
_RUSSIAN_BIGRAMS = frozenset(_BIGRAM_TEXT.split())
_RUSSIAN_LOWER = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_RUSSIAN_UPPER = frozenset("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
# Non-ASCII punctuation that Russian typography uses; anything else non-ASCII and not a
# Russian letter counts against a candidate decoding.
_RUSSIAN_PUNCTUATION = frozenset("«»„“”‘’—–…№ \u00a0·°©®™€±§")
_WORD = re.compile(r"[^\W\d_]+")
# A candidate must make this share of its non-ASCII characters Russian letters, and score
# at least this much, before it is believed over the general-purpose detector.
_MIN_RUSSIAN_SHARE = 0.8
_MIN_SCORE = 0.45

_META_SCAN = 8192
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""", re.IGNORECASE
)


def sniff_charset(content: bytes, *, declared: str | None, kind: str) -> str:
    """The charset to decode CONTENT with: BOM, clean HTTP charset, the document's, detection."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    http = _checked(content, declared)
    if http:
        return http
    own = _checked(content, _document_declaration(content, kind=kind))
    if own:
        return own
    return _detect(content)


def decode_text(content: bytes, *, declared: str | None, kind: str) -> tuple[str, str]:
    """CONTENT as text and the charset it was decoded with (undecodable bytes become U+FFFD)."""
    charset = sniff_charset(content, declared=declared, kind=kind)
    codec = "utf-8-sig" if charset == "utf-8" else charset
    return content.decode(codec, errors="replace"), charset


def russian_score(text: str) -> float:
    """How much TEXT looks like Russian prose: near 1 for real text, low or below 0 for mojibake."""
    nonascii = [char for char in text if ord(char) > 127]
    if not nonascii:
        return 0.0
    letters = sum(1 for char in nonascii if char in _RUSSIAN_LOWER or char in _RUSSIAN_UPPER)
    foreign = sum(
        1
        for char in nonascii
        if char not in _RUSSIAN_LOWER
        and char not in _RUSSIAN_UPPER
        and char not in _RUSSIAN_PUNCTUATION
    )
    pairs = hits = words = 0
    miscased = 0.0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        words += 1
        # Real words are lower case, Capitalised or an ACRONYM; a wrong code page turns
        # koi8-r's lower case into windows-1251's upper case and the other way round.
        if not (word.islower() or word.isupper() or word[1:].islower()):
            miscased += 1
        elif word.isupper() and len(word) > 4:
            # Acronyms are short (США, КНР); long upper-case runs are mostly lower case
            # text read in the wrong code page.
            miscased += 0.5
        lower = word.lower()
        for first, second in itertools.pairwise(lower):
            if first in _RUSSIAN_LOWER and second in _RUSSIAN_LOWER:
                pairs += 1
                hits += (first + second) in _RUSSIAN_BIGRAMS
    if not words:
        return -1.0
    share = letters / len(nonascii)
    bigrams = hits / pairs if pairs else 0.0
    return share * bigrams - miscased / words - foreign / len(nonascii)


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    # A UTF-16/32 label on a page without a BOM is a lie: the page parsed as ASCII to get here.
    if codec.name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return codec.name


def _checked(content: bytes, declared: str | None) -> str | None:
    """DECLARED when the bytes decode cleanly with it and nothing says it is a wrong label."""
    name = _normal(declared)
    if name is None:
        return None
    if name == "utf-8":
        return "utf-8" if _is_utf8(content) else None
    try:
        text = content.decode(name)
    except UnicodeDecodeError:
        return None
    if name in _SINGLE_BYTE and not content.isascii():
        # Non-ASCII bytes that are valid UTF-8 are UTF-8: legacy text almost never is.
        if _is_utf8(content):
            return "utf-8"
        best, score = _best_cyrillic(content)
        if best and _label(name) != best and score - russian_score(text) > 0.3:
            return best
    return _label(name)


def _document_declaration(content: bytes, *, kind: str) -> str | None:
    head = content[:_META_SCAN]
    prolog = _XML_ENCODING.match(head)
    if prolog:
        return prolog.group(1).decode("ascii")
    if kind == "html":
        meta = _META_CHARSET.search(head)
        if meta:
            return meta.group(1).decode("ascii")
    return None


def _detect(content: bytes) -> str:
    if content.isascii() or _is_utf8(content):
        return "utf-8"
    best, _score = _best_cyrillic(content)
    if best:
        return best
    matches = charset_normalizer.from_bytes(content)
    guess = matches.best()
    if guess is None:
        return "utf-8"
    # Short Western text fits a dozen code pages equally well; browsers assume
    # windows-1252 for unlabelled pages, so it wins a tie.
    for match in matches:
        close = match.chaos <= guess.chaos + 0.01 and match.coherence >= guess.coherence - 0.1
        if close and "cp1252" in match.could_be_from_charset:
            return "windows-1252"
    return _label(guess.encoding)


def _best_cyrillic(content: bytes) -> tuple[str | None, float]:
    """The Russian code page that turns CONTENT into convincing Russian, if one does."""
    best: str | None = None
    best_score = _MIN_SCORE
    for name in CYRILLIC_CANDIDATES:
        try:
            text = content.decode(name)
        except UnicodeDecodeError:
            continue
        nonascii = [char for char in text if ord(char) > 127]
        russian = sum(1 for char in nonascii if char in _RUSSIAN_LOWER or char in _RUSSIAN_UPPER)
        if not nonascii or russian / len(nonascii) < _MIN_RUSSIAN_SHARE:
            continue
        score = russian_score(text)
        if score > best_score:
            best, best_score = name, score
    return best, best_score


def _is_utf8(content: bytes) -> bool:
    """Valid UTF-8, allowing a character cut in half at the very end (a capped body)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(content, final=False)
    except UnicodeDecodeError:
        return False
    return True


# Python's codec names for the web's usual labels (Python's codecs accept both).
_LABELS = {
    "cp1251": "windows-1251",
    "cp1252": "windows-1252",
    "cp1250": "windows-1250",
    "iso8859-5": "iso-8859-5",
    "cp866": "ibm866",
    "iso8859-1": "iso-8859-1",
    "iso8859-2": "iso-8859-2",
    "iso8859-15": "iso-8859-15",
    "ascii": "utf-8",
}


def _label(name: str) -> str:
    """The usual web label for a charset name (codecs.lookup accepts it back)."""
    python = codecs.lookup(name).name
    return _LABELS.get(python, python)
