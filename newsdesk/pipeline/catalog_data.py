"""The entity catalog's starting data: countries, organizations, places, events, a few persons.

Every current ISO 3166-1 country comes from pycountry, named in English (name, common and
official names) and in Russian (pycountry's bundled iso3166-1 gettext catalog). The data file
data/entities.json adds what newsrooms write and pycountry lacks (DPRK, КНДР, U.S., США, UK,
Великобритания...), overrides names where news say it differently (name_ru of KP is КНДР), and
holds the organizations, places, events and persons, each with its English and Russian names
and aliases. It also lists, per country, the capitals that stand for its government ("Moscow
said") and the demonyms that stand for it ("Russian", "российский").
"""

from __future__ import annotations

import functools
import gettext
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pycountry

from newsdesk.pipeline.names import name_key

KINDS = ("person", "organization", "country", "place", "event")
# A stable id: "country:" and an ISO 3166-1 alpha-2 code, or a kind's prefix and a slug.
KEY_PATTERN = re.compile(
    r"^(?:country:[A-Z]{2}|(?:person|org|place|event):[a-z0-9]+(?:-[a-z0-9]+)*)$"
)
KEY_PREFIXES = {
    "person": "person",
    "organization": "org",
    "country": "country",
    "place": "place",
    "event": "event",
}
# Alias languages: the data file writes "any" for a name used in both, SeedEntity "".
LANGUAGES = {"en": "en", "ru": "ru", "any": ""}
DATA_PACKAGE = "newsdesk.pipeline"
DATA_FILE = "data/entities.json"
_ENTITY_FIELDS = frozenset(
    {"key", "kind", "name_en", "name_ru", "aliases", "capitals", "demonyms", "note"}
)
_STRESS_MARKS = str.maketrans({"\u0301": None, "\u0300": None})
# Russian adjectives in -ий / -ый and their feminine, neuter and plural nominative endings.
_RU_ADJECTIVE_ENDINGS = {"ий": ("ая", "ое", "ие"), "ый": ("ая", "ое", "ые")}


class CatalogDataError(ValueError):
    """The catalog's data file is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class SeedEntity:
    """One entity of the starting catalog."""

    key: str  # stable id, e.g. "country:RU", "org:sco", "person:putin"
    kind: str  # person | organization | country | place | event
    name_en: str
    name_ru: str
    aliases: tuple[tuple[str, str], ...]  # (name, language "en"/"ru"/"" for any)


@dataclass(frozen=True, slots=True)
class CatalogData:
    """The parsed data: entities sorted by key, and name keys of capitals and demonyms."""

    entities: tuple[SeedEntity, ...]
    capitals: Mapping[str, str]
    demonyms: Mapping[str, str]


def seed_entities() -> list[SeedEntity]:
    """The catalog's starting entities, sorted by key (a new list each call)."""
    return list(_packaged().entities)


def capital_countries() -> dict[str, str]:
    """name_key of a capital (English or Russian) -> its country's key ("moscow" -> country:RU)."""
    return dict(_packaged().capitals)


def demonym_countries() -> dict[str, str]:
    """name_key of a demonym or Russian adjective -> its country's key ("japanese" -> country:JP).

    English demonyms in -an and -i also give their plural (Russians, Israelis); Russian
    adjectives give their four nominative forms (российский, российская, российское, российские).
    """
    return dict(_packaged().demonyms)


@functools.cache
def _packaged() -> CatalogData:
    """The packaged data file, parsed once."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return load_catalog(text)


def load_catalog(text: str | bytes) -> CatalogData:
    """Parse and check a data file's text (see data/entities.json) merged with pycountry.

    Raises CatalogDataError for JSON that is not an object with an "entities" list, an entity
    with an unknown field, kind, language or country code, a key that does not match its kind,
    a key given twice, a missing name, or capitals and demonyms on something not a country.
    """
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as error:
        raise CatalogDataError(f"not JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise CatalogDataError('expected an object with an "entities" list')
    countries = _pycountry_entities()
    entities: dict[str, SeedEntity] = {}
    capitals: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    for position, item in enumerate(data["entities"]):
        where = f"entities[{position}]"
        if not isinstance(item, dict):
            raise CatalogDataError(f"{where}: expected an object")
        entity = _entity(item, base=countries, where=where)
        if entity.key in entities:
            raise CatalogDataError(f"{where}: key {entity.key} given twice")
        entities[entity.key] = entity
        if entity.kind != "country" and ("capitals" in item or "demonyms" in item):
            raise CatalogDataError(f"{where}: only a country has capitals and demonyms")
        capital_names = _names(item.get("capitals", {}), where=f"{where}.capitals")
        for name, _ in capital_names:
            _add_key(capitals, name, entity.key, where=f"{where}.capitals")
        city = _capital_city(entity, capital_names)
        if city is not None:
            entities.setdefault(city.key, city)
        for name in _demonym_forms(_names(item.get("demonyms", {}), where=f"{where}.demonyms")):
            _add_key(demonyms, name, entity.key, where=f"{where}.demonyms")
    for key, country in countries.items():
        entities.setdefault(key, country)
    ordered = tuple(entities[key] for key in sorted(entities))
    return CatalogData(entities=ordered, capitals=capitals, demonyms=demonyms)


def _capital_city(country: SeedEntity, names: list[tuple[str, str]]) -> SeedEntity | None:
    """The capital as a city of its own ("talks in Moscow"), named in both languages: a
    capital standing for its government links to the country instead (news.entities). None
    when a name of the capital is one of the country's (Singapore, Tunis, Алжир)."""
    english = [name for name, language in names if language == "en"]
    russian = [name for name, language in names if language == "ru"]
    own = {name_key(name) for name in (country.name_en, country.name_ru)}
    own |= {name_key(name) for name, _language in country.aliases}
    if not english or not russian or any(name_key(name) in own for name, _ in names):
        return None
    return SeedEntity(
        key=f"place:capital-{country.key.split(':', 1)[1].lower()}",
        kind="place",
        name_en=english[0],
        name_ru=russian[0],
        aliases=tuple(names),
    )


def _entity(item: dict[str, Any], *, base: dict[str, SeedEntity], where: str) -> SeedEntity:
    """One data-file object as an entity; a country's is merged onto pycountry's."""
    unknown = set(item) - _ENTITY_FIELDS
    if unknown:
        raise CatalogDataError(f"{where}: unknown fields {sorted(unknown)}")
    key, kind = item.get("key"), item.get("kind")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise CatalogDataError(f"{where}: bad key {key!r}")
    if kind not in KEY_PREFIXES or not key.startswith(f"{KEY_PREFIXES[kind]}:"):
        raise CatalogDataError(f"{where}: kind {kind!r} does not fit key {key}")
    country = base.get(key)
    if kind == "country" and country is None:
        raise CatalogDataError(f"{where}: {key} is not a current ISO 3166-1 country")
    name_en = _text(item.get("name_en", country.name_en if country else None), where=where)
    name_ru = _text(item.get("name_ru", country.name_ru if country else None), where=where)
    aliases: list[tuple[str, str]] = [(name_en, "en"), (name_ru, "ru")]
    if country is not None:
        aliases.extend(country.aliases)
    for language, names in _aliases(item.get("aliases", {}), where=f"{where}.aliases"):
        aliases.extend((name, language) for name in names)
    return SeedEntity(
        key=key, kind=kind, name_en=name_en, name_ru=name_ru, aliases=_unique(aliases)
    )


def _text(value: object, *, where: str) -> str:
    """A name: a non-empty string, stress marks dropped, spaces normalized."""
    if not isinstance(value, str) or not value.strip():
        raise CatalogDataError(f"{where}: a name must be a non-empty string, not {value!r}")
    return " ".join(value.translate(_STRESS_MARKS).split())


def _aliases(value: object, *, where: str) -> Iterable[tuple[str, list[str]]]:
    """(language, names) pairs of an aliases object such as {"en": [...], "ru": [...]}."""
    if not isinstance(value, dict):
        raise CatalogDataError(f"{where}: expected an object of languages")
    for language, names in value.items():
        if language not in LANGUAGES:
            raise CatalogDataError(f"{where}: unknown language {language!r}")
        if not isinstance(names, list):
            raise CatalogDataError(f"{where}.{language}: expected a list of names")
        yield LANGUAGES[language], [_text(name, where=f"{where}.{language}") for name in names]


def _names(value: object, *, where: str) -> list[tuple[str, str]]:
    """(name, language) pairs of a capitals or demonyms object."""
    return [(name, language) for language, names in _aliases(value, where=where) for name in names]


def _add_key(index: dict[str, str], name: str, key: str, *, where: str) -> None:
    """Index NAME's key to KEY; one name standing for two countries is an error."""
    name_id = name_key(name)
    if not name_id:
        raise CatalogDataError(f"{where}: {name!r} has an empty key")
    if index.get(name_id, key) != key:
        raise CatalogDataError(f"{where}: {name!r} stands for {index[name_id]} already")
    index[name_id] = key


def _demonym_forms(names: list[tuple[str, str]]) -> list[str]:
    """Demonyms with their plural (English -an, -i) or gender and number forms (Russian -ий)."""
    forms: list[str] = []
    for name, language in names:
        forms.append(name)
        if language == "en" and (name.endswith("an") or name.endswith("i")):
            forms.append(f"{name}s")
        ending = name[-2:]
        if language == "ru" and ending in _RU_ADJECTIVE_ENDINGS:
            forms.extend(name[:-2] + other for other in _RU_ADJECTIVE_ENDINGS[ending])
    return forms


def _unique(aliases: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Aliases without repeats (the first spelling kept) and without names that have no key."""
    seen: set[tuple[str, str]] = set()
    kept: list[tuple[str, str]] = []
    for name, language in aliases:
        if (name, language) not in seen and name_key(name):
            seen.add((name, language))
            kept.append((name, language))
    return tuple(kept)


@functools.cache
def _pycountry_entities() -> dict[str, SeedEntity]:
    """Every ISO 3166-1 country as an entity, with pycountry's English and Russian names."""
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    entities: dict[str, SeedEntity] = {}
    for country in pycountry.countries:
        english = [country.name, *_optional(country, "common_name", "official_name")]
        names_en = [form for name in english for form in _english_forms(name)]
        names_ru = [
            _text(translated, where=country.alpha_2)
            for name in [country.name, *_optional(country, "official_name")]
            if (translated := russian.gettext(name)) != name
        ]
        name_en = _plain_english(country)
        name_ru = names_ru[0] if names_ru else name_en
        aliases = [(name, "en") for name in names_en] + [(name, "ru") for name in names_ru]
        key = f"country:{country.alpha_2}"
        entities[key] = SeedEntity(
            key=key, kind="country", name_en=name_en, name_ru=name_ru, aliases=_unique(aliases)
        )
    return entities


def _optional(country: Any, *fields: str) -> list[str]:
    """The fields that this pycountry record has (common_name and official_name are optional)."""
    return [value for field in fields if isinstance(value := getattr(country, field, None), str)]


def _plain_english(country: Any) -> str:
    """A country's English name as prose writes it: its common name, or the ISO name uninverted."""
    common = getattr(country, "common_name", None)
    if isinstance(common, str):
        return common
    return _english_forms(country.name)[-1]


def _english_forms(name: str) -> list[str]:
    """An ISO English name and the forms prose uses.

    "Korea, Republic of" -> also "Republic of Korea"; "Falkland Islands (Malvinas)" -> also
    "Falkland Islands"; "the State of Palestine" -> "State of Palestine". The last form is the
    one prose uses.
    """
    name = _text(name, where=name)
    forms = [name]
    head, comma, tail = name.partition(", ")
    if comma and re.search(r"\bof(?: the)?$", tail, flags=re.IGNORECASE):
        forms.append(f"{tail} {head}")
    bare = re.sub(r"\s*\([^)]*\)", "", forms[-1]).strip()
    if bare != forms[-1]:
        forms.append(bare)
    if forms[-1].lower().startswith("the "):
        forms.append(forms[-1][4:])
    return forms
