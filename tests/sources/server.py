"""A small threaded HTTP server on 127.0.0.1 with canned answers per path, for the feed tests.

Each route answers with a `Reply`, or with a function of the request (`Seen`) that returns
one, for answers that depend on the request's headers (ETag → 304). A reply can wait before
answering, and its body can be a function returning chunks, streamed without a length, so a
test can send a huge body without holding it. Every request is recorded.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Chunks = Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class Reply:
    """What the server answers. `delay` is seconds of silence before the status line."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | Chunks = b""
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """A request as the server received it; header names are lowercase."""

    path: str
    headers: Mapping[str, str]


Route = Reply | Callable[[Seen], Reply]
NOT_FOUND = Reply(404, {"Content-Type": "text/plain"}, b"no such page")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        seen = Seen(self.path, {name.lower(): value for name, value in self.headers.items()})
        self.server.owner.requests.append(seen)
        route = self.server.owner.routes.get(self.path.partition("?")[0], NOT_FOUND)
        reply = route(seen) if callable(route) else route
        if reply.delay and self.server.stopping.wait(reply.delay):
            return
        # The client may hang up first (a size cap, a timeout): what the test wanted.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(reply)

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if isinstance(reply.body, bytes):
            if "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        # No length: the body ends when the connection closes (HTTP/1.0).
        self.end_headers()
        for chunk in reply.body():
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read `requests`, not a log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: LoopbackServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.stopping = threading.Event()


class LoopbackServer:
    """Serves `routes` (path → Route) on 127.0.0.1 on a free port while open (`with`)."""

    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Seen] = []
        self._server = _Server(self)
        # A short poll interval: shutting down waits for one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def count(self, path: str) -> int:
        """How many requests asked for this path (query ignored)."""
        return sum(1 for seen in self.requests if seen.path.partition("?")[0] == path)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
