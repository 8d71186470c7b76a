"""The entity catalog, and mentions linked to it across spellings and languages.

The catalog starts from data that ships with newsdesk (pipeline.catalog_data: countries from
pycountry with their Russian names, organizations, capitals, demonyms, a few places and
people of the demo corpus) and grows from what the pipeline finds. Every entity is looked up
by the keys of its names (pipeline.names.name_key), which make spelling and transliteration
variants equal: "Kishida", "Kisida" and "Кисида" are one key, "Andrey" and "Andrei" too.

Linking a span found in a text (pipeline.ner.Span) takes these steps, first match wins:

1. A capital standing for its government ("Moscow warned", "talks between Beijing and
   Washington") is its country; after a place preposition ("in Moscow", "в Москве") it is
   the city. A nationality adjective ("Russian", "Japanese") is its country.
2. The key of the span's base form (or of its surface) is an alias key of one entity.
3. A person's surname alone ("Putin") after the full name in the same text is that person.
4. A long name one letter off a catalog name of the same kind is that entity.
5. Otherwise a new entity, only when the evidence is good enough: a name of two words or
   more, or an abbreviation, or a name the text repeats. A lone word seen once links to
   nothing rather than become a duplicate of a known entity spelled oddly.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.text import slugify

from newsdesk.news.models import Entity, EntityAlias, Mention
from newsdesk.pipeline.catalog_data import capital_countries, demonym_countries, seed_entities
from newsdesk.pipeline.names import (
    name_key,
    name_keys,
    russian_lemma_phrase,
    similar,
    transliterate_ru,
)
from newsdesk.pipeline.ner import Span

# Kinds a span may link to, by the kind the recognizer gave it (a "place" may be a country).
COMPATIBLE_KINDS: dict[str, frozenset[str]] = {
    "person": frozenset({"person"}),
    "organization": frozenset({"organization"}),
    "country": frozenset({"country"}),
    "place": frozenset({"place", "country"}),
    "event": frozenset({"event"}),
}
ALL_KINDS = frozenset(COMPATIBLE_KINDS)
# Two keys at least this similar (and this long) are one name misspelt.
FUZZY_SIMILARITY = 0.92
FUZZY_MIN_LENGTH = 8
# A full name with a known person's surname (this long at least) and given names this similar
# is that person: "Реджеп Тайип" / "Recep Tayyip" 0.87, "Мухаммед Бен" / "Mohammed bin" 0.89.
GIVEN_NAMES_SIMILARITY = 0.8
MIN_SURNAME_CHARS = 4
# Words before a capital that make it the city, not the government.
_PLACE_WORDS = frozenset(
    {"in", "at", "near", "to", "from", "into", "outside", "around", "across", "via"}
    | {"в", "во", "на", "из", "под", "до", "около", "возле", "близ", "к", "ко", "через"}
)
_WORD_BEFORE = re.compile(r"(\w+)\W*$")
_OF_BEFORE = re.compile(r"\s(?:of|of the)\s+\Z")
_INITIALS = re.compile(r"^(?:[A-ZА-ЯЁ]\.\s?){1,2}(?=[A-ZА-ЯЁ][a-zа-яё])")
_ABBREVIATION = re.compile(r"^[A-ZА-ЯЁ]{2,6}$")

_lock = threading.Lock()
_catalog_cache: dict[str, Catalog] = {}


@dataclass(frozen=True, slots=True)
class Linked:
    """A span and the entity it names (None: not linked)."""

    span: Span
    entity_id: int | None


@dataclass
class Catalog:
    """The catalog in memory for linking: entity kinds and the entities of each name key."""

    version: tuple[int, ...]
    kinds: dict[int, str]
    by_key: dict[str, set[int]]
    countries: dict[str, int]  # catalog key ("country:RU") -> entity id
    # surname key -> (key of the given names, person id), of persons' full names
    surnames: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)  # merged entity -> the one it went to

    def candidates(self, key: str, kinds: frozenset[str]) -> list[int]:
        """Entities of a name key whose kind fits, lowest id (oldest) first."""
        return sorted(e for e in self.by_key.get(key, ()) if self.kinds.get(e) in kinds)


def catalog_ensure() -> None:
    """Put the starting catalog in the database: entities missing by catalog key are created
    with their aliases; entities already there are left as editors made them."""
    seeds = seed_entities()
    # One count per article in the usual case: every seed is there (editors' deletions
    # bring the count down and the seeds back).
    if Entity.objects.exclude(key="").count() >= len(seeds):
        return
    existing = set(Entity.objects.exclude(key="").values_list("key", flat=True))
    missing = [seed for seed in seeds if seed.key not in existing]
    if not missing:
        return
    with transaction.atomic():
        taken = set(Entity.objects.values_list("slug", flat=True))
        for seed in missing:
            entity = Entity.objects.create(
                key=seed.key,
                kind=seed.kind,
                name_en=seed.name_en,
                name_ru=seed.name_ru,
                slug=_free_slug(seed.name_en or transliterate_ru(seed.name_ru), taken),
            )
            names = [(seed.name_en, "en"), (seed.name_ru, "ru"), *seed.aliases]
            # A well-known person of the starting catalog is also found by surname alone
            # ("Путин"); people the pipeline adds only by their full names (see spans_link).
            _aliases_add(entity, names, person=seed.kind == "person")


def catalog() -> Catalog:
    """The catalog for linking, read again only when entities or aliases changed; when rows
    were only added (the pipeline's new entities), only the new rows are read."""
    version = _catalog_version()
    cached = _catalog_cache.get("catalog")
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        if cached is not None and _only_added(cached.version, version):
            built = _catalog_read(version, base=cached)
        else:
            built = _catalog_read(version, base=None)
        _catalog_cache["catalog"] = built
        return built


def _only_added(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """True when the change from version OLD to NEW is rows added after the newest ones, no
    row removed, merged or added below the top (which a count would show: a row deleted
    and another added keeps the count but moves the top)."""
    entities, entity_top, aliases, alias_top, merged = (
        b - a for a, b in zip(old, new, strict=True)
    )
    return entities == entity_top >= 0 and aliases == alias_top >= 0 and merged == 0


def _catalog_read(version: tuple[int, ...], *, base: Catalog | None) -> Catalog:
    """The catalog at VERSION: read whole, or BASE with the rows added since it was read."""
    entity_top, alias_top = (base.version[1], base.version[3]) if base else (0, 0)
    kinds = dict(base.kinds) if base else {}
    merged = dict(base.merged) if base else {}
    countries = dict(base.countries) if base else {}
    by_key: dict[str, set[int]] = dict(base.by_key) if base else {}
    added: list[tuple[str, int]] = []
    entities = Entity.objects.filter(pk__gt=entity_top, pk__lte=version[1])
    names = []
    for pk, kind, key, into, name_en, name_ru in entities.values_list(
        "pk", "kind", "key", "merged_into", "name_en", "name_ru"
    ):
        kinds[pk] = kind
        if into:
            merged[pk] = into
        if key.startswith("country:"):
            countries[key] = pk
        names += [(name_key(name), pk) for name in (name_en, name_ru) if name]
    aliases = EntityAlias.objects.filter(pk__gt=alias_top, pk__lte=version[3])
    for normalized, entity_id in [*aliases.values_list("normalized", "entity_id"), *names]:
        final = _final(entity_id, merged)
        # A set shared with the cached catalog is copied before it changes.
        by_key[normalized] = {*by_key.get(normalized, ()), final}
        added.append((normalized, final))
    surnames = {k: list(v) for k, v in base.surnames.items()} if base else {}
    for key, entity_id in added:
        words = key.split()
        if len(words) > 1 and kinds.get(entity_id) == "person":
            entry = (" ".join(words[:-1]), entity_id)
            if entry not in surnames.setdefault(words[-1], []):
                surnames[words[-1]].append(entry)
    return Catalog(version, kinds, by_key, countries, surnames, merged)


def spans_link(
    spans: Sequence[Span], *, text: str, language: str, create: bool = True
) -> list[Linked]:
    """Link the spans found in TEXT (in LANGUAGE) to the catalog, creating entities for new
    names with enough evidence when CREATE; returns them in order."""
    known = catalog()
    capitals, demonyms = capital_countries(), demonym_countries()
    repeated = _repeated_keys(spans)
    persons: dict[str, int] = {}  # surname key -> person linked earlier in this text
    linked: list[Linked] = []
    for span in spans:
        entity_id = _link_one(
            span,
            text=text,
            known=known,
            capitals=capitals,
            demonyms=demonyms,
            persons=persons,
        )
        if entity_id is None:
            # A span the recognizer drew too wide ("Nenbyon in exchange"): the part of it
            # that the catalog knows exactly.
            part = _known_part(span, known=known)
            if part is not None:
                span, entity_id = part
        if entity_id is None and create and _evidence(span, repeated, language=language):
            entity_id = _entity_create(span, language=language)
            known = catalog()
        if entity_id is not None and span.kind == "person":
            surname = _surname_key(span)
            if surname:
                persons.setdefault(surname, entity_id)
        linked.append(Linked(span, entity_id))
    return linked


def _link_one(
    span: Span,
    *,
    text: str,
    known: Catalog,
    capitals: dict[str, str],
    demonyms: dict[str, str],
    persons: dict[str, int],
) -> int | None:
    keys = _span_keys(span)
    if span.kind in {"place", "country"}:
        for key in keys:
            country = capitals.get(key)
            if country and not _after_place_word(text, span.start):
                return known.countries.get(country)
            country = demonyms.get(key)
            if country:
                return known.countries.get(country)
    kinds = COMPATIBLE_KINDS.get(span.kind, frozenset({span.kind}))
    for key in keys:
        found = known.candidates(key, kinds)
        if found:
            return found[0]
    for key in keys:
        # A name the catalog knows exactly, under another kind than the recognizer guessed
        # ("DPRK" or "США" read as organizations, "the Russian Federation" too).
        found = known.candidates(key, ALL_KINDS)
        if len(found) == 1:
            return found[0]
    if span.kind == "person":
        for key in keys:
            if key in persons:
                return persons[key]
        for key in keys:
            same = _same_person(key, known=known)
            if same is not None:
                return same
    return _fuzzy(keys, kinds=kinds, known=known)


def _same_person(key: str, *, known: Catalog) -> int | None:
    """A known person with the surname of the full name KEY and given names that sound
    alike: "Реджеп Тайип Эрдоган" after "Recep Tayyip Erdogan" (keys "redzhep tayip erdogan"
    and "recep taiyip erdogan"), as translated and transliterated names differ."""
    words = key.split()
    if len(words) < 2 or len(words[-1]) < MIN_SURNAME_CHARS:
        return None
    given = words[:-1]
    for other_given, entity in known.surnames.get(words[-1], ()):
        other = other_given.split()
        shorter, longer = (given, other) if len(given) <= len(other) else (other, given)
        # Each given name of the shorter form sounds like one of the longer form's
        # ("Tayyip Erdogan" and "Реджеп Тайип Эрдоган").
        if all(
            any(similar(name, candidate) >= GIVEN_NAMES_SIMILARITY for candidate in longer)
            for name in shorter
        ):
            return entity
    return None


_WORDS = re.compile(r"\S+")


def _known_part(span: Span, *, known: Catalog) -> tuple[Span, int] | None:
    """The longest leading, then trailing, run of words of SPAN that is exactly a catalog
    name (of one entity, starting with a capital), as a span of its own."""
    words = [(m.start(), m.end()) for m in _WORDS.finditer(span.surface)]
    if len(words) < 2:
        return None
    runs = [(0, n) for n in range(len(words) - 1, 0, -1)]
    runs += [(n, len(words)) for n in range(1, len(words))]
    for first, last in runs:
        start, end = words[first][0], words[last - 1][1]
        surface = span.surface[start:end].strip(".,;:!?\"'«»()")
        if not surface[:1].isupper():
            continue
        if first and span.kind == "organization" and _OF_BEFORE.search(span.surface, 0, start):
            # "Presidential Council of Libya": the country is the body's complement; the
            # span names the body, not the country.
            continue
        start = span.surface.index(surface, start)
        found = known.candidates(name_key(surface), ALL_KINDS)
        if len(found) == 1:
            part = Span(
                surface=surface,
                start=span.start + start,
                end=span.start + start + len(surface),
                kind=span.kind,
                normal=surface,
                label=span.label,
            )
            return part, found[0]
    return None


def _fuzzy(keys: Iterable[str], *, kinds: frozenset[str], known: Catalog) -> int | None:
    """A catalog entity whose name is one slip away from a long name (same kind)."""
    for key in keys:
        if len(key) < FUZZY_MIN_LENGTH:
            continue
        best: tuple[float, int] | None = None
        for other, entities in known.by_key.items():
            if other[:1] != key[:1] or abs(len(other) - len(key)) > 2:
                continue
            score = similar(key, other)
            if score < FUZZY_SIMILARITY:
                continue
            for entity in entities:
                if known.kinds.get(entity) in kinds and (best is None or score > best[0]):
                    best = (score, entity)
        if best:
            return best[1]
    return None


def _span_keys(span: Span) -> list[str]:
    """The name keys to look a span up by: its base form first, then its surface; for a
    person written with initials ("В.Путин", "V. Putin"), the surname last."""
    keys: list[str] = []
    names = [span.normal, span.surface]
    initials = _INITIALS.match(span.normal) if span.kind == "person" else None
    if initials:
        names.append(span.normal[initials.end() :])
    for name in names:
        key = name_key(name)
        if key and key not in keys:
            keys.append(key)
    return keys


def _surname_key(span: Span) -> str:
    words = (span.normal or span.surface).split()
    return name_key(words[-1]) if len(words) > 1 else ""


def _after_place_word(text: str, start: int) -> bool:
    """True when the word before START is a place preposition ("in Moscow", "в Москве")."""
    match = _WORD_BEFORE.search(text[max(0, start - 40) : start])
    return bool(match and match.group(1).casefold() in _PLACE_WORDS)


def _repeated_keys(spans: Sequence[Span]) -> set[str]:
    counts: dict[str, int] = defaultdict(int)
    for span in spans:
        counts[name_key(span.normal or span.surface)] += 1
    return {key for key, count in counts.items() if count > 1}


def _evidence(span: Span, repeated: set[str], *, language: str) -> bool:
    """Whether an unknown name is sure enough to become a new entity."""
    name = (span.normal or span.surface).strip()
    key = name_key(name)
    if len(key) < 2 or not any(char.isalpha() for char in name):
        return False
    if not name[:1].isupper() and not name[:1].isdigit():
        return False
    if span.kind == "country":
        return False  # countries all come with the catalog: an unknown one is a misreading
    if _script_of(name) != _SCRIPT_OF_LANGUAGE.get(language, _script_of(name)):
        return False  # a Russian word in an English text (a quote) is no English name
    words = name.split()
    return len(words) > 1 or bool(_ABBREVIATION.match(name)) or key in repeated


_SCRIPT_OF_LANGUAGE = {"ru": "cyrillic", "en": "latin"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _script_of(name: str) -> str:
    return "cyrillic" if _CYRILLIC.search(name) else "latin"


def _entity_create(span: Span, *, language: str) -> int:
    """A new entity for a span: named in the span's language, transliterated for people and
    places from Russian; the other language's name is left for editors otherwise."""
    name = (span.normal or span.surface).strip()
    kind = "place" if span.kind == "country" else span.kind
    name_en, name_ru = "", ""
    if language == "ru":
        name_ru = name
        if kind in {"person", "place"}:
            name_en = transliterate_ru(name)
    else:
        name_en = name
    with transaction.atomic():
        taken = set(
            Entity.objects.filter(slug__startswith=slugify(name_en or name)[:40]).values_list(
                "slug", flat=True
            )
        )
        entity = Entity.objects.create(
            kind=kind,
            name_en=name_en[:300],
            name_ru=name_ru[:300],
            slug=_free_slug(name_en or transliterate_ru(name), taken),
        )
        _aliases_add(entity, [(name, language), (span.surface, language)])
    return entity.pk


def _aliases_add(entity: Entity, names: Iterable[tuple[str, str]], *, person: bool = False) -> None:
    """Add the names to the entity's aliases (one per key; blank names skipped); PERSON adds
    each name's surname keys too."""
    seen = set(entity.aliases.values_list("normalized", flat=True))
    rows = []
    for name, language in names:
        name = name.strip()
        for key in name_keys(name, language or "en", person=person) if name else ():
            if key and key not in seen:
                seen.add(key)
                rows.append(
                    EntityAlias(
                        entity=entity, name=name[:300], normalized=key[:300], language=language
                    )
                )
    EntityAlias.objects.bulk_create(rows)


def _free_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:80] or "entity"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def _final(entity_id: int, merged: dict[int, int]) -> int:
    """The entity an entity was merged into, following chains (an editor's merges)."""
    seen = set()
    while entity_id in merged and entity_id not in seen:
        seen.add(entity_id)
        entity_id = merged[entity_id]
    return entity_id


def _catalog_version() -> tuple[int, ...]:
    """Changes whenever an entity or alias is added, removed, merged or renamed."""
    entities = Entity.objects.aggregate(
        n=Count("pk"), top=Max("pk"), merged=Count("pk", filter=Q(merged_into__isnull=False))
    )
    aliases = EntityAlias.objects.aggregate(n=Count("pk"), top=Max("pk"))
    return (
        entities["n"] or 0,
        entities["top"] or 0,
        aliases["n"] or 0,
        aliases["top"] or 0,
        entities["merged"] or 0,
    )


def alias_key(name: str, language: str) -> str:
    """The look-up key of an alias an editor types: an inflected Russian name ("Кисиды
    Фумио") is keyed by its base form, as the recognizer's spans are."""
    if language == "ru" and _CYRILLIC.search(name):
        return name_key(russian_lemma_phrase(name))
    return name_key(name)


def entities_merge(*, target: Entity, others: Sequence[Entity]) -> int:
    """Merge OTHERS into TARGET: their mentions and aliases move to it, their names become its
    aliases, and each keeps pointing at it (merged_into) so links to it still lead there.
    Returns how many mentions moved."""
    others = [entity for entity in others if entity.pk != target.pk]
    if not others:
        return 0
    ids = [entity.pk for entity in others]
    with transaction.atomic():
        moved = Mention.objects.filter(entity_id__in=ids).update(entity=target)
        names = [(name, "en") for e in others for name in (e.name_en,) if name]
        names += [(name, "ru") for e in others for name in (e.name_ru,) if name]
        names += list(EntityAlias.objects.filter(entity_id__in=ids).values_list("name", "language"))
        EntityAlias.objects.filter(entity_id__in=ids).delete()
        _aliases_add(target, names)
        Entity.objects.filter(pk__in=ids).update(merged_into=target)
        # Entities merged into these earlier now lead to the target directly.
        Entity.objects.filter(merged_into_id__in=ids).update(merged_into=target)
    return moved
