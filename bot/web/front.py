"""The bot's one web front: a single HTTP server (an ASGI app served by uvicorn) on one port
for everything that comes in over HTTP: Slack's requests, Telegram's webhook, `/healthz` and
`/metrics`. Each part brings its own routes; the front only serves them.

The server runs in the thread that calls `serve`, on an event loop of its own; `stop` ends it
from any thread once the requests in progress are answered. The socket is bound before
serving starts, so that a port in use is a clear error, not a thread that quietly ended.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

log = logging.getLogger(__name__)
# Where the front listens when a part needs it and no port is set.
DEFAULT_PORT = 8080
# How long stopping waits for requests in progress.
GRACE_SECONDS = 10


class PortUnavailable(OSError):
    """The front cannot listen where it was asked to (the port is taken, or not ours)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening, or PortUnavailable saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


class WebFront:
    """One HTTP server for the routes of every part of the bot that takes requests."""

    def __init__(self, host: str, port: int, routes: Sequence[BaseRoute]) -> None:
        self.host = host
        self.app = Starlette(routes=list(routes))
        self._socket = listening_socket(host, port)
        config = uvicorn.Config(
            self.app,
            log_config=None,  # the bot's logging, with its masking of secrets
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._stopped = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) the front listens on (the port chosen when 0 was asked for)."""
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def serve(self) -> None:
        """Serve until `stop` (in the calling thread)."""
        try:
            if self._stopped.is_set():
                return
            host, port = self.address
            log.info("web front: listening on http://%s:%d", host, port)
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()

    def wait_ready(self, timeout: float) -> bool:
        """True once the front takes requests (False when `timeout` passes or it stopped)."""
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._stopped.is_set() or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        """End `serve` (from any thread): no new connections, those open are answered."""
        self._stopped.set()
        self._server.should_exit = True
