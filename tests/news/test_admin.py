"""The admin: every model has a working page, and editors' aliases get their look-up form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsdesk.news.models import ArticleRevision, Entity, EntityAlias
from newsdesk.pipeline.names import name_key
from newsdesk.sources.models import IngestItem
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    MentionFactory,
    SourceFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "accounts_user",
    "sources_source",
    "sources_ingestfailure",
    "sources_ingestitem",
    "news_article",
    "news_story",
    "news_entity",
    "news_mention",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_list_and_add_pages_open_for_each_model(admin_client, model: str) -> None:
    MentionFactory.create(article=ArticleFactory.create())
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    # Failures and items are records the ingest writes; editors do not add them.
    expected = 403 if model in {"sources_ingestfailure", "sources_ingestitem"} else 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == expected


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
    # The key of its base form ("Кисида Фумио"), the same as the English spelling's.
    assert alias.normalized == name_key("Kishida Fumio") == "kisida fumio"
    assert Entity.objects.count() == 1


def test_admin_merges_entities_into_the_oldest_with_their_mentions_and_names(
    admin_client,
) -> None:
    kishida = EntityFactory.create(kind="person", name_en="Fumio Kishida", slug="kishida")
    kisida = EntityFactory.create(kind="person", name_en="Kisida", name_ru="Кисида", slug="kisida")
    kisida.aliases.create(name="Fumio Kisida", normalized="fumio kisida", language="en")
    mention = MentionFactory.create(entity=kisida)

    response = admin_client.post(
        reverse("admin:news_entity_changelist"),
        {"action": "merge", "_selected_action": [kishida.pk, kisida.pk]},
    )

    assert response.status_code == 302
    mention.refresh_from_db()
    kisida.refresh_from_db()
    assert mention.entity_id == kishida.pk
    assert kisida.merged_into_id == kishida.pk
    # One alias per key: "Кисида" and "Kisida" share one.
    assert {a.name for a in kishida.aliases.all()} >= {"Kisida", "Fumio Kisida"}
    assert name_key("Кисида") in {a.normalized for a in kishida.aliases.all()}
    assert not kisida.aliases.exists()
    assert admin_client.get("/en/entities/kisida/")["Location"] == "/en/entities/kishida/"


def test_admin_article_page_shows_its_earlier_versions(admin_client) -> None:
    article = ArticleFactory.create(title="Talks end with a deal")
    ArticleRevision.objects.create(
        article=article,
        title="Talks continue late into the night",
        content_hash="0" * 64,
        seen_at=article.fetched_at,
    )
    page = admin_client.get(reverse("admin:news_article_change", args=[article.pk]))
    assert page.status_code == 200
    assert "Talks continue late into the night" in page.content.decode()


def test_admin_story_page_lists_the_articles_it_groups(admin_client) -> None:
    story = StoryFactory.create(title="Geneva talks")
    first = ArticleFactory.create(title="Geneva talks resume", story=story)
    ArticleFactory.create(title="Talks in Geneva resume, agency says", story=story)
    story.canonical_article = first
    story.save()
    page = admin_client.get(reverse("admin:news_story_change", args=[story.pk])).content.decode()
    assert "Geneva talks resume" in page
    assert "Talks in Geneva resume, agency says" in page


def test_admin_retry_gives_failed_items_their_tries_back(admin_client) -> None:
    source = SourceFactory.create()
    failed = IngestItem.objects.create(
        source=source, link="https://a.example/1", fingerprint="f", status="failed", attempts=5
    )
    done = IngestItem.objects.create(
        source=source, link="https://a.example/2", fingerprint="g", status="done", attempts=1
    )
    assert admin_client.get(reverse("admin:sources_ingestitem_changelist")).status_code == 200
    response = admin_client.post(
        reverse("admin:sources_ingestitem_changelist"),
        {"action": "retry", "_selected_action": [failed.pk, done.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert (done.status, done.attempts) == ("done", 1)
