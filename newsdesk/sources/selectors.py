"""Reading sources: which are due for a fetch, and how healthy each one's ingestion is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsdesk.news.models import Article
from newsdesk.sources.models import IngestFailure, Source

# Ingestion rates on the health page are measured over this window.
HEALTH_WINDOW = timedelta(days=7)
# Failures are counted over this window.
FAILURE_WINDOW = timedelta(days=1)


def sources_due(*, now: datetime | None = None) -> list[Source]:
    """Enabled, unpaused sources whose next fetch has come: never fetched first, then oldest."""
    now = now or timezone.now()
    due = Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now)
    return list(
        Source.objects.filter(due, enabled=True, paused_at__isnull=True).order_by(
            F("next_fetch_at").asc(nulls_first=True), "id"
        )
    )


class HealthStatus(models.TextChoices):
    """A source's ingestion status, declared problems first: the health page's order."""

    PAUSED = "paused", _("paused")
    FAILING = "failing", _("failing")
    NEVER_FETCHED = "never-fetched", _("never fetched")
    OK = "ok", _("ok")
    DISABLED = "disabled", _("disabled")


@dataclass(slots=True, frozen=True)
class SourceHealth:
    """One source's ingestion health, as the editors' health page shows it."""

    pk: int
    name: str
    kind: str
    kind_label: str
    enabled: bool
    paused_at: datetime | None
    pause_reason: str
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    consecutive_failures: int
    articles_per_day: float
    articles_total: int
    failures_recent: int
    next_fetch_at: datetime | None
    poll_interval: timedelta
    status: HealthStatus

    @property
    def status_label(self) -> str:
        """The status in the reader's language."""
        return str(HealthStatus(self.status).label)


def source_health(*, now: datetime | None = None) -> list[SourceHealth]:
    """Every source's ingestion health, problems first; one query however many sources."""
    now = now or timezone.now()
    rows = [
        _health_row(source, per_day_window=HEALTH_WINDOW)
        for source in _sources_with_counts(now=now)
    ]
    rank = {status: i for i, status in enumerate(HealthStatus)}
    rows.sort(key=lambda r: (rank[r.status], -r.consecutive_failures, r.name.casefold(), r.pk))
    return rows


def source_status(source: Source) -> HealthStatus:
    """A source's HealthStatus: disabled, paused, failing, never fetched or ok."""
    if not source.enabled:
        return HealthStatus.DISABLED
    if source.paused_at is not None:
        return HealthStatus.PAUSED
    if source.consecutive_failures > 0:
        return HealthStatus.FAILING
    if source.last_success_at is None:
        return HealthStatus.NEVER_FETCHED
    return HealthStatus.OK


def _sources_with_counts(*, now: datetime) -> QuerySet[Source]:
    """Sources annotated with their article and failure counts, as correlated subqueries.

    Subqueries rather than joins: two Counts over two joined tables would multiply each other.
    """
    return Source.objects.annotate(
        articles_total=_count(Article.objects.all()),
        articles_recent=_count(Article.objects.filter(fetched_at__gt=now - HEALTH_WINDOW)),
        failures_recent=_count(IngestFailure.objects.filter(created_at__gt=now - FAILURE_WINDOW)),
    )


def _count(rows: QuerySet[Article] | QuerySet[IngestFailure]) -> Coalesce:
    """How many of ROWS belong to the outer source (0 when none)."""
    counted = (
        rows.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _health_row(source: Source, *, per_day_window: timedelta) -> SourceHealth:
    """The health row of a source annotated by _sources_with_counts."""
    return SourceHealth(
        pk=source.pk,
        name=source.name,
        kind=source.kind,
        kind_label=source.get_kind_display(),
        enabled=source.enabled,
        paused_at=source.paused_at,
        pause_reason=source.pause_reason,
        last_success_at=source.last_success_at,
        last_error=source.last_error,
        last_error_at=source.last_error_at,
        consecutive_failures=source.consecutive_failures,
        articles_per_day=source.articles_recent / (per_day_window / timedelta(days=1)),  # type: ignore[attr-defined]
        articles_total=source.articles_total,  # type: ignore[attr-defined]
        failures_recent=source.failures_recent,  # type: ignore[attr-defined]
        next_fetch_at=source.next_fetch_at,
        poll_interval=source.poll_interval or source.fetch_interval,
        status=source_status(source),
    )
