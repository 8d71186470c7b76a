"""Admin for sources, the failures editors need to see, and the ingestion-health page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from newsdesk.sources.models import IngestFailure, IngestItem, Source
from newsdesk.sources.schedule import source_pause, source_resume
from newsdesk.sources.selectors import source_health

# The admin index links to the health page (for editors allowed to see it).
admin.site.index_template = "admin/sources/index.html"

# Set in POST by the health page's buttons: after the action, go back there.
BACK_TO_HEALTH = "_back_to_health"


def duration_text(interval: timedelta) -> str:
    """An interval as editors read it ("2 hours, 30 minutes"), in their language."""
    origin = datetime(2000, 1, 1, tzinfo=UTC)
    return timesince(origin, origin + interval, depth=2)


class PausedFilter(admin.SimpleListFilter):
    """Filter sources by whether they are paused."""

    title = _("paused")
    parameter_name = "paused"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Source]
    ) -> list[tuple[str, str]]:
        """The two choices: paused or not."""
        return [("yes", gettext("Paused")), ("no", gettext("Not paused"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Source]) -> QuerySet[Source]:
        """Sources matching the chosen value."""
        if self.value() == "yes":
            return queryset.filter(paused_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(paused_at__isnull=True)
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = (
        "name",
        "kind",
        "language",
        "enabled",
        "paused",
        "last_success_at",
        "consecutive_failures",
        "polling",
        "next_fetch_at",
    )
    list_filter = ("kind", "language", "enabled", PausedFilter)
    search_fields = ("name", "url", "rights_holder")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("resume_sources", "pause_sources")
    readonly_fields = (
        "etag",
        "last_modified",
        "last_fetch_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "poll_interval",
        "paused_at",
        "pause_reason",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "url", "homepage", "language", "enabled")}),
        (
            _("Rights"),
            {"fields": ("rights_holder", "rights_statement", "license_name", "license_url")},
        ),
        (_("Schedule"), {"fields": ("fetch_interval", "next_fetch_at")}),
        (_("Fetch state"), {"fields": readonly_fields}),
    )

    @admin.display(boolean=True, description=_("paused"), ordering="paused_at")
    def paused(self, source: Source) -> bool:
        """Whether the source is paused."""
        return source.is_paused

    @admin.display(description=_("polling interval"), ordering="poll_interval")
    def polling(self, source: Source) -> str:
        """The adaptive interval, or the editor's interval before the first run sets it."""
        return duration_text(source.poll_interval or source.fetch_interval)

    @admin.action(description=_("Resume the selected sources"), permissions=["change"])
    def resume_sources(
        self, request: HttpRequest, queryset: QuerySet[Source]
    ) -> HttpResponse | None:
        """Resume the selected paused sources: they are fetched at the next scheduler tick."""
        now = timezone.now()
        resumed = 0
        for source in queryset.filter(paused_at__isnull=False):
            source_resume(source=source, now=now)
            resumed += 1
        self.message_user(
            request,
            ngettext("%(count)d source resumed.", "%(count)d sources resumed.", resumed)
            % {"count": resumed},
            messages.SUCCESS,
        )
        return self._back_to_health(request)

    @admin.action(description=_("Pause the selected sources"), permissions=["change"])
    def pause_sources(
        self, request: HttpRequest, queryset: QuerySet[Source]
    ) -> HttpResponse | None:
        """Pause the selected sources until an editor resumes them."""
        now = timezone.now()
        reason = gettext("Paused by %(user)s.") % {"user": request.user.get_username()}
        paused = 0
        for source in queryset.filter(paused_at__isnull=True):
            source_pause(source=source, reason=reason, now=now)
            paused += 1
        self.message_user(
            request,
            ngettext("%(count)d source paused.", "%(count)d sources paused.", paused)
            % {"count": paused},
            messages.SUCCESS,
        )
        return self._back_to_health(request)

    def get_urls(self) -> list[URLPattern]:
        """The model's admin URLs plus the ingestion-health page."""
        health = path(
            "health/",
            self.admin_site.admin_view(self.health_view),
            name="sources_source_health",
        )
        return [health, *super().get_urls()]

    def health_view(self, request: HttpRequest) -> HttpResponse:
        """The ingestion-health page: every source's state, problems first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = source_health(now=timezone.now())
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Ingestion health"),
            "opts": self.opts,
            "rows": [(row, duration_text(row.poll_interval)) for row in rows],
            "can_change": self.has_change_permission(request),
            "back_to_health": BACK_TO_HEALTH,
        }
        return TemplateResponse(request, "admin/sources/source/health.html", context)

    def _back_to_health(self, request: HttpRequest) -> HttpResponse | None:
        """Return to the health page when the action was started there."""
        if request.POST.get(BACK_TO_HEALTH):
            return HttpResponseRedirect(reverse("admin:sources_source_health"))
        return None


@admin.register(IngestFailure)
class IngestFailureAdmin(admin.ModelAdmin[IngestFailure]):
    list_display = ("created_at", "source", "stage", "url", "message")
    list_filter = ("stage", "source")
    search_fields = ("url", "message")
    date_hierarchy = "created_at"
    list_select_related = ("source",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a record of what happened, written by the ingest only


@admin.register(IngestItem)
class IngestItemAdmin(admin.ModelAdmin[IngestItem]):
    """What sources announced and whether it is stored: pending, done, or failed and why."""

    list_display = ("discovered_at", "source", "status", "attempts", "link", "last_error")
    list_filter = ("status", "source")
    search_fields = ("link", "last_error")
    date_hierarchy = "discovered_at"
    list_select_related = ("source",)
    readonly_fields = (
        "source",
        "link",
        "payload",
        "fingerprint",
        "status",
        "attempts",
        "last_error",
        "article",
        "discovered_at",
        "updated_at",
    )
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description=_("Try the selected items again at the next run"), permissions=["change"]
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[IngestItem]) -> None:
        """Failed items get their tries back; the source's next run stores them."""
        count = queryset.exclude(status=IngestItem.Status.DONE).update(
            status=IngestItem.Status.PENDING, attempts=0
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d item will be tried again.", "%(count)d items will be tried again.", count
            )
            % {"count": count},
        )
