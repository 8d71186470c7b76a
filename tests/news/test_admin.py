"""The admin: every model has a working page, and editors' aliases get their look-up form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsdesk.news.models import Entity, EntityAlias
from tests.factories import ArticleFactory, EntityFactory, MentionFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "accounts_user",
    "sources_source",
    "sources_ingestfailure",
    "news_article",
    "news_story",
    "news_entity",
    "news_mention",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_list_and_add_pages_open_for_each_model(admin_client, model: str) -> None:
    MentionFactory.create(article=ArticleFactory.create())
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_admin_alias_added_by_an_editor_is_stored_with_its_normalized_form(admin_client) -> None:
    entity = EntityFactory.create(name_en="Fumio Kishida", name_ru="Фумио Кисида", slug="kishida")
    data = {
        "kind": entity.kind,
        "name_en": entity.name_en,
        "name_ru": entity.name_ru,
        "slug": entity.slug,
        "description": "",
        "merged_into": "",
        "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
        "aliases-0-name": "  Кисиды  Фумио ",
        "aliases-0-language": "ru",
    }
    response = admin_client.post(reverse("admin:news_entity_change", args=[entity.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    alias = EntityAlias.objects.get(entity=entity)
    assert alias.normalized == "кисиды фумио"
    assert Entity.objects.count() == 1
