"""Duplicate detection: normalized content hashes, word shingles, MinHash signatures, LSH bands.

Exact copies are found by `content_hash` (re-typed copies hash the same), near-duplicates by
MinHash (datasketch) over word shingles. A signature is split into `BANDS` bands of `ROWS`
hash values; two articles that agree on every value of at least one band become candidates.
The chance of that for two texts of Jaccard similarity s is 1 - (1 - s**ROWS)**BANDS, an
S-curve that rises around (1/BANDS)**(1/ROWS): with 128 permutations in 16 bands of 8 rows it
is ≈ 0.71, so pairs at 0.8 are found 95% of the time, at 0.9 99.99%, at 0.5 only 6%.
Candidates are then confirmed against the estimated similarity (`jaccard`).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from collections.abc import Iterable
from functools import cache
from typing import cast

import numpy as np
import numpy.typing as npt
import regex
from datasketch import LeanMinHash, MinHash

NUM_PERM = 128
# Fixed so that signatures computed by any process, on any machine, at any time compare. It
# also tells signature generations apart (minhash_from_bytes refuses another one): 20240501
# hashed shingles with SHA-1, this one with CRC-32 (migration news 0004 recomputed them).
SEED = 20261129
# datasketch's collision-free 32-bit permutations (its default since 2.0); named explicitly
# so that a future default cannot silently change stored signatures.
SCHEME = "affine32"
BANDS = 16
ROWS = NUM_PERM // BANDS
# Where the band S-curve rises (≈ 0.71): pairs well above it are almost always candidates.
BAND_THRESHOLD = (1 / BANDS) ** (1 / ROWS)
SHINGLE_SIZE = 5
# A longer text is fingerprinted by its beginning only (some 25,000 words): copies share
# their beginning, and a multi-megabyte page must not cost seconds.
MAX_CHARS = 200_000
# A body shorter than this does not identify an article alone (a caption, a one-line item):
# its title is fingerprinted with it.
MIN_BODY_WORDS = 40
# Little-endian, unpadded: the stored bytes are the same on every platform.
_BYTE_ORDER = "<"
_EMPTY = np.uint32(0xFFFFFFFF)

# Quotation marks and dashes people type interchangeably (NFKC leaves them distinct).
_UNIFY = str.maketrans(
    {
        **dict.fromkeys("«»„“”‟″〝〞＂", '"'),
        **dict.fromkeys("‘’‚‛′`´ʼ", "'"),
        **dict.fromkeys("‐‑‒–—―−⸺⸻﹘﹣－", "-"),
    }
)
_WORD = re.compile(r"\w+")
_FORMAT = regex.compile(r"\p{Cf}+")


class SignatureError(ValueError):
    """Bytes that are not a MinHash signature made by this module."""


def normalize_text(text: str) -> str:
    """Text as words only: NFKC, case-folded, ё as е, quotes, dashes and punctuation dropped.

    What remains is the words joined by single spaces, so copies that differ only in quotes,
    dashes, spacing, soft hyphens, letter case or ё/е normalize the same.
    """
    text = unicodedata.normalize("NFKC", text)
    # Format characters (soft hyphen, zero-width space and joiner) sit inside words.
    text = _FORMAT.sub("", text)
    text = text.casefold().replace("ё", "е").translate(_UNIFY)
    return " ".join(_WORD.findall(text))


def content_hash(*, title: str, text: str) -> str:
    """SHA-256 (hex) of the normalized title and text: equal for trivially re-typed copies."""
    normalized = f"{normalize_text(title)}\n{normalize_text(text)}"
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def shingles(text: str, *, size: int = SHINGLE_SIZE) -> set[str]:
    """The word n-grams of a normalized text; a text of fewer words gives one shorter shingle.

    An empty text has no shingles. Only the first MAX_CHARS characters count.
    """
    return _word_shingles(normalize_text(text[:MAX_CHARS]).split(), size=size)


def _word_shingles(words: list[str], *, size: int) -> set[str]:
    """The n-grams of a list of words (see shingles)."""
    if size < 1:
        raise ValueError("shingle size must be positive")
    if not words:
        return set()
    size = min(size, len(words))
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def text_minhash(text: str) -> LeanMinHash:
    """The MinHash signature of a text's word shingles (NUM_PERM values, fixed seed)."""
    return shingles_minhash(shingles(text))


def article_minhash(*, title: str, lead: str, text: str) -> LeanMinHash:
    """An article's signature: its lead and body, with the title only when the body is short.

    Titles are what republishers and editors change most, so a long body stands alone and a
    retitled copy still matches; a short body does not identify an article without its title.
    """
    words = normalize_text(f"{lead}\n\n{text}"[:MAX_CHARS]).split()
    if len(words) < MIN_BODY_WORDS:
        words = normalize_text(title).split() + words
    return shingles_minhash(_word_shingles(words, size=SHINGLE_SIZE))


def article_signatures(*, title: str, lead: str, text: str) -> tuple[str, LeanMinHash]:
    """content_hash(title, text) and article_minhash(title, lead, text), normalizing once."""
    if len(lead) + len(text) + 2 > MAX_CHARS:
        return content_hash(title=title, text=text), article_minhash(
            title=title, lead=lead, text=text
        )
    body, head = normalize_text(text), normalize_text(title)
    digest = hashlib.sha256(f"{head}\n{body}".encode()).hexdigest()
    words = f"{normalize_text(lead)} {body}".split()
    if len(words) < MIN_BODY_WORDS:
        words = head.split() + words
    return digest, shingles_minhash(_word_shingles(words, size=SHINGLE_SIZE))


def shingles_minhash(items: Iterable[str]) -> LeanMinHash:
    """The MinHash signature of a set of strings (an empty set gives the empty signature).

    Each shingle is hashed to 32 bits with CRC-32 (zlib, in C), not datasketch's default
    SHA-1 through Python: five times faster, and as good here, since the permutations that
    follow spread the values and a text has some thousand shingles, not billions.
    """
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        scheme=SCHEME,
        permutations=_permutations(),
        hashfunc=zlib.crc32,
    )
    minhash.update_batch([item.encode("utf-8") for item in items])
    return LeanMinHash(minhash)


@cache
def _permutations() -> npt.NDArray[np.uint32]:
    """The permutation parameters for SEED, drawn once per process (they are deterministic)."""
    template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return cast(npt.NDArray[np.uint32], template.permutations)


def minhash_is_empty(minhash: MinHash) -> bool:
    """True for the signature of a text without words, which must match nothing."""
    return bool(np.all(minhash.hashvalues == _EMPTY))


def minhash_bytes(minhash: MinHash) -> bytes:
    """The signature as datasketch's LeanMinHash bytes (seed, scheme, values; little-endian)."""
    lean = minhash if isinstance(minhash, LeanMinHash) else LeanMinHash(minhash)
    buffer = bytearray(lean.bytesize(byteorder=_BYTE_ORDER))
    lean.serialize(buffer, byteorder=_BYTE_ORDER)
    return bytes(buffer)


SIGNATURE_BYTES = len(
    minhash_bytes(LeanMinHash(seed=SEED, hashvalues=[0] * NUM_PERM, scheme=SCHEME))
)


def minhash_from_bytes(data: bytes | bytearray | memoryview) -> LeanMinHash:
    """The signature stored by minhash_bytes; raises SignatureError for anything else."""
    data = bytes(data)  # PostgreSQL hands bytea over as a memoryview
    if len(data) != SIGNATURE_BYTES:
        raise SignatureError(f"a signature has {SIGNATURE_BYTES} bytes, not {len(data)}")
    try:
        minhash = LeanMinHash.deserialize(data, byteorder=_BYTE_ORDER)
    except (ValueError, struct.error) as exc:
        raise SignatureError(f"not a MinHash signature: {exc}") from exc
    if minhash.seed != SEED or minhash.scheme != SCHEME or len(minhash) != NUM_PERM:
        raise SignatureError("a MinHash signature made with other parameters")
    return minhash


def band_keys(minhash: MinHash, *, bands: int = BANDS) -> list[tuple[int, str]]:
    """The LSH bands of a signature as (band number, 16-hex-digit key); none for an empty text."""
    if bands < 1 or len(minhash) % bands:
        raise ValueError(f"{len(minhash)} hash values do not split into {bands} bands")
    if minhash_is_empty(minhash):
        return []
    rows = len(minhash) // bands
    values = np.asarray(minhash.hashvalues, dtype="<u4")
    return [
        (
            band,
            hashlib.blake2b(
                values[band * rows : (band + 1) * rows].tobytes(), digest_size=8
            ).hexdigest(),
        )
        for band in range(bands)
    ]


def jaccard(a: MinHash, b: MinHash) -> float:
    """The estimated Jaccard similarity of two signatures; 0 when either text had no words."""
    if minhash_is_empty(a) or minhash_is_empty(b):
        return 0.0
    return float(a.jaccard(b))
