"""Editors curating entities in the admin: splitting one in two, renaming, editing aliases;
linking follows each change at once (its cached catalog is read again).

Sentences are invented for the test; the recognizers and the linker are the real ones.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsdesk.accounts.models import User
from newsdesk.news.curation import entity_split
from newsdesk.news.entities import alias_key, catalog, spans_link
from newsdesk.news.models import Entity, EntityAlias, Mention
from newsdesk.pipeline.ner import find_spans
from tests.factories import ArticleFactory, EntityFactory, MentionFactory

pytestmark = pytest.mark.django_db

ROSTEC_RU = "Глава Ростеха Сергей Чемезов подписал контракт."
ROSATOM_RU = "Глава Росатома Алексей Лихачев посетил станцию."


def linked_to(text: str, language: str, surface: str) -> int | None:
    """The entity id the real recognizer and linker give SURFACE in TEXT (creating nothing)."""
    spans = find_spans(text, language)
    links = spans_link(spans, text=text, language=language, create=False)
    found = [item.entity_id for item in links if item.span.surface == surface]
    assert found, f"{surface!r} not recognized in {text!r}: {spans}"
    return found[0]


@pytest.fixture
def rosatom() -> Entity:
    """Rosatom, which wrongly holds Rostec's names and mentions (a linker's old mistake)."""
    entity = EntityFactory.create(
        kind="organization", name_en="Rosatom", name_ru="Росатом", slug="rosatom"
    )
    for name, language in [
        ("Rosatom", "en"),
        ("Rostec", "en"),
        ("Ростех", "ru"),
        ("State Atomic Energy Corporation", "en"),
    ]:
        entity.aliases.create(name=name, normalized=alias_key(name, language), language=language)
    english = [ArticleFactory.create(title=f"Rostec signs contract {n}") for n in range(2)]
    for article in english:
        MentionFactory.create(entity=entity, article=article, surface="Rostec")
    MentionFactory.create(
        entity=entity, surface="Ростеха", article=ArticleFactory.create(language="ru")
    )
    for n in range(3):
        MentionFactory.create(
            entity=entity,
            surface="Rosatom",
            article=ArticleFactory.create(title=f"Rosatom visits plant {n}"),
        )
    return entity


def split_url(entity: Entity) -> str:
    return reverse("admin:news_entity_split", args=[entity.pk])


def alias_id(entity: Entity, name: str) -> int:
    return entity.aliases.get(name=name).pk


def split_data(entity: Entity, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "organization",
        "name_en": "Rostec",
        "name_ru": "Ростех",
        "aliases": [alias_id(entity, "Rostec")],
        "surfaces": ["Rostec", "Ростеха"],
    }
    data.update(overrides)
    return data


def state(entity: Entity) -> tuple[int, list[tuple[str, str]], list[tuple[int, str]]]:
    """Everything a split would change: the number of entities, the entity's aliases and its
    mentions."""
    aliases = sorted(entity.aliases.values_list("name", "normalized"))
    mentions = sorted(Mention.objects.filter(entity=entity).values_list("pk", "surface"))
    return Entity.objects.count(), aliases, mentions


# The split page


def test_entity_change_page_has_a_split_button(admin_client: Client, rosatom: Entity) -> None:
    page = admin_client.get(reverse("admin:news_entity_change", args=[rosatom.pk]))
    assert page.status_code == 200
    assert f'href="{split_url(rosatom)}"' in page.content.decode()


def test_split_page_lists_aliases_and_spellings_with_counts_and_titles(
    admin_client: Client, rosatom: Entity
) -> None:
    page = admin_client.get(split_url(rosatom))
    assert page.status_code == 200
    html = page.content.decode()
    assert "admin/css/forms.css" in html  # the admin's own look: base_site.html extended
    rows = {use.surface: (use.count, use.titles) for _, use in page.context["surface_rows"]}
    assert rows["Rosatom"][0] == 3
    assert rows["Rostec"] == (2, ("Rostec signs contract 1", "Rostec signs contract 0"))
    assert rows["Ростеха"][0] == 1
    # The most used spelling first.
    assert next(use.surface for _, use in page.context["surface_rows"]) == "Rosatom"
    for surface in ("Rostec", "Ростеха", "Rosatom"):
        assert f'value="{surface}"' in html
    assert "Rostec signs contract 0" in html
    for alias in rosatom.aliases.all():
        assert f'value="{alias.pk}"' in html
    # "Rosatom" is the entity's own name: it cannot move, and the page says so.
    own = [alias.name for _, alias, is_own in page.context["alias_rows"] if is_own]
    assert own == ["Rosatom"]


def test_split_page_costs_the_same_queries_however_many_spellings(
    admin_client: Client, rosatom: Entity
) -> None:
    with CaptureQueriesContext(connection) as few:
        admin_client.get(split_url(rosatom))
    for n in range(6):
        MentionFactory.create(entity=rosatom, surface=f"Rosatom-{n}")
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(split_url(rosatom))
    assert len(page.context["surface_rows"]) == 9
    assert len(many) == len(few)


def test_split_moves_the_chosen_aliases_and_mentions_to_a_new_entity(
    admin_client: Client, rosatom: Entity
) -> None:
    rosatom_mentions = set(
        Mention.objects.filter(entity=rosatom, surface="Rosatom").values_list("pk", flat=True)
    )

    response = admin_client.post(split_url(rosatom), split_data(rosatom), follow=True)

    rostec = Entity.objects.get(name_en="Rostec")
    assert response.redirect_chain == [(reverse("admin:news_entity_change", args=[rostec.pk]), 302)]
    assert (rostec.kind, rostec.name_ru, rostec.slug) == ("organization", "Ростех", "rostec")
    assert sorted(rostec.mentions.values_list("surface", flat=True)) == [
        "Rostec",
        "Rostec",
        "Ростеха",
    ]
    # The chosen alias, and "Ростех", keyed as the chosen spelling "Ростеха" is (base form).
    keys = set(rostec.aliases.values_list("normalized", flat=True))
    assert {"rostec", "rosteh", "rosteha"} <= keys
    # Rosatom keeps the rest and no longer has Rostec's names.
    assert set(rosatom.aliases.values_list("name", flat=True)) == {
        "Rosatom",
        "State Atomic Energy Corporation",
    }
    assert set(rosatom.mentions.values_list("pk", flat=True)) == rosatom_mentions
    message = [str(m) for m in response.context["messages"]]
    assert message == ["Rostec was split off Rosatom: aliases moved: 2, mentions moved: 3."]


def test_linking_finds_the_new_entity_by_a_moved_name_right_after_a_split(
    admin_client: Client, rosatom: Entity
) -> None:
    # Linking has read (and cached) the catalog before the split.
    assert linked_to(ROSTEC_RU, "ru", "Ростеха") == rosatom.pk
    assert catalog().by_key["rosteh"] == {rosatom.pk}

    admin_client.post(split_url(rosatom), split_data(rosatom))

    rostec = Entity.objects.get(name_en="Rostec")
    assert linked_to(ROSTEC_RU, "ru", "Ростеха") == rostec.pk
    assert linked_to(ROSATOM_RU, "ru", "Росатома") == rosatom.pk


def test_split_needs_a_choice_and_changes_nothing_without_one(
    admin_client: Client, rosatom: Entity
) -> None:
    before = state(rosatom)

    page = admin_client.post(split_url(rosatom), split_data(rosatom, aliases=[], surfaces=[]))

    assert page.status_code == 200
    assert "Choose at least one alias or spelling" in page.content.decode()
    assert state(rosatom) == before


def test_split_of_everything_is_refused_as_a_rename(admin_client: Client, rosatom: Entity) -> None:
    before = state(rosatom)
    movable = [a.pk for a in rosatom.aliases.all() if a.name != "Rosatom"]
    everything = ["Rostec", "Ростеха", "Rosatom"]
    # "Rosatom" names the entity itself; without its mentions everything else moves.
    page = admin_client.post(
        split_url(rosatom),
        split_data(rosatom, name_en="Atom", name_ru="Атом", aliases=movable, surfaces=everything),
    )

    assert page.status_code == 200
    assert "That is everything Rosatom has: rename it rather than split it." in (
        page.content.decode()
    )
    assert state(rosatom) == before


def test_split_refuses_the_entitys_own_name_and_a_name_it_keeps(
    admin_client: Client, rosatom: Entity
) -> None:
    before = state(rosatom)
    page = admin_client.post(
        split_url(rosatom),
        split_data(
            rosatom,
            name_en="State Atomic Energy Corporation",
            aliases=[alias_id(rosatom, "Rosatom")],
        ),
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "is the name of Rosatom itself" in html
    assert "Rosatom keeps the name “State Atomic Energy Corporation”" in html
    assert state(rosatom) == before


def test_split_needs_a_name_and_a_country_needs_both(admin_client: Client, rosatom: Entity) -> None:
    before = state(rosatom)
    nameless = admin_client.post(split_url(rosatom), split_data(rosatom, name_en="", name_ru=""))
    country = admin_client.post(split_url(rosatom), split_data(rosatom, kind="country", name_ru=""))
    assert nameless.context["form"].errors["name_en"] == [
        "Give the new entity a name in English or in Russian."
    ]
    assert country.context["form"].errors["name_ru"] == [
        "A country needs its name in both English and Russian."
    ]
    assert state(rosatom) == before


def test_split_gives_the_new_entity_a_free_slug(rosatom: Entity) -> None:
    EntityFactory.create(kind="organization", name_en="Rostec Group", slug="rostec")
    result = entity_split(
        entity=rosatom,
        kind="organization",
        name_en="Rostec",
        name_ru="",
        aliases=[alias_id(rosatom, "Rostec")],
        surfaces=[],
    )
    assert result.entity.slug == "rostec-2"
    assert (result.aliases, result.mentions) == (1, 0)


def test_split_page_is_for_staff_who_may_change_entities(rosatom: Entity) -> None:
    reader = User.objects.create_user(username="reader", password="x")
    client = Client()
    client.force_login(reader)
    response = client.get(split_url(rosatom))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    viewer = User.objects.create_user(username="viewer", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_entity"))
    client.force_login(viewer)
    before = state(rosatom)
    assert client.get(split_url(rosatom)).status_code == 403
    assert client.post(split_url(rosatom), split_data(rosatom)).status_code == 403
    assert state(rosatom) == before

    editor = User.objects.create_user(username="editor", password="x", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["view_entity", "change_entity"])
    )
    client.force_login(editor)
    assert client.get(split_url(rosatom)).status_code == 200


def test_split_needs_the_csrf_token(admin_user: User, rosatom: Entity) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    before = state(rosatom)

    assert client.post(split_url(rosatom), split_data(rosatom)).status_code == 403
    assert state(rosatom) == before

    page = client.get(split_url(rosatom)).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match
    data = split_data(rosatom, csrfmiddlewaretoken=match.group(1))
    assert client.post(split_url(rosatom), data).status_code == 302
    assert Entity.objects.filter(name_en="Rostec").exists()


# Renaming and editing in the change form


def change_data(entity: Entity, aliases: list[EntityAlias] | None = None, **fields: Any) -> dict:
    """The change form as an editor submits it (the slug is read-only: not sent)."""
    aliases = aliases or []
    data: dict[str, Any] = {
        "kind": entity.kind,
        "name_en": entity.name_en,
        "name_ru": entity.name_ru,
        "description": entity.description,
        "merged_into": "",
        "aliases-TOTAL_FORMS": str(len(aliases) + 1),
        "aliases-INITIAL_FORMS": str(len(aliases)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for n, alias in enumerate(aliases):
        data[f"aliases-{n}-id"] = str(alias.pk)
        data[f"aliases-{n}-entity"] = str(entity.pk)
        data[f"aliases-{n}-name"] = alias.name
        data[f"aliases-{n}-language"] = alias.language
    data.update(fields)
    return data


def test_rename_keeps_the_former_names_as_aliases_and_the_slug(admin_client: Client) -> None:
    entity = EntityFactory.create(
        kind="organization", name_en="Rosatom", name_ru="Росатом", slug="rosatom"
    )
    # Linking has read (and cached) the catalog before the rename.
    assert linked_to(ROSATOM_RU, "ru", "Росатома") == entity.pk

    response = admin_client.post(
        reverse("admin:news_entity_change", args=[entity.pk]),
        change_data(
            entity,
            name_en="State Atomic Energy Corporation",
            name_ru="Госкорпорация по атомной энергии",
            slug="state-atomic",  # read-only on change: ignored
        ),
        follow=True,
    )

    assert response.status_code == 200
    entity.refresh_from_db()
    assert entity.name_en == "State Atomic Energy Corporation"
    assert entity.slug == "rosatom"
    # One alias per key: "Rosatom" and "Росатом" share theirs.
    assert "rosatom" in set(entity.aliases.values_list("normalized", flat=True))
    messages = [str(m) for m in response.context["messages"]]
    assert "The former names are kept as aliases: “Rosatom”, “Росатом”." in messages
    # Linking finds it by its former name and by its new one.
    assert linked_to(ROSATOM_RU, "ru", "Росатома") == entity.pk
    text = "The State Atomic Energy Corporation said on Monday that the plant is safe."
    assert linked_to(text, "en", "The State Atomic Energy Corporation") == entity.pk
    assert Entity.objects.count() == 1


def test_slug_is_read_only_on_change_and_prepopulated_on_add(admin_client: Client) -> None:
    entity = EntityFactory.create(slug="rosatom")
    change = admin_client.get(reverse("admin:news_entity_change", args=[entity.pk]))
    add = admin_client.get(reverse("admin:news_entity_add"))
    assert 'name="slug"' not in change.content.decode()
    assert 'name="slug"' in add.content.decode()
    assert "prepopulated" in add.content.decode()


def test_linking_sees_an_alias_edited_in_place(admin_client: Client, rosatom: Entity) -> None:
    built = catalog()
    assert built.by_key["rostec"] == {rosatom.pk}
    rostec = rosatom.aliases.get(name="Rostec")
    rostec.name = "Rostech"

    response = admin_client.post(
        reverse("admin:news_entity_change", args=[rosatom.pk]),
        change_data(rosatom, aliases=[rostec]),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    after = catalog()
    assert "rostec" not in after.by_key
    assert after.by_key["rostech"] == {rosatom.pk}


def test_linking_sees_a_changed_kind(admin_client: Client, rosatom: Entity) -> None:
    assert catalog().kinds[rosatom.pk] == "organization"

    response = admin_client.post(
        reverse("admin:news_entity_change", args=[rosatom.pk]),
        change_data(rosatom, kind="place"),
    )

    assert response.status_code == 302
    assert catalog().kinds[rosatom.pk] == "place"


def test_an_alias_typed_twice_is_stored_once(admin_client: Client, rosatom: Entity) -> None:
    data = change_data(rosatom, **{"aliases-0-name": "ROSTEC", "aliases-0-language": "en"})
    response = admin_client.post(reverse("admin:news_entity_change", args=[rosatom.pk]), data)
    assert response.status_code == 302
    assert rosatom.aliases.filter(normalized="rostec").count() == 1


def test_split_page_speaks_russian(admin_client: Client, rosatom: Entity) -> None:
    page = admin_client.get(split_url(rosatom), HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert "Написания в статьях" in html
    assert "Разделить «Rosatom»" in html
    refused = admin_client.post(
        split_url(rosatom), split_data(rosatom, surfaces=[], aliases=[]), HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert "Выберите хотя бы одно другое название или написание" in refused.content.decode()


def test_split_page_of_an_unknown_entity_is_not_found(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:news_entity_split", args=[999])).status_code == 404
