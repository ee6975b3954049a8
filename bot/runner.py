"""Running the bot: the scheduler and every configured adapter, until a signal or an adapter ends.

Each adapter serves in a thread of its own; the main thread waits for SIGINT/SIGTERM or for
an adapter to finish (the console ends when its input does), then stops them all.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from bot.adapters.base import Adapter
from bot.bootstrap import App
from bot.scheduler import DigestPlanner, add_jobs

log = logging.getLogger(__name__)
# How long stopping adapters may take before the process exits anyway.
STOP_SECONDS = 20


def run(app: App, adapters: Sequence[Adapter]) -> None:
    """Serve `adapters` with the scheduler running; returns when the bot should exit."""
    scheduler = BackgroundScheduler(timezone=app.settings.timezone)
    planner = DigestPlanner(scheduler, app, {a.platform: a for a in adapters})
    app.handler.schedule_changed = planner.update
    add_jobs(scheduler, app)
    planner.plan_all()
    finished = threading.Event()

    def serve(adapter: Adapter) -> None:
        try:
            adapter.serve()
        except Exception:
            log.exception("the %s adapter stopped with an error", adapter.platform)
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
    scheduler.start()
    try:
        for thread in threads:
            thread.start()
        # A timed wait keeps the main thread responsive to signals.
        while not finished.wait(timeout=0.5):
            pass
    finally:
        scheduler.shutdown(wait=False)
        for adapter in adapters:
            try:
                adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        for thread in threads:
            thread.join(timeout=STOP_SECONDS)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
