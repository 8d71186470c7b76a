"""The Celery app: eager (in-process) unless CELERY_BROKER_URL is set; beat's periodic tasks."""

import os
from typing import Any

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.config.settings")

app = Celery("newsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The periodic tasks `celery beat` sends: enqueue the due sources every minute or so."""
    # Read here, not at import: settings may not be configured yet when this module loads.
    every = float(getattr(settings, "NEWSDESK_ENQUEUE_EVERY", 60))
    return {
        "sources.enqueue_due": {
            "task": "sources.enqueue_due",
            "schedule": every,
            # With the workers down, stale ticks expire instead of piling up in the queue.
            "options": {"expires": every},
        },
    }


@app.on_after_configure.connect  # type: ignore[untyped-decorator]
def _add_beat_schedule(sender: Celery, **kwargs: Any) -> None:
    """Add the periodic tasks once the configuration is loaded (settings are read lazily)."""
    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}
