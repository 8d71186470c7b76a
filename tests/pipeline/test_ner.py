"""Named-entity spans over real texts, with the real natasha and spaCy models.

Texts: the demo corpus (newsdesk/demo/corpus/articles.jsonl: kremlin.ru and en.kremlin.ru,
President of Russia, CC BY 4.0; whitehouse.gov, public domain; see its README), the seed
interview (newsdesk/demo/corpus/seed-interview.txt, an English machine translation of a TASS
interview with Andrei Rudenko), and short Russian and English sentences written for the hard
cases.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from functools import cache

import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.pipeline import ner
from newsdesk.pipeline.ner import (
    KINDS,
    MAX_CHARS,
    MAX_PIECE_CHARS,
    RULE_LABEL,
    Span,
    find_spans,
    preload,
)

SEED_PAGE = CORPUS_DIR / "seed-interview.txt"


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    # Both models once for the whole module (the module keeps them for the process).
    preload(("ru", "en"))


@cache
def corpus() -> list[dict[str, str]]:
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


@cache
def seed_page() -> str:
    if not SEED_PAGE.exists():
        pytest.skip(f"{SEED_PAGE} is not on this machine")
    return SEED_PAGE.read_text(encoding="utf-8")


def checked(text: str, language: str, **options: int) -> list[Span]:
    """find_spans, with what must hold for every span of every text asserted on the way."""
    spans = find_spans(text, language, **options)
    for span in spans:
        assert text[span.start : span.end] == span.surface, span
        assert span.kind in KINDS, span
        assert span.label, span
        assert span.normal and span.normal == span.normal.strip(), span
        assert "  " not in span.normal, span
    assert spans == sorted(spans, key=lambda s: (s.start, -s.end, s.kind))
    for a in spans:
        for b in spans:
            overlap = a.start < b.end and b.start < a.end
            nested = (a.start <= b.start and b.end <= a.end) or (
                b.start <= a.start and a.end <= b.end
            )
            assert not overlap or nested, (a, b)
    return spans


def found(spans: list[Span]) -> set[tuple[str, str, str]]:
    return {(span.surface, span.kind, span.normal) for span in spans}


def surfaces(spans: list[Span], kind: str) -> list[str]:
    return [span.surface for span in spans if span.kind == kind]


# Every text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_span_of_the_demo_corpus_is_its_text_at_its_offsets(language):
    texts = [item["text"] for item in corpus() if item["lang"] == language]
    spans = [span for text in texts for span in checked(text, language)]
    # Every kind that the language's model gives occurs in real articles.
    kinds = {span.kind for span in spans}
    assert {"person", "organization", "place"} <= kinds
    assert len(spans) > 300


def test_every_span_of_the_seed_page_is_its_text_at_its_offsets():
    spans = checked(seed_page(), "en")
    assert {span.kind for span in spans} == set(KINDS)


# English ------------------------------------------------------------------------------------


def test_seed_page_names_people_countries_places_and_organizations():
    text = seed_page()
    spans = checked(text, "en")
    # The title: "Russian Deputy Foreign Minister: Russia will block military threats…"
    title = [span for span in spans if span.end <= text.index(" - TASS interview")]
    assert ("Russian", "country", "Russian") in found(title)
    assert ("Russia", "place", "Russia") in found(title)
    # "…developingRussian Deputy Foreign Minister Andrei Rudenko spoke in an exclusive
    # interview…" (the page glues the lead to the subtitle)
    first = text.index("Russian Deputy Foreign Minister Andrei Rudenko")
    near = [span for span in spans if first <= span.start < first + 50]
    assert ("Andrei Rudenko", "person", "Andrei Rudenko") in found(near)
    # "…being aggressively imposed by Washington and its allies…"
    assert "Washington" in surfaces(spans, "place")
    # "…unifying platforms as the Shanghai Cooperation Organization."
    # The article is not part of the mention.
    assert (
        "Shanghai Cooperation Organization",
        "organization",
        "Shanghai Cooperation Organization",
    ) in found(spans)
    assert "NATO" in surfaces(spans, "organization")
    # "…the accelerated implementation by the Kishida administration…"
    assert "Kishida" in surfaces(spans, "person")


def test_english_normal_drops_the_and_possessive():
    text = "The United States's position was set out by the Kremlin and Russia’s envoy."
    spans = checked(text, "en")
    # spaCy's span holds both "The" and "'s" here; the normal holds neither.
    assert ("The United States's", "place", "United States") in found(spans)
    assert ("Russia", "place", "Russia") in found(spans)


def test_yongbyon_is_found():
    # The seed page spells it "Nenbyon"; news in English write Yongbyon.
    spans = checked("North Korea restarted the reactor at Yongbyon.", "en")
    assert "Yongbyon" in [span.surface for span in spans]
    assert ("North Korea", "place", "North Korea") in found(spans)


def test_nationality_adjectives_are_countries_religions_and_parties_are_dropped():
    text = (
        "Russian and Japanese diplomats met North Korean and American officials "
        "and Chinese experts."
    )
    assert surfaces(checked(text, "en"), "country") == [
        "Russian",
        "Japanese",
        "North Korean",
        "American",
        "Chinese",
    ]
    # spaCy tags all four NORP; only nationalities are kept.
    text = "Republicans in the Senate and Democrats in the House disagreed with Muslim clerics."
    labels = {entity.text: entity.label_ for entity in ner._model("en")(text).ents}
    assert labels["Republicans"] == labels["Muslim"] == "NORP"
    spans = checked(text, "en")
    assert not {"Republicans", "Democrats", "Muslim"} & {span.surface for span in spans}
    assert "Americans" in surfaces(
        checked("The Americans and the Chinese agreed.", "en"), "country"
    )


@pytest.mark.parametrize(
    ("text", "event", "normal"),
    [
        ("Troops took part in the Vostok-2022 exercises last year.", "Vostok-2022 exercises", None),
        ("The leaders met at the SCO summit in Samarkand.", "SCO summit", None),
        (
            "Putin spoke at the Eastern Economic Forum in Vladivostok.",
            "Eastern Economic Forum",
            "Eastern Economic Forum",
        ),
        ("He will attend the G20 summit in November.", "G20 summit", None),
        ("Experts gathered at the Valdai forum.", "Valdai forum", None),
        (
            "Russian servicemen took part in the Vostok-2022 command and staff exercises.",
            "Vostok-2022 command and staff exercises",
            None,
        ),
        (
            "He addressed the X Moscow Conference on International Security on Tuesday.",
            "X Moscow Conference on International Security",
            None,
        ),
        (
            'The annual bilateral exercises "Selenga" were held in Mongolia.',
            'exercises "Selenga"',
            'Exercises "Selenga"',
        ),
        (
            "The summit of the Shanghai Cooperation Organization opened.",
            "summit of the Shanghai Cooperation Organization",
            "Summit of the Shanghai Cooperation Organization",
        ),
    ],
)
def test_english_event_rules(text, event, normal):
    spans = checked(text, "en")
    events = [span for span in spans if span.kind == "event"]
    assert len(events) == 1, events
    # A lower-case "the" never begins a span, nor its normal.
    assert events[0].surface == event
    assert events[0].normal == (normal or event)
    assert events[0].label == RULE_LABEL


def test_an_organization_inside_an_event_is_kept_too():
    text = "The SCO summit and the G20 summit were held."
    spans = checked(text, "en")
    assert ("SCO summit", "event", "SCO summit") in found(spans)
    assert ("SCO", "organization", "SCO") in found(spans)
    sco = next(span for span in spans if span.surface == "SCO")
    summit = next(span for span in spans if span.surface == "SCO summit")
    assert summit.start <= sco.start and sco.end <= summit.end


@pytest.mark.parametrize(
    "text",
    [
        "This summit was a success.",
        "During exercises, two ships collided.",
        "The summit ended. Next forum will be held in May.",
        "The United States and the Republic of Korea conducted large-scale military exercises.",
    ],
)
def test_english_event_rules_need_a_name(text):
    assert surfaces(checked(text, "en"), "event") == []


# Russian ------------------------------------------------------------------------------------


def test_russian_names_come_to_their_base_form():
    text = (
        "Визит Кисиды в Пекин обсуждался в Москве. Заместитель министра иностранных дел России "
        "Андрея Руденко не было на встрече членов Шанхайской организации сотрудничества. "
        "Москва и Пекин поддержали КНДР, ШОС выступила с заявлением."
    )
    spans = checked(text, "ru")
    assert ("Кисиды", "person", "Кисида") in found(spans)
    assert ("Андрея Руденко", "person", "Андрей Руденко") in found(spans)
    assert (
        "Шанхайской организации сотрудничества",
        "organization",
        "Шанхайская организация сотрудничества",
    ) in found(spans)
    assert ("ШОС", "organization", "ШОС") in found(spans)
    assert ("КНДР", "place", "КНДР") in found(spans)
    assert ("Москве", "place", "Москва") in found(spans)
    assert surfaces(spans, "place").count("Пекин") == 2
    assert "Москва" in surfaces(spans, "place")
    assert all(span.label in {"PER", "ORG", "LOC", RULE_LABEL} for span in spans)


def test_russian_place_names_keep_their_complements():
    text = "Делегация Соединённых Штатов Америки прибыла в Республику Сербскую."
    spans = checked(text, "ru")
    assert ("Соединённых Штатов Америки", "place", "Соединенные Штаты Америки") in found(spans)


def test_kremlin_text_names_come_to_their_base_form():
    # kremlin.ru: "…Владимира Путина с Председателем Китайской Народной Республики Си
    # Цзиньпином…", "…предстоящим саммитом Шанхайской организации сотрудничества…"
    text = next(
        item["text"] for item in corpus() if "предстоящим саммитом Шанхайской" in item["text"]
    )
    spans = checked(text, "ru")
    assert ("Си Цзиньпином", "person", "Си Цзиньпин") in found(spans)
    assert (
        "саммитом Шанхайской организации сотрудничества",
        "event",
        "Саммит Шанхайской организации сотрудничества",
    ) in found(spans)


@pytest.mark.parametrize(
    ("text", "event", "normal"),
    [
        ("Войска провели учения «Восток-2022» на Дальнем Востоке.", "учения «Восток-2022»", None),
        ("Участники учений «Восток-2022» вернулись.", "учений «Восток-2022»", None),
        ("Лидеры встретились на саммите ШОС в Самарканде.", "саммите ШОС", "Саммит ШОС"),
        (
            "Президент выступил на Восточном экономическом форуме.",
            "Восточном экономическом форуме",
            "Восточный экономический форум",
        ),
        (
            "Соглашение подписано на Петербургском международном экономическом форуме.",
            "Петербургском международном экономическом форуме",
            "Петербургский международный экономический форум",
        ),
        ("Он открыл Восточный экономический форум.", "Восточный экономический форум", None),
    ],
)
def test_russian_event_rules(text, event, normal):
    spans = checked(text, "ru")
    events = [span for span in spans if span.kind == "event"]
    assert [span.surface for span in events] == [event]
    expected = normal or event[:1].upper() + event[1:]
    assert events[0].normal == expected.replace("учений", "учения").replace("Учений", "Учения")
    assert events[0].label == RULE_LABEL


def test_an_organization_inside_a_russian_event_is_kept_too():
    spans = checked("Саммит ШОС прошёл в Самарканде.", "ru")
    assert ("Саммит ШОС", "event", "Саммит ШОС") in found(spans)
    assert ("ШОС", "organization", "ШОС") in found(spans)


@pytest.mark.parametrize(
    "text",
    [
        "Следующий саммит пройдёт в Казани.",
        "Совместные учения завершились вчера.",
        "Форум прошёл успешно.",
        "Президент посетил экономический форум.",
    ],
)
def test_russian_event_rules_need_a_name(text):
    assert surfaces(checked(text, "ru"), "event") == []


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("text", ["", " ", "\n\n\t \n", "\u00a0\u2003"])
def test_empty_and_blank_texts_have_no_spans(text, language):
    assert find_spans(text, language) == []


@pytest.mark.parametrize("value", [None, b"Moscow", 42, ["Moscow"]])
def test_a_text_that_is_not_a_string_is_a_type_error(value):
    with pytest.raises(TypeError, match="text must be a string"):
        find_spans(value, "en")


@pytest.mark.parametrize("language", ["de", "", "EN", "russian", None])
def test_an_unknown_language_is_a_value_error(language):
    with pytest.raises(ValueError, match="ru, en texts only"):
        find_spans("Moscow", language)
    with pytest.raises(ValueError, match="ru, en texts only"):
        preload([language])


def binary_garbage(size: int) -> str:
    """Random bytes decoded as latin-1, as a page in an unknown encoding arrives."""
    return random.Random(20240501).randbytes(size).decode("latin-1")


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(
    "garbage",
    [
        binary_garbage(1_000_000),
        "".join(chr(code) for code in range(32)) * 3000,
        "a" * 1_000_000,
        "Я" * 1_000_000,
        "x " * 500_000,
    ],
    ids=["latin-1 bytes", "control characters", "run of a", "run of Я", "one-letter words"],
)
def test_garbage_is_not_given_to_the_models(garbage, language):
    # Skipped, not read: a megabyte of it costs a fraction of a second.
    assert list(ner._pieces(garbage, max_chars=MAX_CHARS)) == []
    assert checked(garbage, language) == []


@pytest.mark.parametrize(
    ("language", "name", "sentence"),
    [
        ("en", "Vladimir Putin", "Vladimir Putin met Xi Jinping in Beijing."),
        ("ru", "Владимир Путин", "Владимир Путин встретился с Си Цзиньпином в Пекине."),
    ],
)
def test_a_sentence_after_garbage_keeps_its_offsets(language, name, sentence):
    text = binary_garbage(50_000) + "\n\n" + sentence
    spans = checked(text, language)
    assert name in [span.surface for span in spans]
    assert all(span.start > 50_000 for span in spans)


def test_control_characters_and_lone_surrogates_inside_a_text():
    text = "Moscow\x00 and Beijing \ud800 agreed.\x07 The talks were in Minsk\x1b\x1b."
    spans = checked(text, "en")
    assert {"Moscow", "Beijing", "Minsk"} <= {span.surface for span in spans}
    spans = checked("Москва\x00 и Пекин \udfff договорились.", "ru")
    assert {"Москва", "Пекин"} <= {span.surface for span in spans}


# Long texts ---------------------------------------------------------------------------------


# English reads the default budget; Russian a smaller one, to keep the module's runtime modest.
@pytest.mark.parametrize(("language", "budget"), [("en", MAX_CHARS), ("ru", 50_000)])
def test_a_2_mb_text_is_read_in_pieces_with_offsets_into_the_whole(language, budget):
    piece = next(item["text"] for item in corpus() if item["lang"] == language)
    copies = 2_000_000 // (len(piece) + 2) + 1
    text = "\n\n".join([piece] * copies)
    assert len(text) >= 2_000_000

    spans = checked(text, language, max_chars=budget)

    # The first copy reads as the text alone does; later copies are read up to the budget.
    alone = find_spans(piece, language)
    assert [s for s in spans if s.end <= len(piece)] == alone
    step = len(piece) + 2
    second = [s for s in spans if step <= s.start and s.end <= step + len(piece)]
    assert [(s.start - step, s.surface, s.kind) for s in second] == [
        (s.start, s.surface, s.kind) for s in alone
    ]
    # About BUDGET characters are read (blank lines between paragraphs do not count).
    assert budget - step <= max(span.end for span in spans) <= 1.05 * budget + step


def test_a_paragraph_longer_than_a_piece_is_cut_and_read_to_its_end():
    sentence = "Vladimir Putin and Xi Jinping met in Beijing. "
    text = sentence * (3 * MAX_PIECE_CHARS // len(sentence))
    assert "\n" not in text and len(text) > 2 * MAX_PIECE_CHARS

    spans = checked(text, "en")

    assert len(surfaces(spans, "person")) > 100
    assert max(span.end for span in spans) > len(text) - len(sentence)


def test_max_chars_bounds_what_is_read():
    paragraph = "Vladimir Putin met Xi Jinping in Beijing."
    text = "\n\n".join([paragraph] * 1000)
    spans = checked(text, "en", max_chars=2_000)
    # About 2,000 characters of paragraphs are read, and the blank lines between them.
    assert (
        2_000
        <= max(span.end for span in spans)
        <= 2_000 * (len(paragraph) + 2) / len(paragraph) + len(paragraph)
    )
    assert len(spans) == 3 * (2_000 // len(paragraph) + 1)


def test_text_past_blank_garbage_pieces_is_still_read():
    # Pieces skipped as garbage do not count against the budget.
    text = (
        "Putin arrived in Minsk.\n\n"
        + "\n\n".join(["0123456789 ,.;: -- " * 500] * 200)
        + "\n\nLukashenko met him in Minsk."
    )
    assert len(text) > MAX_CHARS
    spans = checked(text, "en")
    assert "Minsk" in [span.surface for span in spans if span.start > len(text) - 40]


# Loading ------------------------------------------------------------------------------------


def test_models_load_once_in_a_fresh_process_even_from_many_threads():
    program = (
        "import threading\n"
        "from newsdesk.pipeline import ner\n"
        "loads = []\n"
        "load = ner._load_spacy\n"
        "ner._load_spacy = lambda: loads.append(1) or load()\n"
        "results = []\n"
        "def work():\n"
        "    results.append(ner.find_spans('Vladimir Putin visited Minsk.', 'en'))\n"
        "threads = [threading.Thread(target=work) for _ in range(6)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(len(loads), len(results), len({repr(r) for r in results}))\n"
        "print([s.surface for s in results[0]])\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()
    assert output[0] == "1 6 1"
    assert output[1] == "['Vladimir Putin', 'Minsk']"


# Rules over the models' spans ---------------------------------------------------------------


def _found(text: str, language: str) -> set[tuple[str, str, str]]:
    return {(span.surface, span.kind, span.normal) for span in checked(text, language)}


def test_russian_ministry_and_its_country_in_the_genitive_are_one_organization() -> None:
    found = _found("МИД России и Министерство обороны Японии заявили, что МИД КНР против.", "ru")
    assert ("МИД России", "organization", "МИД России") in found
    assert ("Министерство обороны Японии", "organization", "Министерство обороны Японии") in found
    assert ("МИД КНР", "organization", "МИД КНР") in found
    assert not {surface for surface, _, _ in found} & {"МИД", "России", "Японии", "КНР"}


def test_a_place_after_an_organization_that_is_no_state_body_stays_a_place() -> None:
    # "России" is also the dative: NATO's threats to Russia, not a NATO of Russia.
    for text, organization in [
        ("Угрозы со стороны НАТО России не страшны.", "НАТО"),
        ("Решение ШОС Индии не понравилось.", "ШОС"),
    ]:
        found = {(surface, kind) for surface, kind, _ in _found(text, "ru")}
        assert (organization, "organization") in found, found
        assert not any(s.startswith(organization + " ") for s, _ in found), found


def test_russian_named_wars_and_victory_day_are_events_in_their_base_form() -> None:
    found = _found(
        "В годы Великой Отечественной войны и Второй мировой войны. В День Победы, после "
        "Холодной войны, в ходе специальной военной операции.",
        "ru",
    )
    events = {normal for _, kind, normal in found if kind == "event"}
    assert {
        "Великая Отечественная война",
        "Вторая мировая война",
        "День Победы",
        "Холодная война",
        "Специальная военная операция",
    } <= events


def test_a_war_without_a_capitalized_name_is_no_event() -> None:
    found = _found("Эта война закончится. Новая война никому не нужна, сказал он о войне.", "ru")
    assert not [f for f in found if f[1] == "event"]


def test_english_nationalities_the_model_missed_are_their_countries_but_not_after_anti() -> None:
    text = (
        "The Russian side praised Russian-Chinese cooperation, "
        "while Seoul joined the anti-Russian sanctions."
    )
    spans = checked(text, "en")
    demonyms = [(s.surface, s.start) for s in spans if s.kind == "country"]
    assert ("Russian", text.index("Russian side")) in demonyms
    assert ("Russian", text.index("Russian-Chinese")) in demonyms
    assert ("Chinese", text.index("Chinese")) in demonyms
    assert all(start != text.index("Russian sanctions") for _, start in demonyms)


def test_two_countries_joined_by_a_hyphen_are_two_mentions() -> None:
    text = "They discussed the U.S.-Russia agenda."
    surfaces = [(s.surface, s.kind) for s in checked(text, "en")]
    assert ("U.S.", "country") in surfaces
    assert ("Russia", "country") in surfaces
    assert not any("-" in surface for surface, _ in surfaces)


def test_the_korean_peninsula_is_one_place_not_the_country_korean() -> None:
    text = "The situation on the Korean peninsula is tense."
    spans = checked(text, "en")
    assert [(s.surface, s.kind) for s in spans] == [("Korean peninsula", "place")]


def test_a_nationality_before_an_organization_belongs_to_it() -> None:
    found = _found("A statement was posted on the website of the Russian Foreign Ministry.", "en")
    assert ("Russian Foreign Ministry", "organization", "Russian Foreign Ministry") in found


def test_catalog_abbreviations_and_event_names_are_found_when_the_models_miss_them() -> None:
    found = _found("OPEC+ and TASS said the special military operation began after WWII.", "en")
    assert ("OPEC+", "organization", "OPEC+") in found
    assert ("special military operation", "event", "Special military operation") in found
    assert ("WWII", "event", "WWII") in found
    assert not [f for f in _found("The cold war of words went on.", "en") if f[1] == "event"]


def test_offices_and_documents_are_no_organizations() -> None:
    text = (
        "National Security Advisor Jake Sullivan spoke about the New START Treaty, "
        "and the Ministry of Foreign Affairs of Japan answered."
    )
    found = {(surface, kind) for surface, kind, _ in _found(text, "en")}
    assert ("Jake Sullivan", "person") in found
    assert not [f for f in found if "Advisor" in f[0] or "Treaty" in f[0]], found
    assert any(
        s.startswith("Ministry of Foreign Affairs") and k == "organization" for s, k in found
    )


def test_russian_polite_pronouns_and_lone_titles_are_no_names() -> None:
    found = _found("Уважаемый господин Президент! Рад видеть Вас. Вашей стране мы поможем.", "ru")
    assert not {surface for surface, _, _ in found} & {"Президент", "Вас", "Вашей стране"}
