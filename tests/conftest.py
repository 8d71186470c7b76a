"""Shared fixtures: a loopback HTTP server and fetch settings that allow it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from tests.loopback import LoopbackServer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 serving the routes a test adds."""
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def allow_loopback(settings: Settings) -> None:
    """Let the fetcher reach 127.0.0.1, as an operator would allow-list it.

    Tests run against their own server, so they need not wait between its requests.
    """
    settings.NEWSDESK_FETCH_ALLOW = ["127.0.0.1", "::1", "localhost"]
    settings.NEWSDESK_HOST_DELAY = 0
    settings.NEWSDESK_FETCH_RETRIES = 0


def require_service(name: str, reason: str) -> None:
    """Skip on a laptop without the service; in CI (CI=true) a missing service is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


@pytest.fixture(autouse=True)
def _fresh_entity_catalog() -> Iterator[None]:
    """Each test reads the entity catalog from its own database: tests roll their rows back
    (and SQLite gives rolled-back ids out again), which a running site never does."""
    from newsdesk.news import entities

    entities._catalog_cache.clear()
    yield
    entities._catalog_cache.clear()


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's default language: a request to a /ru/ page leaves
    Russian active in the thread that made it, and reverse() would then give /ru/ URLs."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def caches_clear() -> None:
    """Empty every cache alias (the page cache and the rest)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _empty_page_cache() -> Iterator[None]:
    """Each test starts and ends with empty caches: the page cache would otherwise serve one
    test the pages of another (both use the same addresses over different rows)."""
    caches_clear()
    yield
    caches_clear()
