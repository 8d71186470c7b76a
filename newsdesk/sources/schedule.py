"""When each source is fetched next: adaptive polling, backoff after failures, pause and resume."""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from newsdesk.news.models import Article
from newsdesk.sources.models import Source

# Never poll a source more often than this, however busy it is.
MIN_INTERVAL = timedelta(minutes=5)
# A quiet source is still polled at least this often (or at its editor-set interval if longer).
MAX_INTERVAL = timedelta(hours=6)
# The publishing rate is measured over this window.
RATE_WINDOW = timedelta(days=7)
# About two polls per published article: new articles wait half their spacing on average.
POLLS_PER_ARTICLE = 2
# One run that found new articles divides the interval by this; an empty run multiplies it.
STEP = 1.5
# Steps may move the interval at most this factor away from the rate-based estimate.
BAND = 2.0
# Next fetch times are spread ±10% so sources added together do not stay in lockstep.
JITTER = 0.1
# Backoff after failures doubles up to a day (or the editor's interval, if longer).
MAX_BACKOFF = timedelta(days=1)
# A server's Retry-After is honoured up to a week; beyond that it is hostile or a mistake.
MAX_RETRY_AFTER = timedelta(days=7)
# Pause reasons quote the last error on one line, this long at most.
MAX_REASON_ERROR = 300


def source_schedule_success(*, source: Source, now: datetime, new_articles: int) -> None:
    """Set a successful run's schedule on SOURCE (not saved): adapt the interval, reset failures.

    The interval follows how often the source publishes (see adaptive_interval); the next
    fetch is that interval from now, jittered.
    """
    per_day = source_publishing_rate(source=source, now=now)
    interval = adaptive_interval(
        base=source.fetch_interval,
        current=source.poll_interval,
        per_day=per_day,
        found_new=new_articles > 0,
    )
    source.last_success_at = now
    source.consecutive_failures = 0
    source.poll_interval = interval
    source.next_fetch_at = now + jittered(interval)


def source_schedule_failure(
    *, source: Source, now: datetime, message: str, retry_after: float | None = None
) -> None:
    """Record a failed run on SOURCE (not saved): count it, back off, pause after too many.

    The wait is 2**failures times the current interval, capped at a day, jittered, and never
    shorter than the server's Retry-After (seconds) when it sent one.
    """
    failures = source.consecutive_failures + 1
    source.consecutive_failures = failures
    source.last_error = message
    source.last_error_at = now
    source.next_fetch_at = now + failure_backoff(
        interval=source.poll_interval or source.fetch_interval,
        base=source.fetch_interval,
        failures=failures,
        retry_after=retry_after,
    )
    pause_after = int(getattr(settings, "NEWSDESK_PAUSE_AFTER_FAILURES", 8))
    if pause_after > 0 and failures >= pause_after and source.paused_at is None:
        source.paused_at = now
        source.pause_reason = gettext(
            "Paused after %(count)d consecutive failures. Last error: %(error)s"
        ) % {"count": failures, "error": one_line(message, limit=MAX_REASON_ERROR)}


def source_pause(*, source: Source, reason: str, now: datetime | None = None) -> None:
    """Pause SOURCE (an editor's decision) and save: it is not fetched until resumed."""
    source.paused_at = now or timezone.now()
    source.pause_reason = one_line(reason, limit=1000)
    source.save(update_fields=["paused_at", "pause_reason"])


def source_resume(*, source: Source, now: datetime | None = None) -> None:
    """Clear SOURCE's pause, forget its failure streak and make it due now; saves."""
    source.paused_at = None
    source.pause_reason = ""
    # A fresh streak: the editor resumed it to find out whether it works now.
    source.consecutive_failures = 0
    source.next_fetch_at = now or timezone.now()
    source.save(
        update_fields=["paused_at", "pause_reason", "consecutive_failures", "next_fetch_at"]
    )


def source_publishing_rate(*, source: Source, now: datetime) -> float | None:
    """Articles per day the source published over the last week; None if it has none at all.

    An article counts at its publication time, or when we fetched it if it has none.
    """
    when = Coalesce("published_at", "fetched_at")
    counts = (
        Article.objects.filter(source=source)
        .annotate(when=when)
        .aggregate(
            total=Count("pk"),
            recent=Count("pk", filter=Q(when__gt=now - RATE_WINDOW, when__lte=now)),
        )
    )
    if not counts["total"]:
        return None
    return float(counts["recent"]) / (RATE_WINDOW / timedelta(days=1))


def adaptive_interval(
    *, base: timedelta, current: timedelta | None, per_day: float | None, found_new: bool
) -> timedelta:
    """The next polling interval for a source.

    The publishing rate gives an estimate (about two polls per article; BASE, the editor's
    interval, for a source with no history); each run then steps the current interval
    shorter when it found new articles and longer when it found none, within a factor of
    BAND around that estimate and within MIN_INTERVAL..max(MAX_INTERVAL, BASE).
    """
    lowest, highest = MIN_INTERVAL, max(MAX_INTERVAL, base)
    if per_day is None:
        estimate = _clamp(base, lowest, highest)
    elif per_day <= 0:
        estimate = highest
    else:
        estimate = _clamp(timedelta(days=1) / (POLLS_PER_ARTICLE * per_day), lowest, highest)
    current = current if current and current > timedelta(0) else estimate
    stepped = current / STEP if found_new else current * STEP
    return _clamp(stepped, max(lowest, estimate / BAND), min(highest, estimate * BAND))


def failure_backoff(
    *, interval: timedelta, base: timedelta, failures: int, retry_after: float | None = None
) -> timedelta:
    """How long to wait after FAILURES consecutive failures (jittered; Retry-After honoured)."""
    cap = max(MAX_BACKOFF, base)
    # An editor's zero interval must not turn failures into a retry every minute.
    interval = max(interval, MIN_INTERVAL)
    # 2**20 intervals exceed any cap; a bounded exponent keeps timedelta from overflowing.
    wait = jittered(min(interval * 2 ** min(max(failures, 0), 20), cap))
    if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
        wait = max(wait, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return wait


def jittered(interval: timedelta) -> timedelta:
    """INTERVAL moved randomly by up to ±JITTER of itself."""
    # Spreading load, not security: the standard generator is the right one here.
    return interval * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311


def one_line(text: str, *, limit: int) -> str:
    """TEXT with its whitespace collapsed to single spaces, cut to LIMIT characters."""
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _clamp(value: timedelta, lowest: timedelta, highest: timedelta) -> timedelta:
    """VALUE limited to lowest..highest."""
    return max(lowest, min(value, highest))
