"""Admin for articles, stories, entities and mentions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from newsdesk.news.entities import alias_key, entities_merge
from newsdesk.news.models import (
    Article,
    ArticleRevision,
    Entity,
    EntityAlias,
    Mention,
    Story,
)


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """Rows the pipeline writes, shown beside their parent; editors neither add nor delete."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ArticleRevisionInline(ReadOnlyInline):
    """Earlier versions of an article, as they were before a change."""

    model = ArticleRevision
    fields = ("title", "seen_at", "replaced_at", "content_hash")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("title", "source", "language", "published_at", "story", "fetched_at")
    list_filter = ("language", "source")
    search_fields = ("title", "canonical_url", "byline")
    date_hierarchy = "published_at"
    raw_id_fields = ("story",)
    list_select_related = ("source", "story")
    readonly_fields = ("content_hash", "feed_fingerprint", "fetched_at", "updated_at")
    inlines = [ArticleRevisionInline]


class StoryArticleInline(ReadOnlyInline):
    """The articles a story groups: copies of one text on several sources."""

    model = Article
    fields = ("title", "source", "published_at", "canonical_url")
    show_change_link = True


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin[Story]):
    list_display = ("title", "canonical_article", "created_at", "updated_at")
    search_fields = ("title",)
    raw_id_fields = ("canonical_article",)
    inlines = [StoryArticleInline]


class EntityAliasInline(admin.TabularInline[EntityAlias, Entity]):
    model = EntityAlias
    fields = ("name", "language")
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin[Entity]):
    list_display = ("name_en", "name_ru", "kind", "merged_into")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_ru", "aliases__name")
    prepopulated_fields = {"slug": ("name_en",)}
    raw_id_fields = ("merged_into",)
    inlines = [EntityAliasInline]
    actions = ["merge"]

    @admin.action(description=_("Merge the selected entities into the oldest of them"))
    def merge(self, request: HttpRequest, queryset: QuerySet[Entity]) -> None:
        entities = list(queryset.order_by("pk"))
        if len(entities) < 2:
            self.message_user(request, _("Select two entities or more to merge."), messages.WARNING)
            return
        target, others = entities[0], entities[1:]
        moved = entities_merge(target=target, others=others)
        self.message_user(
            request,
            _("Merged %(count)d entities into %(name)s; %(mentions)d mentions moved.")
            % {"count": len(others), "name": target, "mentions": moved},
            messages.SUCCESS,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Aliases typed by editors get their look-up form before they are saved."""
        aliases = formset.save(commit=False)
        for alias in aliases:
            alias.normalized = alias_key(alias.name, alias.language)
            alias.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin[Mention]):
    list_display = ("surface", "entity", "article", "language", "start", "end")
    list_filter = ("language", "entity__kind")
    search_fields = ("surface",)
    raw_id_fields = ("article", "entity")
    list_select_related = ("entity", "article")
