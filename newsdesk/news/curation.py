"""Editors' changes to the entity catalog: splitting an entity in two, renaming one, its aliases.

Linking reads the catalog again only when its version changes (news.entities.catalog), and
that version counts entities and aliases and their highest ids. So every change here that
linking must see either adds a row or writes one anew: an entity renamed keeps its former names
as aliases and gets its new ones as aliases too; a changed alias, kind or merge writes an alias
row again (same content, a new id).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import DenseRank
from django.utils.text import slugify
from django.utils.translation import gettext as _

from newsdesk.news.entities import _free_slug, alias_key
from newsdesk.news.models import Entity, EntityAlias, Mention
from newsdesk.pipeline.names import name_key, transliterate_ru

# Article titles shown beside each spelling of an entity on the split page.
EXAMPLE_TITLES = 3
# The fields of Entity holding its names, and their languages.
NAME_FIELDS = {"name_en": "en", "name_ru": "ru"}
# Entity fields whose change linking must see (names are handled through aliases).
LINKING_FIELDS = frozenset({"kind", "merged_into"})


@dataclass(frozen=True, slots=True)
class SurfaceUse:
    """One spelling an entity's mentions use: its language, how many mentions, a few titles."""

    surface: str
    language: str
    count: int
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SplitResult:
    """The entity a split created, and how many aliases and mentions moved to it."""

    entity: Entity
    aliases: int
    mentions: int


def entity_surfaces(*, entity: Entity, examples: int = EXAMPLE_TITLES) -> list[SurfaceUse]:
    """The distinct spellings of ENTITY's mentions, most used first, each with the titles of
    up to EXAMPLES articles using it (newest first). Two queries whatever the numbers."""
    counts = _surface_counts(entity)
    # Mentions ranked by article within their spelling (several in one article share a rank):
    # the first few articles of each spelling are its examples.
    pairs = (
        Mention.objects.filter(entity=entity)
        .annotate(
            rank=Window(DenseRank(), partition_by=[F("surface")], order_by=F("article_id").desc())
        )
        .filter(rank__lte=examples)
        .values_list("surface", "rank", "article__title")
        .order_by("surface", "rank")
        .distinct()
    )
    titles: dict[str, list[str]] = defaultdict(list)
    for surface, _rank, title in pairs:
        titles[surface].append(title)
    uses = [
        SurfaceUse(
            surface=surface,
            language=languages.most_common(1)[0][0],
            count=sum(languages.values()),
            titles=tuple(titles[surface]),
        )
        for surface, languages in counts.items()
    ]
    return sorted(uses, key=lambda use: (-use.count, use.surface))


def entity_name_keys(entity: Entity) -> set[str]:
    """The keys of ENTITY's own names: the catalog finds it by these whatever its aliases."""
    return {name_key(name) for name in (entity.name_en, entity.name_ru) if name_key(name)}


def entity_split_check(
    *,
    entity: Entity,
    kind: str,
    name_en: str,
    name_ru: str,
    aliases: Collection[int],
    surfaces: Collection[str],
) -> None:
    """Raise ValidationError (every problem at once, by form field where there is one) unless
    moving ALIASES (ids) and the mentions spelled as SURFACES of ENTITY to a new entity of
    KIND named NAME_EN / NAME_RU leaves two entities that linking tells apart."""
    errors: dict[str, list[str]] = defaultdict(list)
    general = errors[NON_FIELD_ERRORS]
    name_en, name_ru = name_en.strip(), name_ru.strip()
    if entity.merged_into_id:
        general.append(
            _("%(entity)s was merged into %(target)s: split that entity instead.")
            % {"entity": entity, "target": entity.merged_into}
        )
    if kind not in Entity.Kind.values:
        errors["kind"].append(_("Choose the kind of the new entity."))
    if not name_en and not name_ru:
        errors["name_en"].append(_("Give the new entity a name in English or in Russian."))
    elif kind == Entity.Kind.COUNTRY and not (name_en and name_ru):
        # Countries are named in both languages all over the catalog and the site.
        errors["name_ru" if name_en else "name_en"].append(
            _("A country needs its name in both English and Russian.")
        )

    all_aliases = {alias.pk: alias for alias in entity.aliases.all()}
    languages = _surface_languages(entity)
    chosen = set(aliases)
    chosen_surfaces = set(surfaces)
    if not chosen and not chosen_surfaces:
        general.append(_("Choose at least one alias or spelling to move to the new entity."))
    unknown = (chosen - set(all_aliases)) or (chosen_surfaces - set(languages))
    if unknown:
        general.append(_("Some of the chosen names are no longer this entity's: reload the page."))

    own = entity_name_keys(entity)
    for pk in sorted(chosen & set(all_aliases)):
        if all_aliases[pk].normalized in own:
            general.append(_own_name_error(all_aliases[pk].name, entity))
    for surface in sorted(chosen_surfaces & set(languages)):
        if _keys(surface, languages[surface]) & own:
            general.append(_own_name_error(surface, entity))

    moving = _aliases_moving(entity, aliases=chosen, surfaces=chosen_surfaces, languages=languages)
    movable = {pk for pk, alias in all_aliases.items() if alias.normalized not in own}
    if (chosen or chosen_surfaces) and movable <= moving and set(languages) <= chosen_surfaces:
        general.append(
            _("That is everything %(entity)s has: rename it rather than split it.")
            % {"entity": entity}
        )

    # A name the old entity keeps would still lead linking there (the older entity wins).
    staying = own | {a.normalized for pk, a in all_aliases.items() if pk not in moving}
    for field, name in (("name_en", name_en), ("name_ru", name_ru)):
        if name and _keys(name, NAME_FIELDS[field]) & staying:
            errors[field].append(
                _(
                    "%(entity)s keeps the name “%(name)s”: give the new entity another name, "
                    "or move that alias too."
                )
                % {"entity": entity, "name": name}
            )
    found = {field: messages for field, messages in errors.items() if messages}
    if found:
        raise ValidationError(found)


def entity_split(
    *,
    entity: Entity,
    kind: str,
    name_en: str,
    name_ru: str,
    aliases: Collection[int],
    surfaces: Collection[str],
) -> SplitResult:
    """Split a new entity of KIND named NAME_EN / NAME_RU off ENTITY: the ALIASES (ids) and
    every mention spelled as one of SURFACES move to it, and those spellings become its aliases
    and stop being ENTITY's, so linking finds the new entity by them from now on. Checked
    first (entity_split_check); one transaction."""
    name_en, name_ru = name_en.strip(), name_ru.strip()
    with transaction.atomic():
        entity = Entity.objects.select_for_update().get(pk=entity.pk)
        entity_split_check(
            entity=entity,
            kind=kind,
            name_en=name_en,
            name_ru=name_ru,
            aliases=aliases,
            surfaces=surfaces,
        )
        languages = _surface_languages(entity)
        base = name_en or transliterate_ru(name_ru)
        taken = set(
            Entity.objects.filter(slug__startswith=slugify(base)[:40]).values_list(
                "slug", flat=True
            )
        )
        new = Entity.objects.create(
            kind=kind, name_en=name_en, name_ru=name_ru, slug=_free_slug(base, taken)
        )
        moving = _aliases_moving(
            entity, aliases=set(aliases), surfaces=set(surfaces), languages=languages
        )
        # Moved aliases are written anew (new ids), never updated in place: a row deleted and
        # another added is how linking's catalog version sees a change (news.entities).
        rows = list(EntityAlias.objects.filter(pk__in=moving))
        EntityAlias.objects.filter(pk__in=moving).delete()
        EntityAlias.objects.bulk_create(
            EntityAlias(entity=new, name=a.name, normalized=a.normalized, language=a.language)
            for a in rows
        )
        moved_aliases = len(rows)
        moved_mentions = Mention.objects.filter(entity=entity, surface__in=surfaces).update(
            entity=new
        )
        names = [(name_en, "en"), (name_ru, "ru")]
        names += [(surface, languages[surface]) for surface in sorted(surfaces)]
        _aliases_ensure(new, names)
    return SplitResult(entity=new, aliases=moved_aliases, mentions=moved_mentions)


def entity_edit(*, entity: Entity, changed: Collection[str]) -> list[str]:
    """Save an editor's changes to ENTITY (CHANGED: the fields they changed). Names it had
    before stay its aliases, so linking still finds it by them; its slug is not touched here.
    Returns the former names kept as aliases."""
    with transaction.atomic():
        before = Entity.objects.select_for_update().get(pk=entity.pk)
        entity.save()
        kept: list[str] = []
        names: list[tuple[str, str]] = []
        for field, language in NAME_FIELDS.items():
            old, new = getattr(before, field).strip(), getattr(entity, field).strip()
            if old == new:
                continue
            if old:
                kept.append(old)
                names.append((old, language))
            if new:
                # The new name as an alias too: a new alias row is what tells linking that the
                # catalog changed (when the name's key is already an alias, nothing changed).
                names.append((new, language))
        added = _aliases_ensure(entity, names)
        if not added and LINKING_FIELDS & set(changed):
            _catalog_touch(entity)
    return kept


def entity_aliases_save(
    *, entity: Entity, saved: Iterable[EntityAlias], deleted: Iterable[EntityAlias]
) -> None:
    """Store aliases an editor added, changed or deleted: each keyed with alias_key; a name
    the entity already has under that key is not added twice; a changed alias is written anew
    so that linking sees the change."""
    with transaction.atomic():
        for alias in deleted:
            alias.delete()
        for alias in saved:
            if alias.pk is not None:
                EntityAlias.objects.filter(pk=alias.pk).delete()
                alias.pk = None
                alias._state.adding = True
            key = alias_key(alias.name, alias.language)
            if not key or entity.aliases.filter(normalized=key).exists():
                continue
            alias.entity = entity
            alias.normalized = key[:300]
            alias.save()


def _aliases_ensure(entity: Entity, names: Iterable[tuple[str, str]]) -> int:
    """Give ENTITY the (name, language) pairs as aliases under every key linking may look
    them up by; keys it has already are skipped. Returns how many aliases were added."""
    seen = set(entity.aliases.values_list("normalized", flat=True))
    rows = []
    for name, language in names:
        name = name.strip()
        for key in sorted(_keys(name, language)) if name else ():
            if key not in seen:
                seen.add(key)
                rows.append(
                    EntityAlias(
                        entity=entity, name=name[:300], normalized=key[:300], language=language
                    )
                )
    EntityAlias.objects.bulk_create(rows)
    return len(rows)


def _catalog_touch(entity: Entity) -> None:
    """Make linking read the catalog again after a change no alias row shows (a kind, a
    merge): one alias of ENTITY is written anew, with a new id, or its names added as aliases."""
    if _aliases_ensure(entity, [(getattr(entity, f), lang) for f, lang in NAME_FIELDS.items()]):
        return
    alias = entity.aliases.order_by("-pk").first()
    if alias is None:
        return  # no name at all: nothing linking could find it by
    EntityAlias.objects.filter(pk=alias.pk).delete()
    alias.pk = None
    alias._state.adding = True
    alias.save()


def _keys(name: str, language: str) -> set[str]:
    """The keys a name is looked up by: its own (as the catalog keys entity names) and, for an
    inflected Russian name, its base form's (as the recognizer's spans are)."""
    return {key for key in (name_key(name), alias_key(name, language)) if key}


def _surface_languages(entity: Entity) -> dict[str, str]:
    """Each spelling of ENTITY's mentions and the language most of them are in."""
    return {surface: c.most_common(1)[0][0] for surface, c in _surface_counts(entity).items()}


def _surface_counts(entity: Entity) -> dict[str, Counter[str]]:
    """How many mentions of ENTITY use each spelling, by language."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    rows = Mention.objects.filter(entity=entity).values_list("surface", "language")
    for surface, language, n in rows.annotate(n=Count("pk")).order_by():
        counts[surface][language] += n
    return counts


def _aliases_moving(
    entity: Entity, *, aliases: set[int], surfaces: set[str], languages: dict[str, str]
) -> set[int]:
    """Ids of the aliases of ENTITY a split moves: the chosen ones and those keyed as a chosen
    spelling (otherwise linking would still find ENTITY by that spelling)."""
    keys: set[str] = set()
    for surface in surfaces & set(languages):
        keys |= _keys(surface, languages[surface])
    chosen = EntityAlias.objects.filter(entity=entity).filter(
        Q(pk__in=aliases) | Q(normalized__in=keys)
    )
    return set(chosen.values_list("pk", flat=True))


def _own_name_error(name: str, entity: Entity) -> str:
    return _(
        "“%(name)s” is the name of %(entity)s itself: rename the entity first to move that name."
    ) % {"name": name, "entity": entity}
