"""Celery tasks for ingestion: they take ids, reload rows and call a service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from newsdesk.sources.models import Source
from newsdesk.sources.services import source_ingest, sources_due


@shared_task(name="sources.ingest_source")  # type: ignore[untyped-decorator]
def source_ingest_task(source_id: int) -> dict[str, int]:
    """Ingest one source by id; returns its counts."""
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return {}
    report = source_ingest(source=source)
    return {
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": report.failed,
    }


@shared_task(name="sources.enqueue_due")  # type: ignore[untyped-decorator]
def sources_enqueue_due_task() -> int:
    """Enqueue an ingest task for every source that is due; returns how many."""
    due = sources_due()
    for source in due:
        source_ingest_task.delay(source.pk)
    return len(due)
