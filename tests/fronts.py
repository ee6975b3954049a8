"""The web front serving given routes in a thread, for the tests of what comes in over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from starlette.routing import BaseRoute

from bot.web.front import WebFront


@contextmanager
def in_thread(
    serve: Callable[[], None], stop: Callable[[], None], ready: Callable[[], bool], what: str
) -> Iterator[None]:
    """`serve` running in a thread until the block ends; it must be `ready` soon and stop
    promptly when told to."""
    thread = threading.Thread(target=serve, name=f"{what}-under-test", daemon=True)
    thread.start()
    try:
        assert ready(), f"the {what} did not start"
        yield
    finally:
        stop()
        thread.join(30)
        assert not thread.is_alive(), f"the {what} did not stop"


@contextmanager
def front_serving(
    routes: Sequence[BaseRoute], host: str = "127.0.0.1", port: int = 0
) -> Iterator[WebFront]:
    """A front on host:port (0: a free port) until the block ends."""
    front = WebFront(host, port, routes)
    with in_thread(front.serve, front.stop, lambda: front.wait_ready(10), "web front"):
        yield front
