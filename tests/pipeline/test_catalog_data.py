"""The catalog's starting data: pycountry countries, the packaged data file, capitals, demonyms.

Mentions come from the seed interview (newsdesk/demo/corpus/seed-interview.txt, TASS, English
machine translation) and the demo corpus (newsdesk/demo/corpus/articles.jsonl: kremlin.ru,
CC BY 4.0; whitehouse.gov, public domain; see its README).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
from functools import cache
from importlib import resources

import pycountry
import pytest

from newsdesk.demo.corpus import CORPUS_DIR
from newsdesk.pipeline.catalog_data import (
    DATA_FILE,
    DATA_PACKAGE,
    KEY_PATTERN,
    KEY_PREFIXES,
    KINDS,
    CatalogDataError,
    SeedEntity,
    capital_countries,
    demonym_countries,
    load_catalog,
    seed_entities,
)
from newsdesk.pipeline.names import name_key, name_keys, russian_lemma_phrase

MAX_DATA_BYTES = 200_000


@cache
def entities() -> dict[str, SeedEntity]:
    return {entity.key: entity for entity in seed_entities()}


@cache
def alias_owners() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = collections.defaultdict(set)
    for entity in seed_entities():
        for name, _ in entity.aliases:
            owners[name_key(name)].add(entity.key)
    return owners


def entity_of(name: str) -> str:
    """The one entity whose aliases key as NAME does."""
    owners = alias_owners().get(name_key(name), set())
    assert len(owners) == 1, (name, owners)
    return next(iter(owners))


@cache
def data_text() -> str:
    return resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")


# --- the data file ---------------------------------------------------------------------------


def test_data_file_is_packaged_json_of_sorted_entities_one_per_line():
    text = data_text()
    assert len(text.encode("utf-8")) < MAX_DATA_BYTES
    data = json.loads(text)
    keys = [item["key"] for item in data["entities"]]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
    entity_lines = [line for line in text.splitlines() if line.lstrip().startswith('{"key"')]
    assert len(entity_lines) == len(keys)


def test_every_current_country_is_an_entity_with_english_and_russian_names():
    countries = [entities()[f"country:{c.alpha_2}"] for c in pycountry.countries]
    assert len(countries) == len(pycountry.countries) >= 249
    for country in countries:
        assert country.kind == "country"
        assert re.search(r"[A-Za-z]", country.name_en), country
        assert re.search(r"[А-Яа-яЁё]", country.name_ru), country
        assert (country.name_en, "en") in country.aliases
        assert (country.name_ru, "ru") in country.aliases
        assert "\u0301" not in country.name_ru + "".join(name for name, _ in country.aliases)


def test_entities_have_valid_unique_keys_kinds_and_names():
    all_entities = seed_entities()
    assert len({entity.key for entity in all_entities}) == len(all_entities)
    assert [entity.key for entity in all_entities] == sorted(entity.key for entity in all_entities)
    for entity in all_entities:
        assert KEY_PATTERN.match(entity.key), entity.key
        assert entity.kind in KINDS
        assert entity.key.startswith(KEY_PREFIXES[entity.kind] + ":")
        assert entity.name_en.strip() and entity.name_ru.strip()
        assert entity.aliases
        for name, language in entity.aliases:
            assert language in ("en", "ru", "")
            assert name == " ".join(name.split()) and name_key(name)
    kinds = collections.Counter(entity.kind for entity in all_entities)
    assert kinds["organization"] >= 30 and kinds["place"] >= 7 and kinds["person"] >= 5


def test_no_two_entities_share_a_full_alias_key():
    shared = {key: owners for key, owners in alias_owners().items() if len(owners) > 1}
    assert shared == {}


def test_georgia_is_only_the_country():
    assert entity_of("Georgia") == "country:GE"
    assert entity_of("Грузия") == "country:GE"


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["North Korea", "DPRK", "D.P.R.K.", "КНДР", "Северная Корея"], "country:KP"),
        (["South Korea", "Republic of Korea", "Республика Корея", "Южная Корея"], "country:KR"),
        (
            ["United States", "USA", "U.S.", "US", "America", "США", "Соединённые Штаты"],
            "country:US",
        ),
        (["Соединенные Штаты", "Америка", "United States of America"], "country:US"),
        (
            ["United Kingdom", "UK", "Britain", "Great Britain", "Великобритания", "Британия"],
            "country:GB",
        ),
        (["Russia", "Russian Federation", "Россия", "РФ", "Российская Федерация"], "country:RU"),
        (["China", "PRC", "КНР", "Китай", "People's Republic of China"], "country:CN"),
        (["Iran", "Иран"], "country:IR"),
        (["Syria", "Сирия"], "country:SY"),
        (["Vietnam", "Viet Nam", "Вьетнам"], "country:VN"),
        (["Taiwan", "Тайвань"], "country:TW"),
        (["Turkey", "Türkiye", "Турция"], "country:TR"),
        (["Japan", "Япония"], "country:JP"),
        (["Mongolia", "Монголия"], "country:MN"),
        (["Côte d'Ivoire", "Ivory Coast"], "country:CI"),
        (["Shanghai Cooperation Organization", "SCO", "ШОС"], "org:sco"),
        (["Шанхайская организация сотрудничества", "Shanghai Cooperation Organisation"], "org:sco"),
        (["United Nations", "UN", "U.N.", "ООН"], "org:un"),
        (["UN Security Council", "СБ ООН", "Совет Безопасности ООН"], "org:unsc"),
        (["NATO", "НАТО"], "org:nato"),
        (["BRICS", "БРИКС"], "org:brics"),
        (["EU", "European Union", "ЕС", "Евросоюз"], "org:eu"),
        (["EAEU", "EEU", "ЕАЭС", "Eurasian Economic Union"], "org:eaeu"),
        (["CSTO", "ОДКБ"], "org:csto"),
        (["CIS", "СНГ"], "org:cis"),
        (["ASEAN", "АСЕАН", "Association of Southeast Asian Nations"], "org:asean"),
        (["APEC", "АТЭС"], "org:apec"),
        (["G7", "G-7", "Группа семи", "Большая семёрка"], "org:g7"),
        (["G20", "Группа двадцати"], "org:g20"),
        (["IAEA", "МАГАТЭ"], "org:iaea"),
        (["OSCE", "ОБСЕ"], "org:osce"),
        (["WHO", "ВОЗ"], "org:who"),
        (["OPEC", "ОПЕК"], "org:opec"),
        (["Russian Foreign Ministry", "Foreign Ministry of Russia", "MFA of Russia"], "org:mfa-ru"),
        (["МИД России", "МИД РФ"], "org:mfa-ru"),
        (["Pentagon", "Пентагон"], "org:pentagon"),
        (["State Department", "Госдепартамент"], "org:state-department"),
        (["Kremlin", "the Kremlin", "Кремль"], "org:kremlin"),
        (["TASS", "ТАСС"], "org:tass"),
        (["RIA Novosti", "РИА Новости"], "org:ria-novosti"),
        (["Ministry of Defence of Russia", "Минобороны России"], "org:mod-ru"),
        (["AUKUS"], "org:aukus"),
        (["Quad"], "org:quad"),
        (["Yongbyon", "Йонбён", "Nenbyon", "Нёнбён"], "place:yongbyon"),
        (["Crimea", "Крым"], "place:crimea"),
        (["Donbas", "Donbass", "Донбасс"], "place:donbas"),
        (["Kuril Islands", "Курильские острова", "Курилы"], "place:kuril-islands"),
        (["Korean Peninsula", "Корейский полуостров"], "place:korean-peninsula"),
        (["Asia-Pacific", "АТР", "Азиатско-Тихоокеанский регион"], "place:asia-pacific"),
        (["Black Sea", "Чёрное море", "Черное море"], "place:black-sea"),
        (["Vladimir Putin", "Владимир Путин"], "person:putin"),
        (["Sergey Lavrov", "Sergei Lavrov", "Сергей Лавров"], "person:lavrov"),
        (["Fumio Kishida", "Fumio Kisida", "Фумио Кисида"], "person:kishida"),
        (["Andrey Rudenko", "Andrei Rudenko", "Андрей Руденко"], "person:rudenko"),
        (["Wang Yi", "Ван И"], "person:wang-yi"),
        (["Xi Jinping", "Си Цзиньпин"], "person:xi-jinping"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_newsroom_names_find_their_entity(names, key):
    for name in names:
        assert entity_of(name) == key, name


def test_country_names_follow_the_documented_newsroom_choices():
    assert entities()["country:KP"].name_ru == "КНДР"
    assert entities()["country:KP"].name_en == "North Korea"
    assert entities()["country:KR"].name_ru == "Южная Корея"
    assert entities()["country:US"].name_ru == "США"
    assert entities()["country:RU"].name_en == "Russia"
    assert entities()["country:TW"].name_en == "Taiwan"
    # Uninverted ISO names are aliases, the inverted ones too.
    assert ("Republic of Moldova", "en") in entities()["country:MD"].aliases
    assert ("Democratic Republic of the Congo", "en") in entities()["country:CD"].aliases


def test_persons_are_only_those_the_corpus_or_the_seed_interview_name():
    lines = (CORPUS_DIR / "articles.jsonl").read_text(encoding="utf-8")
    texts = lines + (CORPUS_DIR / "seed-interview.txt").read_text(encoding="utf-8")
    persons = [entity for entity in seed_entities() if entity.kind == "person"]
    assert persons
    for person in persons:
        surnames = {name.split()[-1][:5] for name, _ in person.aliases}
        assert any(surname in texts for surname in surnames), person.key


# --- capitals and demonyms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["Moscow", "Москва"], "country:RU"),
        (["Beijing", "Peking", "Пекин"], "country:CN"),
        (["Washington", "Вашингтон", "Washington, D.C."], "country:US"),
        (["Pyongyang", "Пхеньян"], "country:KP"),
        (["Seoul", "Сеул"], "country:KR"),
        (["Tokyo", "Токио"], "country:JP"),
        (["Kyiv", "Kiev", "Киев"], "country:UA"),
        (["London", "Лондон"], "country:GB"),
        (["Tehran", "Teheran", "Тегеран"], "country:IR"),
        (["New Delhi", "Delhi", "Нью-Дели"], "country:IN"),
        (["Astana", "Nur-Sultan", "Астана"], "country:KZ"),
        (["Hanoi", "Ханой"], "country:VN"),
        (["Taipei", "Тайбэй"], "country:TW"),
        (["Tel Aviv", "Тель-Авив"], "country:IL"),
        (["Ulaanbaatar", "Ulan Bator", "Улан-Батор"], "country:MN"),
        (["Minsk", "Tashkent", "Islamabad", "Ankara", "Paris", "Berlin"], None),
    ],
)
def test_capitals_stand_for_their_country(names, key):
    capitals = capital_countries()
    for name in names:
        assert name_key(name) in capitals, name
        if key is not None:
            assert capitals[name_key(name)] == key, name


def test_capitals_not_mapped_where_news_use_them_for_something_else():
    capitals = capital_countries()
    for name in ["Brussels", "Jerusalem", "The Hague", "Georgia"]:
        assert name_key(name) not in capitals


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (
            ["Russian", "Russians", "российский", "российская", "российское", "российские"],
            "country:RU",
        ),
        (["Japanese", "японский", "японская"], "country:JP"),
        (["Chinese", "китайский", "китайские"], "country:CN"),
        (["American", "Americans", "американский"], "country:US"),
        (["North Korean", "North Koreans", "северокорейский"], "country:KP"),
        (["South Korean", "южнокорейский"], "country:KR"),
        (["British", "британский"], "country:GB"),
        (["Israeli", "Israelis"], "country:IL"),
        (["Mongolian", "монгольский"], "country:MN"),
    ],
)
def test_demonyms_stand_for_their_country(names, key):
    demonyms = demonym_countries()
    for name in names:
        assert demonyms.get(name_key(name)) == key, name


def test_korean_alone_is_no_demonym():
    assert name_key("Korean") not in demonym_countries()
    assert name_key("Korea") not in alias_owners()


def test_capitals_and_demonyms_map_to_existing_countries_consistently():
    known = entities()
    for index in (capital_countries(), demonym_countries()):
        assert index
        for name_id, key in index.items():
            assert known[key].kind == "country"
            # A capital that is also a country's name (Singapore, Tunis) names the same one;
            # otherwise the capital is also a city of its own (place:capital-xx).
            owners = alias_owners().get(name_id)
            city = f"place:capital-{key.split(':')[1].lower()}"
            assert owners is None or owners in ({key}, {city}), (name_id, key, owners)


def test_a_capital_is_also_a_city_named_in_both_languages():
    moscow = entities()["place:capital-ru"]

    assert (moscow.kind, moscow.name_en, moscow.name_ru) == ("place", "Moscow", "Москва")
    assert "place:capital-sg" not in entities()  # Singapore: the city is the country


def test_a_russian_demonym_lemmatized_from_text_finds_its_country():
    # "Российской Федерации" and "Китайской" occur in the Russian corpus.
    assert demonym_countries()[name_key(russian_lemma_phrase("российской").lower())] == "country:RU"
    assert demonym_countries()[name_key(russian_lemma_phrase("китайского").lower())] == "country:CN"


def test_results_are_fresh_copies():
    capital_countries().clear()
    demonym_countries().clear()
    seed_entities().clear()
    assert capital_countries() and demonym_countries() and seed_entities()
    with pytest.raises(dataclasses.FrozenInstanceError):
        seed_entities()[0].name_en = "changed"  # type: ignore[misc]


# --- linking inflected mentions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        # Russian corpus (kremlin.ru): the mention as written, lemmatized, keyed.
        ("Российской Федерации", "country:RU"),
        ("Соединённых Штатов", "country:US"),
        ("Шанхайской организации сотрудничества", "org:sco"),
        ("Си Цзиньпином", "person:xi-jinping"),
        ("Чёрного моря", "place:black-sea"),
        # What the NER module would give from Russian texts.
        ("Андрея Руденко", "person:rudenko"),
        ("Фумио Кисиды", "person:kishida"),
        ("Сергея Лаврова", "person:lavrov"),
        ("Курильских островов", "place:kuril-islands"),
        ("Корейского полуострова", "place:korean-peninsula"),
        ("Организации Объединённых Наций", "org:un"),
        ("Министерства обороны России", "org:mod-ru"),
    ],
)
def test_inflected_russian_mentions_link_through_their_lemma(mention, key):
    assert entity_of(russian_lemma_phrase(mention)) == key


def test_short_forms_of_seed_persons_are_distinct():
    # "Putin" after "Vladimir Putin", "Kishida" after "Fumio Kishida": one person each.
    short: dict[str, set[str]] = collections.defaultdict(set)
    for entity in seed_entities():
        if entity.kind == "person":
            for name, language in entity.aliases:
                for key in name_keys(name, language, person=True):
                    short[key].add(entity.key)
    assert short[name_key("Putin")] == {"person:putin"}
    assert short[name_key("Кисида")] == {"person:kishida"}
    assert short[name_key("Xi")] == {"person:xi-jinping"}
    assert all(len(owners) == 1 for owners in short.values()), short


def test_every_entity_of_the_seed_interview_is_found():
    text = (CORPUS_DIR / "seed-interview.txt").read_text(encoding="utf-8")
    for name in ["Andrey Rudenko", "Andrei Rudenko", "Nenbyon", "DPRK", "North Korea", "NATO"]:
        assert name in text
        assert entity_of(name)
    # "the Kishida administration", "the administration of Kisida": the surname alone.
    kishida = entities()["person:kishida"]
    surnames = {
        key for name, language in kishida.aliases for key in name_keys(name, language, person=True)
    }
    assert "Kishida" in text and "Kisida" in text
    assert {name_key("Kishida"), name_key("Kisida")} <= surnames
    for name in ["Moscow", "Beijing", "Washington", "Tokyo", "Pyongyang", "Taipei", "Hanoi"]:
        assert name in text
        assert name_key(name) in capital_countries()


# --- bad data --------------------------------------------------------------------------------


def test_load_catalog_of_no_entities_gives_the_pycountry_countries():
    data = load_catalog('{"entities": []}')
    assert len(data.entities) == len(pycountry.countries)
    assert data.capitals == {} and data.demonyms == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not JSON"),
        ("{", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        ("[]", "entities"),
        ('{"entities": {}}', "entities"),
        ('{"entities": ["x"]}', "object"),
        ('{"entities": [{"key": "org:x", "kind": "organization"}]}', "name"),
        (
            '{"entities": [{"key": "org:x", "kind": "place", "name_en": "X", "name_ru": "Х"}]}',
            "kind",
        ),
        ('{"entities": [{"key": "Org X", "kind": "organization"}]}', "bad key"),
        ('{"entities": [{"key": "country:XX", "kind": "country"}]}', "ISO 3166"),
        ('{"entities": [{"key": "country:RU", "kind": "country", "colour": "red"}]}', "unknown"),
        (
            '{"entities": [{"key": "org:x", "kind": "organization", "name_en": "X", '
            '"name_ru": "Х", "aliases": {"de": ["X"]}}]}',
            "language",
        ),
        (
            '{"entities": [{"key": "org:x", "kind": "organization", "name_en": "X", '
            '"name_ru": "Х", "aliases": {"en": "X"}}]}',
            "list",
        ),
        (
            '{"entities": [{"key": "org:x", "kind": "organization", "name_en": " ", '
            '"name_ru": "Х"}]}',
            "non-empty",
        ),
        (
            '{"entities": [{"key": "org:x", "kind": "organization", "name_en": "X", '
            '"name_ru": "Х", "capitals": {"en": ["Paris"]}}]}',
            "only a country",
        ),
        (
            '{"entities": [{"key": "country:FR", "kind": "country", "capitals": {"en": ["Paris"]}},'
            ' {"key": "country:RU", "kind": "country", "capitals": {"en": ["Paris"]}}]}',
            "stands for",
        ),
        (
            '{"entities": [{"key": "org:x", "kind": "organization", "name_en": "X",'
            ' "name_ru": "Х"}, {"key": "org:x", "kind": "organization", "name_en": "Y",'
            ' "name_ru": "У"}]}',
            "twice",
        ),
    ],
)
def test_load_catalog_refuses_malformed_data(text, message):
    with pytest.raises(CatalogDataError, match=message):
        load_catalog(text)


def test_load_catalog_merges_a_country_override_onto_pycountry():
    data = load_catalog(
        '{"entities": [{"key": "country:KP", "kind": "country", "name_ru": "КНДР",'
        ' "aliases": {"any": ["DPRK"]}, "demonyms": {"en": ["North Korean"]}}]}'
    )
    korea = next(entity for entity in data.entities if entity.key == "country:KP")
    assert korea.name_ru == "КНДР"
    assert korea.name_en == "North Korea"
    assert ("DPRK", "") in korea.aliases
    assert ("Корейская Народно-Демократическая Республика", "ru") in korea.aliases
    assert data.demonyms == {
        name_key("North Korean"): "country:KP",
        name_key("North Koreans"): "country:KP",
    }
