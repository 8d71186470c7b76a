"""Translation providers against a real LibreTranslate-speaking server on loopback.

The server below speaks LibreTranslate's API (POST /translate, GET /languages, GET /spec) and
"translates" deterministically: a few words from a table, everything else upper-cased. That
makes a translation of pieces equal the translation of the whole text exactly when the
provider cut and rejoined it without losing or moving a character. It can be told to
misbehave one /translate request at a time.

Texts are the demo corpus (newsdesk/demo/corpus/articles.jsonl: kremlin.ru, CC BY 4.0) and
the seed interview (newsdesk/demo/corpus/seed-interview.txt, an English machine translation
of a TASS interview); see their READMEs for attribution.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import sys
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.pipeline.translate import (
    MAX_RETRY_AFTER,
    ArgosTranslate,
    LibreTranslate,
    NoTranslation,
    Provider,
    Translation,
    TranslationError,
    provider_named,
)
from tests.libretranslate import (
    BAD_KEY,
    GOOD_KEY,
    Action,
    FakeLibreTranslate,
    as_list,
    declared_huge,
    endless,
    fake_translate,
    hang,
    hang_up,
    reply,
    serving,
    trickle,
)

SEED_PAGE = CORPUS_DIR / "seed-interview.txt"


@cache
def corpus() -> dict[str, str]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["id"]: item["text"] for item in map(json.loads, filter(None, lines))}


class Sleeps(list[float]):
    """Records the waits the provider asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def _module_server() -> Iterator[FakeLibreTranslate]:
    with serving() as server:
        yield server


@pytest.fixture
def server(_module_server: FakeLibreTranslate) -> FakeLibreTranslate:
    _module_server.reset()
    return _module_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def libre(server: FakeLibreTranslate, sleeps: Sleeps) -> Iterator[LibreTranslate]:
    provider = LibreTranslate(server.url, timeout=5.0, sleep=sleeps)
    yield provider
    provider.close()


# --- translating --------------------------------------------------------------------------


def test_one_text_is_sent_as_a_string_and_comes_back_translated(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    # kremlin-ru-76805, kremlin.ru, CC BY 4.0
    text = corpus()["kremlin-ru-76805"]

    result = libre.translate([text], source="ru", target="en")

    assert result == Translation(
        texts=[fake_translate(text, source="ru")],
        provider="libretranslate",
        model="libretranslate/1.6.4",
        source="ru",
        target="en",
    )
    assert isinstance(server.translate_requests[0]["q"], str)
    assert server.translate_requests[0]["format"] == "text"
    assert "api_key" not in server.translate_requests[0]


def test_several_texts_go_as_a_list_and_come_back_in_order(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    texts = ["Президент России.", "Путин и США.", "  Россия  "]

    result = libre.translate(texts, source="ru", target="en")

    assert result.texts == ["president РОССИИ.", "Putin И USA.", "  Russia  "]
    assert len(server.translate_requests) == 1
    # Outer whitespace stays with us; the server sees only the words.
    assert server.translate_requests[0]["q"] == ["Президент России.", "Путин и США.", "Россия"]


def test_english_to_russian_from_the_seed_interview(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    # The seed interview (English machine translation of a TASS interview), first paragraphs.
    text = "\n\n".join(SEED_PAGE.read_text(encoding="utf-8").split("\n\n")[:6])

    result = libre.translate([text], source="en", target="ru")

    assert result.texts == [fake_translate(text, source="en")]
    assert "Россия" in result.texts[0]
    # One q item per paragraph, never a blank one.
    assert all(piece.strip() == piece and piece for piece in server.sent())


def test_source_equal_to_target_and_empty_input_make_no_request(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    same = libre.translate(["Россия", ""], source="ru", target="ru")
    empty = libre.translate([], source="ru", target="en")
    blank = libre.translate(["", "  \n\n ", "\t"], source="ru", target="en")

    assert same.texts == ["Россия", ""]
    assert empty.texts == []
    assert blank.texts == ["", "  \n\n ", "\t"]
    assert same.model == empty.model == blank.model == ""
    assert server.paths == []


def test_api_key_is_sent_when_set(server: FakeLibreTranslate, sleeps: Sleeps) -> None:
    server.key = GOOD_KEY
    provider = LibreTranslate(server.url, api_key=GOOD_KEY, sleep=sleeps)

    result = provider.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert server.translate_requests[0]["api_key"] == GOOD_KEY


def test_model_version_is_asked_once_per_provider(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    first = libre.translate(["Россия"], source="ru", target="en")
    second = libre.translate(["США"], source="ru", target="en")

    assert first.model == second.model == "libretranslate/1.6.4"
    assert server.paths.count("/spec") == 1


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(reply(404, {"error": "Not Found"}), id="no-spec"),
        pytest.param(reply(200, {"info": {"version": "?"}}), id="unknown-version"),
        pytest.param(reply(200, {"info": {"version": "1.6 <script>"}}), id="odd-version"),
        pytest.param(reply(200, b"<html>swagger</html>"), id="not-json"),
        pytest.param(reply(500, {"error": "boom"}), id="server-error"),
    ],
)
def test_model_falls_back_to_the_host_without_a_version(
    server: FakeLibreTranslate, sleeps: Sleeps, spec: Action
) -> None:
    server.spec = spec
    provider = LibreTranslate(server.url + "/", sleep=sleeps)

    result = provider.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert result.model == f"libretranslate@{server.where}"
    assert sleeps == []


def test_text_with_a_lone_surrogate_and_control_characters_is_still_sent(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    garbage = "abc\ud800def \x00\x01\x7f " + bytes(range(32, 256)).decode("latin-1")

    result = libre.translate([garbage], source="en", target="ru")

    assert result.texts == [fake_translate(garbage.replace("\ud800", "?"), source="en")]


def test_wrong_types_and_codes_are_refused_before_any_request(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    with pytest.raises(TypeError):
        libre.translate("Россия", source="ru", target="en")
    with pytest.raises(TypeError):
        libre.translate([b"bytes"], source="ru", target="en")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        libre.translate([None], source="ru", target="en")  # type: ignore[list-item]
    with pytest.raises(ValueError):
        libre.translate(["x"], source="", target="en")
    with pytest.raises(ValueError):
        libre.translate(["x"], source="Russian", target="en")
    assert server.paths == []


# --- batching and long texts --------------------------------------------------------------


def test_many_paragraphs_are_batched_under_max_chars_and_kept_in_order(
    server: FakeLibreTranslate, sleeps: Sleeps
) -> None:
    ids = ["kremlin-ru-76781", "kremlin-ru-76673", "kremlin-ru-76556", "kremlin-ru-76458"]
    texts = [corpus()[i] for i in ids]
    provider = LibreTranslate(server.url, max_chars=1000, sleep=sleeps)

    result = provider.translate(texts, source="ru", target="en")

    assert result.texts == [fake_translate(text, source="ru") for text in texts]
    assert len(server.translate_requests) > 10
    assert max(server.sizes()) <= 1000
    # Nothing lost or repeated: what was sent is the texts, whitespace aside.
    sent = "".join(server.sent())
    assert "".join(sent.split()) == "".join("".join(text.split()) for text in texts)


def test_batch_holds_at_most_max_texts(server: FakeLibreTranslate, sleeps: Sleeps) -> None:
    texts = [f"Россия {i}" for i in range(70)]
    provider = LibreTranslate(server.url, max_texts=32, sleep=sleeps)

    result = provider.translate(texts, source="ru", target="en")

    assert [len(as_list(r["q"])) for r in server.translate_requests] == [32, 32, 6]
    assert result.texts == [f"Russia {i}" for i in range(70)]


def test_a_30000_character_paragraph_is_cut_at_sentences_and_rejoined(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    # kremlin-ru-76781 and kremlin-ru-76673 run together into one paragraph.
    sentences = " ".join(
        corpus()["kremlin-ru-76781"].split() + corpus()["kremlin-ru-76673"].split()
    )
    paragraph = " ".join([sentences] * (30_000 // len(sentences) + 1))[:30_000].rstrip()
    paragraph = paragraph[: paragraph.rfind(".") + 1]
    assert len(paragraph) > 29_000
    text = f"Заголовок\n\n{paragraph}\n\nПутин."

    result = libre.translate([text], source="ru", target="en")

    assert result.texts == [fake_translate(text, source="ru")]
    assert max(server.sizes()) <= 5000
    cut = [piece for piece in server.sent() if len(piece) > 100]
    assert len(cut) >= 6
    assert all(piece.endswith((".", "»", "!", "?")) for piece in cut)


def test_a_paragraph_without_sentences_is_cut_between_words_then_anywhere(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    words = " ".join(["слово"] * 6000)
    unbroken = "ж" * 30_000
    spaces = "а" + " " * 100_000 + "б"

    result = libre.translate([words, unbroken, spaces], source="ru", target="en")

    assert result.texts == [fake_translate(t, source="ru") for t in (words, unbroken, spaces)]
    assert max(server.sizes()) <= 5000
    assert all(not piece.startswith(" ") and not piece.endswith(" ") for piece in server.sent())


def test_line_endings_and_indentation_survive(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    text = "  Россия.\r\n\r\n\tПрезидент  \n  США\n"

    result = libre.translate([text], source="ru", target="en")

    assert result.texts == ["  Russia.\r\n\r\n\tpresident  \n  USA\n"]


# --- retries --------------------------------------------------------------------------------


def test_429_with_retry_after_waits_what_the_server_asked(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [reply(429, {"error": "Slowdown: 1 per 1 minute"}, Retry_After="7")]

    result = libre.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert sleeps == [7.0]
    assert len(server.translate_requests) == 2


def test_429_with_a_huge_retry_after_gives_up_at_once_with_the_value(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [reply(429, {"error": "Slowdown: 1 per 1 hour"}, Retry_After="3600")]

    with pytest.raises(TranslationError) as caught:
        libre.translate(["Россия"], source="ru", target="en")

    assert caught.value.transient
    assert caught.value.retry_after == 3600
    assert MAX_RETRY_AFTER < 3600
    assert sleeps == []
    assert len(server.translate_requests) == 1
    assert "Slowdown" in str(caught.value)


def test_500_twice_then_success_backs_off_with_jitter(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [reply(500, {"error": "Cannot translate text"})] * 2

    result = libre.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert len(server.translate_requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 1.0
    assert 0 <= sleeps[1] <= 2.0


def test_500_forever_is_transient_after_retries_plus_one_requests(
    server: FakeLibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [reply(503, {"error": "overloaded"})] * 10
    provider = LibreTranslate(server.url, retries=3, sleep=sleeps)

    with pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert caught.value.transient
    assert len(server.translate_requests) == 4
    assert len(sleeps) == 3
    assert "HTTP 503" in str(caught.value)
    assert "overloaded" in str(caught.value)


def test_a_dropped_connection_is_retried(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [hang_up]

    result = libre.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert len(sleeps) == 1


def test_a_server_that_never_answers_times_out_as_transient(
    server: FakeLibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [hang(server), hang(server)]
    provider = LibreTranslate(server.url, timeout=0.3, retries=1, sleep=sleeps)

    started = time.monotonic()
    with pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert caught.value.transient
    assert "did not answer within 0.3 s" in str(caught.value)
    assert len(server.translate_requests) == 2
    assert len(sleeps) == 1
    assert time.monotonic() - started < 2.5


def test_a_trickling_answer_times_out_as_a_whole(
    server: FakeLibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [trickle]
    provider = LibreTranslate(server.url, timeout=0.5, retries=0, sleep=sleeps)

    started = time.monotonic()
    with pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert caught.value.transient
    assert time.monotonic() - started < 2.5


def test_connection_refused_is_transient(sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = LibreTranslate(f"http://127.0.0.1:{port}", retries=1, sleep=sleeps)

    with pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert caught.value.transient
    assert "cannot reach LibreTranslate" in str(caught.value)
    assert len(sleeps) == 1


# --- refusals and broken answers ------------------------------------------------------------


def test_unsupported_language_is_not_transient_and_quotes_the_server(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    with pytest.raises(TranslationError) as caught:
        libre.translate(["Россия"], source="ru", target="xx")

    assert not caught.value.transient
    assert "HTTP 400" in str(caught.value)
    assert "xx is not supported" in str(caught.value)
    assert len(server.translate_requests) == 1
    assert sleeps == []


def test_a_text_over_the_server_limit_is_never_sent(
    server: FakeLibreTranslate, sleeps: Sleeps
) -> None:
    # A server with a smaller limit than ours refuses; ours then must be set to match it.
    server.char_limit = 500
    too_big = LibreTranslate(server.url, max_chars=5000, sleep=sleeps)
    fitting = LibreTranslate(server.url, max_chars=500, sleep=sleeps)
    text = corpus()["kremlin-ru-76477"]

    with pytest.raises(TranslationError, match="exceeds text limit"):
        too_big.translate([text], source="ru", target="en")
    assert fitting.translate([text], source="ru", target="en").texts == [
        fake_translate(text, source="ru")
    ]


def test_a_bad_key_is_not_transient_and_never_repeated(
    server: FakeLibreTranslate, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    server.key = GOOD_KEY
    provider = LibreTranslate(server.url, api_key=BAD_KEY, sleep=sleeps)

    with caplog.at_level(logging.DEBUG), pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert not caught.value.transient
    assert "HTTP 403" in str(caught.value)
    assert "Invalid API key" in str(caught.value)
    assert BAD_KEY not in str(caught.value)
    assert BAD_KEY not in repr(caught.value.args)
    assert BAD_KEY not in repr(provider)
    assert BAD_KEY not in caplog.text
    assert server.translate_requests[0]["api_key"] == BAD_KEY


def test_retry_logs_do_not_carry_the_key(
    server: FakeLibreTranslate, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    server.key = GOOD_KEY
    server.script = [reply(500, {"error": f"worker crashed on key {GOOD_KEY}"})]
    provider = LibreTranslate(server.url, api_key=GOOD_KEY, sleep=sleeps)

    with caplog.at_level(logging.DEBUG, logger="newsdesk.pipeline.translate"):
        result = provider.translate(["Россия"], source="ru", target="en")

    assert result.texts == ["Russia"]
    assert "worker crashed" in caplog.text
    assert GOOD_KEY not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="malformed-json"),
        pytest.param(b"\xff\xfe\x00\x81garbage\x00", id="binary-garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 100_000, id="deeply-nested"),
        pytest.param(b'{"translated": "Russia"}', id="no-translatedText"),
        pytest.param(b'{"translatedText": 5}', id="number"),
        pytest.param(b'{"translatedText": null}', id="null"),
        pytest.param(b'["Russia"]', id="list-at-top"),
        pytest.param(b'{"translatedText": [1, 2]}', id="list-of-numbers"),
        pytest.param(b'{"translatedText": ["one"]}', id="wrong-count"),
        pytest.param(b'{"translatedText": ["a", "b", "c"]}', id="too-many"),
        pytest.param(b'{"translatedText": "' + b"1" * 5000 + b"}", id="unterminated"),
    ],
)
def test_a_malformed_200_is_a_non_transient_error(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps, body: bytes
) -> None:
    server.script = [reply(200, body)]

    with pytest.raises(TranslationError) as caught:
        libre.translate(["Россия", "США"], source="ru", target="en")

    assert not caught.value.transient
    assert sleeps == []
    assert len(server.translate_requests) == 1


def test_an_endless_answer_is_cut_at_the_cap(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    server.script = [endless]

    with pytest.raises(TranslationError, match="cap") as caught:
        libre.translate(["Россия"], source="ru", target="en")

    assert not caught.value.transient


def test_a_huge_declared_answer_is_refused_unread(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    server.script = [declared_huge]

    with pytest.raises(TranslationError, match="cap") as caught:
        libre.translate(["Россия"], source="ru", target="en")

    assert not caught.value.transient


def test_an_html_error_page_gives_the_status_only(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    server.script = [reply(404, b"<html><body>nginx 404 " + b"x" * 100_000 + b"</body></html>")]

    with pytest.raises(TranslationError) as caught:
        libre.translate(["Россия"], source="ru", target="en")

    assert not caught.value.transient
    assert str(caught.value) == f"HTTP 404 from LibreTranslate at {server.where}/translate"


# --- languages --------------------------------------------------------------------------------


def test_languages_are_the_pairs_the_server_lists(libre: LibreTranslate) -> None:
    assert libre.languages() == {("en", "ru"), ("ru", "en")}


def test_languages_without_targets_pair_every_language(
    server: FakeLibreTranslate, libre: LibreTranslate
) -> None:
    # LibreTranslate before 1.3 lists codes and names only.
    server.languages = [{"code": c, "name": c} for c in ("en", "ru", "de")]

    assert libre.languages() == {
        ("en", "ru"),
        ("en", "de"),
        ("ru", "en"),
        ("ru", "de"),
        ("de", "en"),
        ("de", "ru"),
    }


@pytest.mark.parametrize(
    "answer",
    [
        {"en": ["ru"]},
        [{"name": "English"}],
        [{"code": 5, "targets": []}],
        [{"code": "en", "targets": "ru"}],
        [{"code": "en", "targets": [None]}],
        ["en"],
    ],
)
def test_malformed_languages_are_an_error(
    server: FakeLibreTranslate, libre: LibreTranslate, answer: Any
) -> None:
    server.languages = answer

    with pytest.raises(TranslationError) as caught:
        libre.languages()

    assert not caught.value.transient


def test_languages_are_retried_like_translations(
    server: FakeLibreTranslate, libre: LibreTranslate, sleeps: Sleeps
) -> None:
    server.script = [reply(502, b"bad gateway")]

    assert libre.languages() == {("en", "ru"), ("ru", "en")}
    assert len(sleeps) == 1


# --- choosing a provider --------------------------------------------------------------------


def test_provider_named_builds_each_provider() -> None:
    none = provider_named("none")
    libre = provider_named(
        " LibreTranslate ", url="http://10.0.0.5:5000/", api_key="k", timeout=9, retries=4
    )
    argos = provider_named("argos")

    assert isinstance(none, NoTranslation)
    assert isinstance(libre, LibreTranslate)
    assert (libre.base, libre.timeout, libre.retries) == ("http://10.0.0.5:5000", 9, 4)
    assert isinstance(argos, ArgosTranslate)
    assert {p.name for p in (none, libre, argos)} == {"none", "libretranslate", "argos"}


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("deepl", "http://127.0.0.1:5000"),
        ("", ""),
        ("libretranslate", ""),
        ("libretranslate", "   "),
        ("libretranslate", "ftp://127.0.0.1/"),
        ("libretranslate", "file:///etc/passwd"),
        ("libretranslate", "127.0.0.1:5000"),
        ("libretranslate", "http://"),
        ("libretranslate", "http://127.0.0.1:99999"),
        ("libretranslate", "http://127.0.0.1:5000/?key=1"),
        ("libretranslate", "http://[::1"),
    ],
)
def test_provider_named_refuses_unknown_names_and_bad_urls(name: str, url: str) -> None:
    with pytest.raises(ValueError):
        provider_named(name, url=url)


def test_credentials_in_the_url_go_in_a_header_and_stay_out_of_messages(
    server: FakeLibreTranslate, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    # A proxy with Basic auth in front of the server, written into the URL by the operator.
    url = server.url.replace("http://", "http://proxy-user:hunter2%40x@")
    provider = LibreTranslate(url, retries=0, sleep=sleeps)

    with caplog.at_level(logging.DEBUG):
        translated = provider.translate(["Россия"], source="ru", target="en")
        server.script = [reply(400, {"error": "Invalid request: missing q parameter"})]
        with pytest.raises(TranslationError) as caught:
            provider.translate(["США"], source="ru", target="en")
    with pytest.raises(ValueError) as refused:
        LibreTranslate("ftp://proxy-user:hunter2@127.0.0.1/")

    assert translated.texts == ["Russia"]
    expected = "Basic " + base64.b64encode(b"proxy-user:hunter2@x").decode()
    assert server.authorization[0] == expected
    assert provider.base == server.url
    for shown in (str(caught.value), str(refused.value), repr(provider), caplog.text):
        assert "hunter2" not in shown


def test_no_translation_refuses_and_lists_nothing() -> None:
    provider: Provider = NoTranslation()

    with pytest.raises(TranslationError, match="translation is off") as caught:
        provider.translate(["Россия"], source="ru", target="en")

    assert not caught.value.transient
    assert provider.languages() == set()


def test_argos_without_the_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whether or not argostranslate is installed here, make importing it fail as it would.
    monkeypatch.setitem(sys.modules, "argostranslate", None)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", None)
    provider = ArgosTranslate()

    with pytest.raises(TranslationError) as caught:
        provider.translate(["Россия"], source="ru", target="en")
    with pytest.raises(TranslationError, match="pip install argostranslate"):
        provider.languages()

    assert not caught.value.transient
    assert "pip install argostranslate" in str(caught.value)
    assert "translate-ru_en" in str(caught.value)
    # Nothing to translate needs no package.
    assert provider.translate([" "], source="ru", target="en").texts == [" "]
