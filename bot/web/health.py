"""`/healthz` and `/metrics`: what a load balancer and a monitoring system ask the bot.

`/healthz` answers 200 when the database answers, the scheduler runs here or another process
leads it (this one standing by), and no sender of the outbox is stuck; 503 otherwise. The
body says which check failed, in JSON. `/metrics` is Prometheus' text format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.core.metrics import Pending
from bot.core.store import Store

# A sender that has not come round its loop for this long is stuck (a send times out long
# before, and an idle sender comes round every second).
STUCK_SECONDS = 300.0
# The scheduler's roles: running it here, standing by for the one that does, or neither.
LEADER, STANDBY, STOPPED = "leader", "standby", "stopped"


@dataclass
class Checks:
    """Where each check looks: the store, the scheduler's role here (None: this process runs
    no scheduler, e.g. a web front alone), the seconds since the least recent sender came
    round its loop (None: no senders here)."""

    store: Store
    scheduler: Callable[[], str] | None = None
    senders: Callable[[], float | None] | None = None
    stuck_after: float = STUCK_SECONDS

    def run(self) -> dict[str, str]:
        """Each check's finding: "ok", or what is wrong."""
        found = {"database": self._database()}
        if self.scheduler is not None:
            role = self.scheduler()
            found["scheduler"] = "ok" if role in (LEADER, STANDBY) else "not running"
            found["role"] = role
        if self.senders is not None:
            idle = self.senders()
            stuck = idle is not None and idle > self.stuck_after
            found["senders"] = f"stuck for {idle:.0f} s" if stuck else "ok"
        return found

    def _database(self) -> str:
        try:
            with self.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            return f"unreachable ({type(error).__name__})"
        return "ok"


def healthy(found: dict[str, str]) -> bool:
    return all(value == "ok" for key, value in found.items() if key != "role")


def routes(checks: Checks) -> list[Route]:
    """The routes of `/healthz` and `/metrics` for this process."""
    outbox = CollectorRegistry()  # read at each scrape, not before
    outbox.register(Pending(checks.store.outbox_counts))

    async def healthz(_request: Request) -> Response:
        found = await run_in_threadpool(checks.run)
        ok = healthy(found)
        return JSONResponse({"ok": ok, "checks": found}, status_code=200 if ok else 503)

    def exposition() -> bytes:
        return generate_latest(REGISTRY) + generate_latest(outbox)

    async def metrics(_request: Request) -> Response:
        body = await run_in_threadpool(exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
