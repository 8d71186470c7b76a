"""Per-host politeness: one request at a time per host, spaced by a minimum delay."""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Protocol

import redis
from protego import Protego
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

# However long a robots.txt asks us to wait, a feed polled every few minutes must still
# get through: 30 s between requests is already one page every half minute.
MAX_CRAWL_DELAY = 30.0


class GateTimeout(Exception):
    """The host stayed busy (or its delay ran) past the time the caller could wait."""


class HostGate(Protocol):
    """Serialises requests to one host and spaces them by a delay."""

    def slot(
        self, host: str, *, delay: float, timeout: float
    ) -> contextlib.AbstractContextManager[None]:
        """Hold HOST's slot: wait until no other request to it runs and DELAY has passed."""
        ...


class LocalHostGate:
    """A HostGate for the threads of one process."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        # When the last request to each host finished; a host seen once stays (a few bytes).
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str, *, delay: float, timeout: float) -> Iterator[None]:
        """Hold HOST's slot: wait until no other request to it runs and DELAY has passed."""
        host = host.lower()
        started = self._clock()
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        if not lock.acquire(timeout=max(timeout, 0.0)):
            raise GateTimeout(f"{host} stayed busy for {timeout:g} s")
        try:
            last = self._last.get(host)
            if last is not None:
                wait = last + delay - self._clock()
                if wait > 0:
                    if self._clock() - started + wait > timeout:
                        raise GateTimeout(f"{host} asks for {delay:g} s between requests")
                    self._sleep(wait)
            try:
                yield
            finally:
                self._last[host] = self._clock()
        finally:
            lock.release()


class RedisHostGate:
    """A HostGate for workers on many machines sharing one Redis: a lock and a time per host.

    PREFIX:HOST:lock is a redis-py Lock (token, expiry); PREFIX:HOST:last holds when the
    last request to HOST finished, by Redis's clock. The next allowed time is that plus
    the delay of whoever asks next, so a caller that knows a longer Crawl-delay waits longer.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "newsdesk:host",
        lock_ttl: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._prefix = prefix
        # A worker killed mid-request must not block its host for ever: the lock expires.
        # It outlives the longest fetch (deadline plus the crawl delay cap) by default.
        self._lock_ttl = lock_ttl
        self._sleep = sleep

    @classmethod
    def from_url(cls, url: str, **kwargs: object) -> RedisHostGate:
        """A gate on the Redis at URL (redis://host:port/db)."""
        return cls(redis.Redis.from_url(url), **kwargs)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def slot(self, host: str, *, delay: float, timeout: float) -> Iterator[None]:
        """Hold HOST's slot: wait until no other request to it runs and DELAY has passed."""
        host = host.lower()
        started = time.monotonic()
        lock = self._client.lock(
            f"{self._prefix}:{host}:lock",
            timeout=self._lock_ttl,
            sleep=0.02,
            blocking_timeout=max(timeout, 0.001),
        )
        if not lock.acquire():
            raise GateTimeout(f"{host} stayed busy for {timeout:g} s")
        last_key = f"{self._prefix}:{host}:last"
        try:
            # Redis's own clock, so workers on machines with skewed clocks agree.
            last = self._client.get(last_key)
            if last is not None:
                wait = float(last) + delay - self._now()
                if wait > 0:
                    if time.monotonic() - started + wait > timeout:
                        raise GateTimeout(f"{host} asks for {delay:g} s between requests")
                    self._sleep(wait)
            try:
                yield
            finally:
                # The timestamp only matters for the next delay; then it may go.
                expiry = math.ceil(max(delay, MAX_CRAWL_DELAY)) + 60
                self._client.set(last_key, repr(self._now()), ex=expiry)
        finally:
            try:
                lock.release()
            except LockError:
                # The request outlived the lock's expiry; another worker may have the host.
                logger.warning("host lock for %s expired before the request finished", host)

    def _now(self) -> float:
        seconds, micros = self._client.time()
        return float(seconds) + micros / 1_000_000


# Empty rules: everything allowed, no Crawl-delay.
ALLOW_ALL = Protego.parse("")


class RobotsCache:
    """robots.txt rules per origin for TTL seconds, the least recently used dropped past MAX_SIZE.

    A host without rules to obey (404, unreadable) is cached as ALLOW_ALL.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        max_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Protego]] = OrderedDict()

    def get(self, origin: str) -> Protego | None:
        """The rules cached for ORIGIN (scheme://host[:port]), or None when absent or stale."""
        with self._lock:
            entry = self._entries.get(origin)
            if entry is None:
                return None
            expires, rules = entry
            if expires <= self._clock():
                del self._entries[origin]
                return None
            self._entries.move_to_end(origin)
            return rules

    def put(self, origin: str, rules: Protego) -> None:
        """Cache RULES for ORIGIN."""
        with self._lock:
            self._entries[origin] = (self._clock() + self._ttl, rules)
            self._entries.move_to_end(origin)
            while len(self._entries) > self._max_size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
