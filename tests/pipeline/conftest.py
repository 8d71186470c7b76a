"""Pipeline tests share one loopback server per module; each test starts with no routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.loopback import LoopbackServer


@pytest.fixture(scope="module")
def _module_server() -> Iterator[LoopbackServer]:
    # Stopping a server waits out serve_forever's 0.5 s poll; pay that once per module.
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def http_server(_module_server: LoopbackServer) -> LoopbackServer:
    """A real HTTP server on 127.0.0.1 with no routes and no recorded requests."""
    _module_server.routes.clear()
    _module_server.requests.clear()
    return _module_server
