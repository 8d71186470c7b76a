"""Admin for articles, stories, entities and mentions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsdesk.news.curation import (
    SurfaceUse,
    entity_aliases_save,
    entity_edit,
    entity_name_keys,
    entity_split,
    entity_surfaces,
)
from newsdesk.news.entities import entities_merge
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


class EntitySplitForm(forms.Form):
    """What an editor splits off an entity: the new entity's kind and names, and which of the
    old one's aliases and spellings are the new one's."""

    kind = forms.ChoiceField(label=_("kind"), choices=Entity.Kind.choices)
    name_en = forms.CharField(label=_("name in English"), max_length=300, required=False)
    name_ru = forms.CharField(label=_("name in Russian"), max_length=300, required=False)
    aliases = forms.ModelMultipleChoiceField(
        label=_("aliases"),
        queryset=EntityAlias.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    surfaces = forms.MultipleChoiceField(
        label=_("spellings in articles"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, entity: Entity, surfaces: list[SurfaceUse], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = entity.kind
        aliases = self.fields["aliases"]
        assert isinstance(aliases, forms.ModelMultipleChoiceField)
        aliases.queryset = entity.aliases.order_by("language", "name", "pk")
        choices = self.fields["surfaces"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = [(use.surface, use.surface) for use in surfaces]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin[Entity]):
    list_display = ("name_en", "name_ru", "kind", "merged_into")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_ru", "aliases__name")
    raw_id_fields = ("merged_into",)
    inlines = [EntityAliasInline]
    actions = ["merge"]

    def get_readonly_fields(self, request: HttpRequest, obj: Entity | None = None) -> Any:
        # Entity pages are addressed by slug: a renamed entity keeps its address.
        return ("slug",) if obj else ()

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Entity | None = None
    ) -> dict[str, Sequence[str]]:
        return {} if obj else {"slug": ("name_en",)}

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

    def save_model(self, request: HttpRequest, obj: Entity, form: Any, change: bool) -> None:
        """A renamed entity keeps its former names as aliases (entity_edit)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        kept = entity_edit(entity=obj, changed=form.changed_data)
        if kept:
            self.message_user(
                request,
                ngettext(
                    "The former name is kept as an alias: %(names)s.",
                    "The former names are kept as aliases: %(names)s.",
                    len(kept),
                )
                % {"names": ", ".join(f"“{name}”" for name in kept)},
                messages.INFO,
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Aliases typed by editors get their look-up form before they are saved."""
        saved = formset.save(commit=False)
        entity_aliases_save(entity=form.instance, saved=saved, deleted=formset.deleted_objects)
        formset.save_m2m()

    def get_urls(self) -> list[URLPattern]:
        """The model's admin URLs plus the page splitting an entity in two."""
        split = path(
            "<path:object_id>/split/",
            self.admin_site.admin_view(self.split_view),
            name="news_entity_split",
        )
        return [split, *super().get_urls()]

    def split_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Split a new entity off this one: the aliases and spellings an editor chooses."""
        entity = self.get_object(request, unquote(object_id))
        if entity is None:
            raise Http404(gettext("No such entity."))
        if not self.has_change_permission(request, entity):
            raise PermissionDenied
        surfaces = entity_surfaces(entity=entity)
        data = request.POST if request.method == "POST" else None
        form = EntitySplitForm(data, entity=entity, surfaces=surfaces)
        if form.is_valid():
            try:
                result = entity_split(
                    entity=entity,
                    kind=form.cleaned_data["kind"],
                    name_en=form.cleaned_data["name_en"],
                    name_ru=form.cleaned_data["name_ru"],
                    aliases=[alias.pk for alias in form.cleaned_data["aliases"]],
                    surfaces=form.cleaned_data["surfaces"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(new)s was split off %(old)s: aliases moved: %(aliases)d, "
                        "mentions moved: %(mentions)d."
                    )
                    % {
                        "new": result.entity,
                        "old": entity,
                        "aliases": result.aliases,
                        "mentions": result.mentions,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:news_entity_change", args=[result.entity.pk])
                )
        own = entity_name_keys(entity)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Split %(entity)s") % {"entity": entity},
            "opts": self.opts,
            "original": entity,
            "form": form,
            "name_fields": [form["kind"], form["name_en"], form["name_ru"]],
            # (checkbox, alias, whether it is the entity's own name, which cannot move)
            "alias_rows": [
                (box, box.data["value"].instance, box.data["value"].instance.normalized in own)
                for box in form["aliases"]
            ],
            "surface_rows": list(zip(form["surfaces"], surfaces, strict=True)),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/news/entity/split.html", context)


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin[Mention]):
    list_display = ("surface", "entity", "article", "language", "start", "end")
    list_filter = ("language", "entity__kind")
    search_fields = ("surface",)
    raw_id_fields = ("article", "entity")
    list_select_related = ("entity", "article")
