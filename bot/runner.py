"""Running the bot: the scheduler, the outbox's senders, every configured adapter and the web
front, until a signal arrives or an adapter ends.

The web front (one HTTP server: the adapters' routes, `/healthz`, `/metrics`) listens when a
port is set or an adapter takes requests over HTTP. Each adapter, and the front, serves in a
thread of its own; the main thread waits for SIGINT/SIGTERM or for an adapter to finish (the
console ends when its input does). Stopping takes no new work (the scheduler stops first),
lets each sender finish the message it is sending, then stops the front and the adapters,
all within a bounded time.

An adapter that ends with an error stops the bot too, and `run` then raises, so that the
process exits non-zero and a supervisor restarts it (or someone fixes the token).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from bot.adapters.base import Adapter, InvalidCredentials
from bot.bootstrap import App
from bot.core.delivery import Outbox
from bot.roles import ALL, Roles
from bot.scheduling import Scheduling
from bot.tasks import Deliveries, TaskWorker
from bot.web.front import DEFAULT_PORT, WebFront
from bot.web.health import Checks
from bot.web.health import routes as health_routes

log = logging.getLogger(__name__)
# How long stopping may take before the process exits anyway.
STOP_SECONDS = 20


class AdapterFailed(RuntimeError):
    """An adapter stopped with an unexpected error (logged with its traceback)."""


def run(app: App, adapters: Sequence[Adapter], roles: Roles = ALL) -> None:
    """Serve `adapters` with the scheduler and the senders running (those of `roles`);
    returns when the bot should exit.

    On SQLite, the outbox's senders are threads of this process; on PostgreSQL, deliveries
    are tasks of the task engine, taken by a worker here (`send`) and by every
    `newsdigest worker`, and the scheduler runs here only while this process leads.

    Once everything has stopped, raises the `InvalidCredentials` of an adapter that could
    not start, or `AdapterFailed` for one that ended with another error.
    """
    by_platform = {a.platform: a for a in adapters}
    outbox = Outbox(app.store, by_platform, app.handler.summary)
    shared = app.store.engine.dialect.name == "postgresql"
    deliveries = Deliveries(app.settings.database_url) if shared else None
    queue: Callable[[int], object] = deliveries.queue if deliveries else lambda _: outbox.wake.set()
    app.handler.deliver = deliveries.queue if deliveries else outbox.deliver
    scheduling = Scheduling(app, by_platform, queue) if roles.schedule else None
    app.handler.schedule_changed = scheduling.schedule_changed if scheduling else None
    checks = Checks(
        app.store,
        scheduler=(lambda: scheduling.role) if scheduling else None,
        senders=outbox.idle_for if roles.send and not shared else None,
    )
    front = web_front(app, adapters if roles.receive else [], checks)
    finished = threading.Event()
    stopping = threading.Event()
    leading = threading.Event()  # set: stop leading
    failures: list[Exception] = []

    def serve(adapter: Adapter) -> None:
        try:
            adapter.serve()
        except InvalidCredentials as error:
            failures.append(error)  # a sentence for the caller to show, not a traceback
        except Exception as error:
            log.exception("the %s adapter stopped with an error", adapter.platform)
            failed = AdapterFailed(f"The {adapter.platform} adapter stopped with an error")
            failed.__cause__ = error
            failures.append(failed)
        finally:
            finished.set()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        finished.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    threads = [
        threading.Thread(target=serve, args=(a,), name=f"adapter-{a.platform}", daemon=True)
        for a in adapters
    ]
    if front is not None:
        threads.append(threading.Thread(target=front.serve, name="web-front", daemon=True))
    worker = TaskWorker(app.settings.database_url, outbox, app.settings.senders)
    senders = []
    if roles.send and shared:
        senders = [threading.Thread(target=worker.serve, name="task-worker", daemon=True)]
    elif roles.send:
        count = app.settings.senders
        senders = [
            threading.Thread(
                target=outbox.run, args=(n, count, stopping), name=f"sender-{n}", daemon=True
            )
            for n in range(count)
        ]
    leads: list[threading.Thread] = []
    if scheduling is not None:
        leads.append(threading.Thread(target=scheduling.run, args=(leading,), name="leader"))
    try:
        for thread in threads:
            thread.start()
        # The stored jobs start once the adapters they send through are on their way up.
        for thread in leads:
            thread.start()
        for thread in senders:
            thread.start()
        # A timed wait keeps the main thread responsive to signals.
        while not finished.wait(timeout=0.5):
            pass
    finally:
        leading.set()  # the scheduler stops first: no new work
        for thread in leads:
            thread.join(timeout=STOP_SECONDS)
        stopping.set()
        outbox.wake.set()
        worker.stop()
        for thread in senders:
            if thread.is_alive():
                thread.join(timeout=STOP_SECONDS)
        if front is not None:
            front.stop()
        for adapter in adapters:
            try:
                adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        for thread in threads:
            thread.join(timeout=STOP_SECONDS)
        if deliveries is not None:
            deliveries.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failures:
        raise failures[0]


def web_front(app: App, adapters: Sequence[Adapter], checks: Checks) -> WebFront | None:
    """The web front, when a port is set or an adapter takes requests over HTTP."""
    routes = [route for adapter in adapters for route in adapter.routes()]
    port = app.settings.port
    if port is None and not routes:
        return None
    routes.extend(health_routes(checks))
    return WebFront(app.settings.host, port or DEFAULT_PORT, routes)
