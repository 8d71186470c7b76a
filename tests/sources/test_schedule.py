"""The fetch schedule: adaptive intervals, jitter, backoff, Retry-After, pause and resume, beat."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from newsdesk.config.celery import app, beat_schedule
from newsdesk.news.models import Article
from newsdesk.sources.models import Source
from newsdesk.sources.schedule import (
    BAND,
    MAX_BACKOFF,
    MAX_INTERVAL,
    MAX_RETRY_AFTER,
    MIN_INTERVAL,
    adaptive_interval,
    failure_backoff,
    source_pause,
    source_publishing_rate,
    source_resume,
    source_schedule_failure,
    source_schedule_success,
)
from newsdesk.sources.selectors import sources_due
from tests.factories import ArticleFactory, SourceFactory
from tests.loopback import LoopbackServer

pytestmark = pytest.mark.django_db

THIRTY_MINUTES = timedelta(minutes=30)
EMPTY_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    "<title>Quiet wire</title><link>http://example.org/</link></channel></rss>"
)


def add_articles(source: Source, *, count: int, age: timedelta, published: bool = True) -> None:
    """COUNT articles of SOURCE published (or, unpublished, fetched) AGE ago, in one insert."""
    when = timezone.now() - age
    articles = ArticleFactory.build_batch(
        count,
        source=source,
        published_at=when if published else None,
        fetched_at=when,
    )
    Article.objects.bulk_create(articles)


def success_intervals(source: Source, *, runs: int, new_articles: int) -> list[timedelta]:
    """The polling intervals after RUNS successful runs that found NEW_ARTICLES each."""
    intervals = []
    for _ in range(runs):
        source_schedule_success(source=source, now=timezone.now(), new_articles=new_articles)
        assert source.poll_interval is not None
        intervals.append(source.poll_interval)
    return intervals


def within_jitter(actual: timedelta, expected: timedelta) -> bool:
    return expected * 0.9 - timedelta(seconds=1) <= actual <= expected * 1.1 + timedelta(seconds=1)


# Adaptive interval


def test_busy_source_is_polled_more_often_down_to_the_minimum() -> None:
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)
    add_articles(source, count=700, age=timedelta(days=2))  # 100 a day

    intervals = success_intervals(source, runs=8, new_articles=5)

    assert intervals[0] < THIRTY_MINUTES
    assert all(a >= b for a, b in itertools.pairwise(intervals))
    assert intervals[-1] == MIN_INTERVAL
    assert source.next_fetch_at is not None


def test_quiet_source_is_polled_less_often_up_to_the_maximum() -> None:
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)
    add_articles(source, count=5, age=timedelta(days=40))  # nothing this week

    intervals = success_intervals(source, runs=10, new_articles=0)

    assert intervals[0] > THIRTY_MINUTES
    assert all(a <= b for a, b in itertools.pairwise(intervals))
    assert intervals[-1] == MAX_INTERVAL


def test_an_editor_interval_longer_than_the_maximum_raises_the_maximum() -> None:
    source = SourceFactory(fetch_interval=timedelta(hours=12))
    add_articles(source, count=1, age=timedelta(days=40))

    intervals = success_intervals(source, runs=10, new_articles=0)

    assert intervals[-1] == timedelta(hours=12)


def test_source_without_history_starts_from_the_editor_interval() -> None:
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)

    [first] = success_intervals(source, runs=1, new_articles=0)
    intervals = success_intervals(source, runs=10, new_articles=0)

    assert THIRTY_MINUTES < first <= THIRTY_MINUTES * BAND
    assert max(intervals) == THIRTY_MINUTES * BAND


def test_a_run_with_new_articles_shortens_and_an_empty_run_lengthens_within_the_band() -> None:
    per_day = 24.0  # estimate: every 30 minutes
    current = THIRTY_MINUTES

    shorter = adaptive_interval(base=current, current=current, per_day=per_day, found_new=True)
    longer = adaptive_interval(base=current, current=current, per_day=per_day, found_new=False)

    assert shorter < current < longer
    lowest = adaptive_interval(base=current, current=MIN_INTERVAL, per_day=per_day, found_new=True)
    highest = adaptive_interval(
        base=current, current=timedelta(days=3), per_day=per_day, found_new=False
    )
    assert lowest == current / BAND
    assert highest == current * BAND


@pytest.mark.parametrize(
    "base",
    [timedelta(0), timedelta(seconds=1), timedelta(days=365), timedelta(days=-1)],
)
def test_adaptive_interval_stays_within_bounds_for_odd_editor_intervals(base: timedelta) -> None:
    for per_day in (None, 0.0, 0.001, 1.0, 1e9):
        for found_new in (True, False):
            interval = adaptive_interval(
                base=base, current=None, per_day=per_day, found_new=found_new
            )
            assert MIN_INTERVAL <= interval <= max(MAX_INTERVAL, base)


def test_publishing_rate_counts_last_week_by_publication_time_else_fetch_time() -> None:
    source = SourceFactory()
    add_articles(source, count=7, age=timedelta(days=1))
    add_articles(source, count=7, age=timedelta(days=3), published=False)
    add_articles(source, count=50, age=timedelta(days=30))

    assert source_publishing_rate(source=source, now=timezone.now()) == pytest.approx(2.0)


def test_publishing_rate_ignores_articles_dated_in_the_future() -> None:
    source = SourceFactory()
    add_articles(source, count=30, age=-timedelta(days=300))

    assert source_publishing_rate(source=source, now=timezone.now()) == 0.0


def test_publishing_rate_is_none_for_a_source_without_articles() -> None:
    assert source_publishing_rate(source=SourceFactory(), now=timezone.now()) is None


def test_success_resets_failures_and_sets_the_next_fetch() -> None:
    now = timezone.now()
    source = SourceFactory(consecutive_failures=4, last_error="timeout")

    source_schedule_success(source=source, now=now, new_articles=1)

    assert source.consecutive_failures == 0
    assert source.last_success_at == now
    assert source.poll_interval is not None
    assert source.next_fetch_at is not None
    assert within_jitter(source.next_fetch_at - now, source.poll_interval)
    source.refresh_from_db()
    assert source.consecutive_failures == 4, "the caller saves"


def test_next_fetch_is_jittered_within_ten_percent() -> None:
    now = timezone.now()
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)
    waits = set()
    for _ in range(200):
        source.poll_interval = None
        source_schedule_success(source=source, now=now, new_articles=0)
        assert source.next_fetch_at is not None
        assert source.poll_interval is not None
        wait = source.next_fetch_at - now
        assert source.poll_interval * 0.9 <= wait <= source.poll_interval * 1.1
        waits.add(wait)
    assert len(waits) > 100, "sources must not all be scheduled at the same moment"


# Failures: backoff, Retry-After, pause


def test_backoff_doubles_with_each_failure_and_caps_at_a_day(settings: Settings) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 100
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)
    for failures in range(1, 12):
        now = timezone.now()
        source_schedule_failure(source=source, now=now, message="connection refused")
        assert source.consecutive_failures == failures
        assert source.next_fetch_at is not None
        expected = min(THIRTY_MINUTES * 2**failures, MAX_BACKOFF)
        assert within_jitter(source.next_fetch_at - now, expected), failures
    assert source.last_error == "connection refused"
    assert source.paused_at is None


def test_backoff_with_absurd_failure_counts_stays_capped() -> None:
    for failures in (0, 64, 10**9, -5):
        wait = failure_backoff(interval=THIRTY_MINUTES, base=THIRTY_MINUTES, failures=failures)
        assert MIN_INTERVAL * 0.9 <= wait <= MAX_BACKOFF * 1.1


def test_backoff_after_an_editor_set_zero_interval_is_not_zero() -> None:
    wait = failure_backoff(interval=timedelta(0), base=timedelta(0), failures=1)
    assert wait >= MIN_INTERVAL * 2 * 0.9


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    now = timezone.now()
    source = SourceFactory(fetch_interval=timedelta(minutes=5))

    source_schedule_failure(source=source, now=now, message="429", retry_after=7200)

    assert source.next_fetch_at is not None
    assert source.next_fetch_at - now >= timedelta(hours=2)


def test_retry_after_shorter_than_the_backoff_does_not_shorten_it() -> None:
    now = timezone.now()
    source = SourceFactory(fetch_interval=THIRTY_MINUTES)

    source_schedule_failure(source=source, now=now, message="503", retry_after=1)

    assert source.next_fetch_at is not None
    assert within_jitter(source.next_fetch_at - now, THIRTY_MINUTES * 2)


@pytest.mark.parametrize("retry_after", [1e12, -30.0, math.nan, math.inf, 0.0])
def test_hostile_retry_after_values_are_bounded(retry_after: float) -> None:
    wait = failure_backoff(
        interval=THIRTY_MINUTES, base=THIRTY_MINUTES, failures=1, retry_after=retry_after
    )
    assert MIN_INTERVAL <= wait <= MAX_RETRY_AFTER


def test_source_is_paused_after_n_consecutive_failures_with_the_reason(
    settings: Settings,
) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 3
    source = SourceFactory()
    for _ in range(2):
        source_schedule_failure(source=source, now=timezone.now(), message="timeout")
    assert source.paused_at is None

    now = timezone.now()
    source_schedule_failure(
        source=source, now=now, message="HTTP 404 Not Found\nfor https://wire.example.org/feed"
    )

    assert source.paused_at == now
    assert "\n" not in source.pause_reason
    assert "3" in source.pause_reason
    assert "HTTP 404 Not Found for https://wire.example.org/feed" in source.pause_reason
    source.save()
    assert source.pk not in {s.pk for s in sources_due(now=now + timedelta(days=30))}


def test_pause_keeps_its_first_time_when_failures_go_on(settings: Settings) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 1
    source = SourceFactory()
    first = timezone.now()
    source_schedule_failure(source=source, now=first, message="one")
    source_schedule_failure(source=source, now=first + timedelta(hours=1), message="two")

    assert source.paused_at == first
    assert "one" in source.pause_reason


def test_a_huge_error_message_makes_a_short_pause_reason(settings: Settings) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 1
    source = SourceFactory()

    source_schedule_failure(source=source, now=timezone.now(), message="x" * 1_000_000)

    assert source.paused_at is not None
    assert len(source.pause_reason) < 500
    assert source.last_error == "x" * 1_000_000


def test_pausing_defaults_to_eight_failures(settings: Settings) -> None:
    if hasattr(django_settings, "NEWSDESK_PAUSE_AFTER_FAILURES"):
        del settings.NEWSDESK_PAUSE_AFTER_FAILURES
    source = SourceFactory()
    for _ in range(7):
        source_schedule_failure(source=source, now=timezone.now(), message="timeout")
    assert source.paused_at is None
    source_schedule_failure(source=source, now=timezone.now(), message="timeout")
    assert source.paused_at is not None


def test_pause_after_zero_failures_turns_pausing_off(settings: Settings) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 0
    source = SourceFactory()
    for _ in range(20):
        source_schedule_failure(source=source, now=timezone.now(), message="timeout")
    assert source.paused_at is None


def test_resume_clears_the_pause_and_makes_the_source_due_now(
    settings: Settings,
) -> None:
    settings.NEWSDESK_PAUSE_AFTER_FAILURES = 2
    source = SourceFactory()
    for _ in range(2):
        source_schedule_failure(source=source, now=timezone.now(), message="timeout")
    source.save()

    now = timezone.now()
    source_resume(source=source, now=now)

    source.refresh_from_db()
    assert source.paused_at is None
    assert source.pause_reason == ""
    assert source.consecutive_failures == 0
    assert source.next_fetch_at == now
    assert [s.pk for s in sources_due(now=now)] == [source.pk]


def test_an_editor_pause_is_saved_and_stops_fetching() -> None:
    source = SourceFactory()

    source_pause(source=source, reason="Rights\n under review")

    source.refresh_from_db()
    assert source.paused_at is not None
    assert source.pause_reason == "Rights under review"
    assert sources_due(now=timezone.now()) == []


# What is due


def test_paused_disabled_and_not_yet_due_sources_are_not_due() -> None:
    now = timezone.now()
    never = SourceFactory(next_fetch_at=None)
    late = SourceFactory(next_fetch_at=now - timedelta(hours=1))
    just = SourceFactory(next_fetch_at=now)
    SourceFactory(next_fetch_at=now - timedelta(hours=2), paused_at=now, pause_reason="x")
    SourceFactory(next_fetch_at=None, enabled=False)
    SourceFactory(next_fetch_at=now + timedelta(seconds=1))

    due = sources_due(now=now)

    assert [s.pk for s in due] == [never.pk, late.pk, just.pk]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in this process, also when CELERY_BROKER_URL names a broker (CI)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def test_enqueue_due_fetches_exactly_the_due_sources(
    http_server: LoopbackServer, allow_loopback: None, eager_tasks: None
) -> None:
    # Imported here: the task module pulls in the whole ingest pipeline.
    from newsdesk.sources.tasks import sources_enqueue_due_task

    now = timezone.now()
    feed = EMPTY_FEED
    headers = {"Content-Type": "application/rss+xml"}
    due = SourceFactory(url=http_server.add("/due.xml", feed, headers=headers))
    SourceFactory(
        url=http_server.add("/paused.xml", feed, headers=headers),
        paused_at=now,
        pause_reason="paused by an editor",
    )
    SourceFactory(url=http_server.add("/disabled.xml", feed, headers=headers), enabled=False)
    SourceFactory(
        url=http_server.add("/later.xml", feed, headers=headers),
        next_fetch_at=now + timedelta(hours=1),
    )

    assert sources_enqueue_due_task() == 1

    fetched = [path for path, _headers in http_server.requests if path != "/robots.txt"]
    assert fetched == ["/due.xml"]
    due.refresh_from_db()
    assert due.next_fetch_at is not None and due.next_fetch_at > now
    assert sources_enqueue_due_task() == 0


# The periodic scheduler


def test_beat_sends_enqueue_due_every_minute_by_default() -> None:
    entry = app.conf.beat_schedule["sources.enqueue_due"]

    assert entry["task"] == "sources.enqueue_due"
    # What a worker does at start: discover the apps' task modules; the name must be there.
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert float(entry["schedule"]) == 60.0


def test_beat_interval_comes_from_the_settings(settings: Settings) -> None:
    settings.NEWSDESK_ENQUEUE_EVERY = 15

    entry = beat_schedule()["sources.enqueue_due"]

    assert entry["schedule"] == 15.0
    assert entry["options"]["expires"] == 15.0


def test_a_leased_source_is_not_due_again_until_its_lease_ends() -> None:
    from newsdesk.sources.services import sources_lease_due

    now = timezone.now()
    source = SourceFactory(next_fetch_at=None)
    lease = timedelta(minutes=10)
    assert [s.pk for s in sources_lease_due(now=now, lease=lease)] == [source.pk]
    # The scheduler's next look, a minute later, while the task still waits in a queue:
    assert sources_lease_due(now=now + timedelta(minutes=1), lease=lease) == []
    source.refresh_from_db()
    assert source.next_fetch_at == now + lease
    # A task that was lost: the source is due again once the lease is over.
    assert [s.pk for s in sources_lease_due(now=now + lease, lease=lease)] == [source.pk]
