"""Duplicate detection over real texts: content hashes, shingles, MinHash signatures and bands.

The texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl): kremlin.ru and
en.kremlin.ru, President of Russia, CC BY 4.0; whitehouse.gov, public domain. Attribution and
changes: newsdesk/demo/corpus/README.md.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from functools import cache

import pytest
from datasketch import LeanMinHash

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.pipeline.dedup import (
    BAND_THRESHOLD,
    BANDS,
    MAX_CHARS,
    NUM_PERM,
    SIGNATURE_BYTES,
    SignatureError,
    article_minhash,
    band_keys,
    content_hash,
    jaccard,
    minhash_bytes,
    minhash_from_bytes,
    minhash_is_empty,
    normalize_text,
    shingles,
    text_minhash,
)

NEAR_DUPLICATE = 0.8
# Long enough for small edits to leave most shingles intact: 140 to 510 words.
LONG_TEXTS = [
    "kremlin-en-63277",
    "whitehouse-2021-06-16-u-s-russia-presidential-joint-statement-on-strategic",
    "kremlin-ru-76477",
    "kremlin-ru-76259",
]


@cache
def corpus() -> dict[str, dict[str, str]]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["id"]: item for item in map(json.loads, filter(None, lines))}


def text_of(identifier: str) -> str:
    return corpus()[identifier]["text"]


def retyped(text: str) -> str:
    """The same text typed by another site: other quotes and dashes, е for ё, odd spacing."""
    return (
        text.replace("“", "«")
        .replace("”", "»")
        .replace("’", "'")
        .replace(" – ", " — ")
        .replace("ё", "е")
        .replace(". ", ".  ")
        .replace(", ", ",\u00a0")
        .replace("\n\n", "\n \n")
    )


def republished(text: str, language: str) -> str:
    """An agency text as another site runs it: retyped, one word changed, a sentence added."""
    words = text.split(" ")
    middle = len(words) // 2
    words[middle] = "reportedly" if language == "en" else "якобы"
    added = (
        "The text was distributed by the agency's wire."
        if language == "en"
        else "Текст распространён по ленте агентства."
    )
    return retyped(" ".join(words)) + "\n\n" + added


def test_normalize_text_unifies_what_copies_retype():
    assert normalize_text("«Ёлка» — “это” ＲＩＹＡＤＨ don’t") == "елка это riyadh don t"
    assert normalize_text("co\u00adoperation\u200b in\u00a0 Minsk\n\n\t– 2025") == (
        "cooperation in minsk 2025"
    )
    # Decomposed й and ё compose under NFKC.
    assert normalize_text("и\u0306ё е\u0308") == "йе е"


def test_normalize_text_of_punctuation_only_is_empty():
    assert normalize_text("«» — … !!! \n\t") == ""
    assert normalize_text("") == ""


def test_content_hash_is_equal_for_a_retyped_copy():
    item = corpus()["kremlin-ru-76477"]

    original = content_hash(title=item["title"], text=item["text"])
    copy = content_hash(title=item["title"].upper(), text=retyped(item["text"]))

    assert copy == original
    assert len(original) == 64
    assert int(original, 16) >= 0


def test_content_hash_changes_with_a_word_of_title_or_text():
    item = corpus()["kremlin-en-63277"]
    original = content_hash(title=item["title"], text=item["text"])

    assert content_hash(title=item["title"] + " (updated)", text=item["text"]) != original
    assert content_hash(title=item["title"], text=item["text"].replace("Elbe", "Oder")) != (
        original
    )


def test_content_hash_tells_title_words_from_text_words():
    assert content_hash(title="Talks in", text="Riyadh") != content_hash(
        title="Talks", text="in Riyadh"
    )


def test_content_hash_survives_hostile_characters():
    hostile = "\x00\ud800 lone surrogate \udfff\u202e reversed \ufeff" + "\u0301" * 1000

    digest = content_hash(title=hostile, text=hostile)

    assert digest == content_hash(title="lone surrogate reversed", text="lone surrogate reversed")


def test_shingles_are_five_word_windows_of_normalized_text():
    assert shingles("Россия и США провели переговоры в Эр-Рияде.") == {
        "россия и сша провели переговоры",
        "и сша провели переговоры в",
        "сша провели переговоры в эр",
        "провели переговоры в эр рияде",
    }


def test_shingles_of_a_text_shorter_than_the_size_are_one_shorter_shingle():
    assert shingles("Заявление Президента России") == {"заявление президента россии"}
    assert shingles("Statement", size=5) == {"statement"}
    assert shingles("Joint statement", size=1) == {"joint", "statement"}


def test_shingles_of_an_empty_text_are_none():
    assert shingles("") == set()
    assert shingles(" — «» ") == set()


def test_shingles_refuse_a_size_below_one():
    with pytest.raises(ValueError, match="positive"):
        shingles("some text", size=0)


def test_shingles_of_a_huge_text_are_those_of_its_beginning():
    huge = " ".join(f"w{i}" for i in range(MAX_CHARS))

    result = shingles(huge)

    assert result == shingles(huge[:MAX_CHARS])
    assert "w1000 w1001 w1002 w1003 w1004" in result
    assert f"w{MAX_CHARS - 1}" not in " ".join(result)


def test_a_huge_text_and_its_beginning_have_the_same_signature():
    text = text_of("kremlin-ru-76781") * 1000

    assert minhash_bytes(text_minhash(text)) == minhash_bytes(text_minhash(text[:MAX_CHARS]))


@pytest.mark.parametrize("identifier", LONG_TEXTS)
def test_a_republished_agency_text_is_a_near_duplicate(identifier):
    item = corpus()[identifier]

    similarity = jaccard(
        text_minhash(item["text"]), text_minhash(republished(item["text"], item["lang"]))
    )

    assert similarity >= NEAR_DUPLICATE


@pytest.mark.parametrize("identifier", LONG_TEXTS)
def test_a_retyped_copy_has_the_same_signature(identifier):
    text = text_of(identifier)

    assert minhash_bytes(text_minhash(retyped(text))) == minhash_bytes(text_minhash(text))


def test_a_copy_without_its_first_paragraph_is_still_a_near_duplicate():
    text = text_of("kremlin-ru-76477")

    trimmed = text.split("\n\n", 1)[1]

    assert jaccard(text_minhash(text), text_minhash(trimmed)) >= NEAR_DUPLICATE


def test_articles_on_the_same_talks_are_not_near_duplicates():
    # The US readouts of the Riyadh talks with Russia and with Ukraine share whole sentences.
    russia = text_of(
        "whitehouse-2025-03-25-outcomes-of-the-united-states-and-russia-expert-groups-on"
    )
    ukraine = text_of(
        "whitehouse-2025-03-25-outcomes-of-the-united-states-and-ukraine-expert-groups-on"
    )

    similarity = jaccard(text_minhash(russia), text_minhash(ukraine))

    assert 0.2 < similarity < NEAR_DUPLICATE


def test_two_calls_with_the_same_title_are_not_near_duplicates():
    # Short Kremlin readouts with identical titles: the title joins the signature, the body differs.
    first, second = corpus()["kremlin-ru-76797"], corpus()["kremlin-ru-76675"]
    assert first["title"] == second["title"]

    similarity = jaccard(
        article_minhash(title=first["title"], lead="", text=first["text"]),
        article_minhash(title=second["title"], lead="", text=second["text"]),
    )

    assert similarity < 0.3


def test_no_two_corpus_articles_are_near_duplicates():
    signatures = {key: text_minhash(item["text"]) for key, item in corpus().items()}

    close = [
        (a, b)
        for (a, ma), (b, mb) in itertools.combinations(signatures.items(), 2)
        if jaccard(ma, mb) >= NEAR_DUPLICATE
    ]

    assert close == []


def test_identical_short_texts_match_and_different_ones_do_not():
    statement = "Россия приветствует продление моратория."

    assert jaccard(text_minhash(statement), text_minhash(f"  {statement.upper()} ")) == 1.0
    assert jaccard(text_minhash(statement), text_minhash("Россия осуждает удар.")) < 0.3


def test_article_minhash_ignores_the_title_of_a_long_body():
    item = corpus()["kremlin-en-63277"]
    lead, text = item["text"].split("\n\n", 1)

    original = article_minhash(title=item["title"], lead=lead, text=text)
    retitled = article_minhash(title="Putin and Trump mark the Elbe meeting", lead=lead, text=text)

    assert minhash_bytes(retitled) == minhash_bytes(original)


def test_article_minhash_counts_the_title_of_a_short_body():
    body = "The President signed the executive order."

    assert (
        jaccard(
            article_minhash(title="Executive order on sanctions", lead="", text=body),
            article_minhash(title="Executive order on tariffs", lead="", text=body),
        )
        < 1.0
    )


def test_article_minhash_of_lead_and_text_equals_that_of_the_whole_body():
    item = corpus()["kremlin-ru-76477"]
    lead, text = item["text"].split("\n\n", 1)

    assert minhash_bytes(article_minhash(title="", lead=lead, text=text)) == minhash_bytes(
        text_minhash(item["text"])
    )


def test_a_signature_survives_bytes_and_back():
    minhash = text_minhash(text_of("kremlin-ru-76526"))

    data = minhash_bytes(minhash)
    restored = minhash_from_bytes(data)

    assert len(data) == SIGNATURE_BYTES == 8 + 4 + 1 + 4 * NUM_PERM
    assert jaccard(restored, minhash) == 1.0
    assert minhash_bytes(restored) == data
    assert minhash_from_bytes(memoryview(data)).jaccard(minhash) == 1.0


def test_signatures_are_the_same_bytes_in_another_process():
    texts = [text_of(key) for key in LONG_TEXTS]
    program = (
        "import json, sys\n"
        "from newsdesk.pipeline.dedup import band_keys, minhash_bytes, text_minhash\n"
        "for text in json.load(sys.stdin):\n"
        "    m = text_minhash(text)\n"
        "    print(minhash_bytes(m).hex(), json.dumps(band_keys(m)))\n"
    )

    lines = subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout.splitlines()

    here = [text_minhash(text) for text in texts]
    assert [line.split(" ", 1)[0] for line in lines] == [minhash_bytes(m).hex() for m in here]
    assert [json.loads(line.split(" ", 1)[1]) for line in lines] == [
        [list(pair) for pair in band_keys(m)] for m in here
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 10,
        b"\xff" * SIGNATURE_BYTES,
        b"\x00" * (SIGNATURE_BYTES * 1000),
        b"not bytes at all, but of a plausible length".ljust(SIGNATURE_BYTES, b"!"),
    ],
    ids=["empty", "truncated", "garbage", "huge", "text"],
)
def test_bytes_that_are_no_signature_are_refused(data):
    with pytest.raises(SignatureError):
        minhash_from_bytes(data)


def test_a_truncated_signature_is_refused():
    data = minhash_bytes(text_minhash(text_of("kremlin-ru-76526")))

    with pytest.raises(SignatureError):
        minhash_from_bytes(data[:-1])


def test_a_signature_made_with_another_seed_is_refused():
    other = LeanMinHash(seed=1, hashvalues=[7] * NUM_PERM, scheme="affine32")

    with pytest.raises(SignatureError, match="other parameters"):
        minhash_from_bytes(minhash_bytes(other))


def test_a_signature_with_another_number_of_values_is_refused():
    other = LeanMinHash(seed=1, hashvalues=[7] * 64, scheme="affine32")

    with pytest.raises(SignatureError):
        minhash_from_bytes(minhash_bytes(other))


def test_band_keys_are_sixteen_short_hex_keys():
    keys = band_keys(text_minhash(text_of("kremlin-en-62612")))

    assert [band for band, _ in keys] == list(range(BANDS))
    assert all(len(key) == 16 and int(key, 16) >= 0 for _, key in keys)
    assert len({key for _, key in keys}) == BANDS


def test_a_republished_copy_shares_a_band_and_an_unrelated_text_does_not():
    item = corpus()["kremlin-ru-76477"]
    original = set(band_keys(text_minhash(item["text"])))

    copy = set(band_keys(text_minhash(republished(item["text"], "ru"))))
    other = set(band_keys(text_minhash(text_of("kremlin-ru-76526"))))

    assert original & copy
    assert not original & other


def test_band_keys_refuse_bands_that_do_not_divide_the_signature():
    with pytest.raises(ValueError, match="bands"):
        band_keys(text_minhash("a text"), bands=5)


def test_the_band_threshold_is_below_the_near_duplicate_threshold():
    assert round(BAND_THRESHOLD, 3) == 0.707
    assert BAND_THRESHOLD < NEAR_DUPLICATE


def test_a_text_without_words_has_no_bands_and_matches_nothing():
    empty = text_minhash(" — ")

    assert minhash_is_empty(empty)
    assert band_keys(empty) == []
    assert jaccard(empty, text_minhash("")) == 0.0
    assert jaccard(empty, text_minhash("Заявление")) == 0.0
    assert not minhash_is_empty(text_minhash("Заявление"))


def test_article_signatures_equal_the_hash_and_minhash_computed_apart() -> None:
    from newsdesk.pipeline.dedup import article_signatures

    for title, lead, text in [
        ("Переговоры в Женеве", "Кратко.", "Делегации «встретились» в Женеве — снова. " * 30),
        ("Short", "", "Too short to stand alone."),
        ("Only a title", "", ""),
    ]:
        digest, minhash = article_signatures(title=title, lead=lead, text=text)
        assert digest == content_hash(title=title, text=text)
        expected = article_minhash(title=title, lead=lead, text=text)
        assert minhash_bytes(minhash) == minhash_bytes(expected)
