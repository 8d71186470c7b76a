"""Celery tasks for ingestion: they take ids, reload rows and call a service; safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from newsdesk.news.tasks import article_enrich_task
from newsdesk.sources.models import IngestItem, Source
from newsdesk.sources.services import (
    item_process,
    items_pending,
    source_ingest,
    sources_lease_due,
)

# While a due source waits in the queue, the scheduler leaves it alone this long.
ENQUEUE_LEASE = timedelta(minutes=10)


@shared_task(name="sources.ingest_source", bind=True)  # type: ignore[untyped-decorator]
def source_ingest_task(self: Any, source_id: int) -> dict[str, int]:
    """Fetch one source by id and enqueue a task per item to store; returns its counts."""
    # Item tasks follow their source task's queue, so a deployment's routing holds for both.
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return {}
    report = source_ingest(source=source, process=False)
    pending = items_pending(source=source)
    for item_id in pending:
        item_process_task.apply_async(args=[item_id], queue=queue)
    return {"unchanged": report.unchanged, "failed": report.failed, "enqueued": len(pending)}


@shared_task(name="sources.process_item", bind=True)  # type: ignore[untyped-decorator]
def item_process_task(self: Any, item_id: int) -> str:
    """Store one recorded item by id as an article; returns new/updated/unchanged/failed.

    A new or changed article is then enriched by a task of its own, on the same queue.
    """
    outcome = item_process(item_id=item_id)
    if outcome in {"new", "updated"}:
        article_id = IngestItem.objects.filter(pk=item_id).values_list("article_id", flat=True)
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        for pk in article_id:
            if pk is not None:
                article_enrich_task.apply_async(args=[pk], queue=queue)
    return outcome


@shared_task(name="sources.enqueue_due")  # type: ignore[untyped-decorator]
def sources_enqueue_due_task() -> int:
    """Enqueue an ingest task for every source that is due; returns how many.

    Each enqueued source's next fetch moves ENQUEUE_LEASE ahead first, so that while workers
    are behind, the scheduler's next ticks do not enqueue it again; its ingest sets the
    real next fetch time.
    """
    due = sources_lease_due(now=timezone.now(), lease=ENQUEUE_LEASE)
    for source in due:
        source_ingest_task.delay(source.pk)
    return len(due)
