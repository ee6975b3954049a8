"""Fixtures for the feed tests: a loopback HTTP server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sources.server import LoopbackServer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """An HTTP server on 127.0.0.1; tests set `server.routes` and read `server.requests`."""
    with LoopbackServer() as running:
        yield running
