"""Host gates (in-process and on a real Redis) and the robots.txt cache."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from protego import Protego
from redis.backoff import NoBackoff
from redis.retry import Retry

from newsdesk.pipeline.politeness import (
    ALLOW_ALL,
    GateTimeout,
    HostGate,
    LocalHostGate,
    RedisHostGate,
    RobotsCache,
)
from tests.conftest import require_service

REDIS_URL = "redis://127.0.0.1:6379/14"


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def local_gate(fake_time: FakeTime) -> LocalHostGate:
    return LocalHostGate(clock=fake_time.clock, sleep=fake_time.sleep)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """Redis db 14 on loopback; skipped on a laptop without it, a failure in CI."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("Redis", f"{REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"test-gate:{uuid.uuid4().hex}"
    yield name
    keys = list(redis_client.scan_iter(f"{name}:*"))
    if keys:
        redis_client.delete(*keys)


def _contend(
    gate_for: Callable[[], HostGate], *, workers: int, host: str, delay: float
) -> list[tuple[float, float]]:
    """WORKERS threads, each with its own gate, take one slot on HOST; their (enter, leave)."""
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work() -> None:
        gate = gate_for()
        start.wait()
        with gate.slot(host, delay=delay, timeout=10.0):
            entered = time.monotonic()
            time.sleep(0.05)
            left = time.monotonic()
        with lock:
            spans.append((entered, left))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(spans)


def _assert_serialised_and_spaced(spans: list[tuple[float, float]], *, delay: float) -> None:
    for (_, left), (entered, _) in itertools.pairwise(spans):
        # Lower bounds only: how much later the next one came is the scheduler's business.
        assert entered >= left
        assert entered - left >= delay * 0.95


# --- LocalHostGate ------------------------------------------------------------------------


def test_first_request_to_a_host_does_not_wait(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("example.com", delay=5.0, timeout=10.0):
        pass

    assert fake_time.sleeps == []


def test_second_request_waits_the_delay_after_the_first_finished(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("example.com", delay=5.0, timeout=10.0):
        fake_time.now += 2.0  # the request itself took 2 s
    fake_time.now += 1.0

    with local_gate.slot("example.com", delay=5.0, timeout=10.0):
        pass

    assert fake_time.sleeps == [4.0]


def test_a_later_caller_with_a_longer_delay_waits_longer(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("example.com", delay=1.0, timeout=60.0):
        pass
    with local_gate.slot("example.com", delay=30.0, timeout=60.0):
        pass

    assert fake_time.sleeps == [30.0]


def test_different_hosts_do_not_wait_for_each_other(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("a.example", delay=5.0, timeout=10.0):
        pass
    with local_gate.slot("b.example", delay=5.0, timeout=10.0):
        pass

    assert fake_time.sleeps == []


def test_host_names_are_compared_without_case(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("Example.COM", delay=5.0, timeout=10.0):
        pass
    with local_gate.slot("example.com", delay=5.0, timeout=10.0):
        pass

    assert fake_time.sleeps == [5.0]


def test_a_delay_longer_than_the_caller_can_wait_raises_without_sleeping(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with local_gate.slot("example.com", delay=30.0, timeout=60.0):
        pass

    with (
        pytest.raises(GateTimeout, match="30 s between requests"),
        local_gate.slot("example.com", delay=30.0, timeout=10.0),
    ):
        pass
    assert fake_time.sleeps == []


def test_the_delay_counts_from_a_request_that_failed(
    local_gate: LocalHostGate, fake_time: FakeTime
) -> None:
    with pytest.raises(RuntimeError), local_gate.slot("example.com", delay=5.0, timeout=10.0):
        raise RuntimeError("request failed")

    with local_gate.slot("example.com", delay=5.0, timeout=10.0):
        pass

    assert fake_time.sleeps == [5.0]


def test_a_busy_host_raises_once_the_caller_stops_waiting() -> None:
    gate = LocalHostGate()
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.slot("example.com", delay=0.0, timeout=5.0):
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    try:
        with (
            pytest.raises(GateTimeout, match="busy"),
            gate.slot("example.com", delay=0.0, timeout=0.1),
        ):
            pass
    finally:
        release.set()
        holder.join(5)


def test_threads_sharing_a_local_gate_are_serialised_and_spaced() -> None:
    gate = LocalHostGate()

    spans = _contend(lambda: gate, workers=3, host="example.com", delay=0.1)

    assert len(spans) == 3
    _assert_serialised_and_spaced(spans, delay=0.1)


# --- RedisHostGate ------------------------------------------------------------------------


def test_redis_workers_contending_for_one_host_are_serialised_and_spaced(
    redis_client: redis.Redis, prefix: str
) -> None:
    # Each worker has its own connection, as Celery workers on other machines would.
    def gate_for() -> HostGate:
        return RedisHostGate.from_url(REDIS_URL, prefix=prefix)

    spans = _contend(gate_for, workers=3, host="example.com", delay=0.2)

    assert len(spans) == 3
    _assert_serialised_and_spaced(spans, delay=0.2)


def test_redis_gate_waits_the_delay_it_computes_from_redis_time(
    redis_client: redis.Redis, prefix: str
) -> None:
    sleeps: list[float] = []
    gate = RedisHostGate(redis_client, prefix=prefix, sleep=sleeps.append)

    with gate.slot("example.com", delay=5.0, timeout=10.0):
        pass
    with gate.slot("example.com", delay=5.0, timeout=10.0):
        pass

    assert len(sleeps) == 1
    assert 4.0 < sleeps[0] <= 5.0


def test_redis_gate_releases_the_lock_and_keeps_a_last_request_time_that_expires(
    redis_client: redis.Redis, prefix: str
) -> None:
    gate = RedisHostGate(redis_client, prefix=prefix)

    with gate.slot("example.com", delay=2.0, timeout=10.0):
        assert redis_client.exists(f"{prefix}:example.com:lock")

    assert not redis_client.exists(f"{prefix}:example.com:lock")
    assert float(redis_client.get(f"{prefix}:example.com:last") or 0) > 0
    assert 0 < int(redis_client.ttl(f"{prefix}:example.com:last")) <= 120


def test_redis_gate_refuses_a_delay_longer_than_the_caller_can_wait(
    redis_client: redis.Redis, prefix: str
) -> None:
    sleeps: list[float] = []
    gate = RedisHostGate(redis_client, prefix=prefix, sleep=sleeps.append)
    with gate.slot("example.com", delay=30.0, timeout=60.0):
        pass

    with (
        pytest.raises(GateTimeout, match="between requests"),
        gate.slot("example.com", delay=30.0, timeout=1.0),
    ):
        pass

    assert sleeps == []
    assert not redis_client.exists(f"{prefix}:example.com:lock")


def test_redis_gate_raises_while_another_worker_holds_the_host(
    redis_client: redis.Redis, prefix: str
) -> None:
    other = redis_client.lock(f"{prefix}:example.com:lock", timeout=10)
    assert other.acquire(blocking=False)
    try:
        with (
            pytest.raises(GateTimeout, match="busy"),
            RedisHostGate(redis_client, prefix=prefix).slot("example.com", delay=0.0, timeout=0.2),
        ):
            pass
    finally:
        other.release()


def test_a_lock_left_by_a_dead_worker_expires(redis_client: redis.Redis, prefix: str) -> None:
    # A worker that died mid-request never releases; its lock must not block the host for ever.
    dead = redis_client.lock(f"{prefix}:example.com:lock", timeout=0.3)
    assert dead.acquire(blocking=False)

    with RedisHostGate(redis_client, prefix=prefix).slot("example.com", delay=0.0, timeout=5.0):
        entered = True

    assert entered


def test_redis_gate_on_an_unreachable_redis_raises_a_redis_error() -> None:
    # Nothing listens on port 1; no client-side retries, so the failure comes at once.
    client = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    gate = RedisHostGate(client)

    with pytest.raises(redis.RedisError), gate.slot("example.com", delay=0.0, timeout=1.0):
        pass


# --- RobotsCache --------------------------------------------------------------------------


def test_robots_cache_returns_what_was_put_until_the_ttl_passes(fake_time: FakeTime) -> None:
    cache = RobotsCache(ttl=3600, clock=fake_time.clock)
    rules = Protego.parse("User-agent: *\nDisallow: /private")
    cache.put("https://example.com", rules)

    fake_time.now += 3599
    assert cache.get("https://example.com") is rules
    fake_time.now += 2
    assert cache.get("https://example.com") is None


def test_robots_cache_is_bounded_and_drops_the_least_recently_used(fake_time: FakeTime) -> None:
    cache = RobotsCache(max_size=2, clock=fake_time.clock)
    cache.put("https://a.example", ALLOW_ALL)
    cache.put("https://b.example", ALLOW_ALL)
    assert cache.get("https://a.example") is ALLOW_ALL

    cache.put("https://c.example", ALLOW_ALL)

    assert len(cache) == 2
    assert cache.get("https://b.example") is None
    assert cache.get("https://a.example") is ALLOW_ALL


def test_allow_all_allows_everything_without_a_delay() -> None:
    assert ALLOW_ALL.can_fetch("https://example.com/private", "newsdesk")
    assert ALLOW_ALL.crawl_delay("newsdesk") is None
