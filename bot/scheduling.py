"""The scheduler of one process, running while that process leads (`leader`): started with
its jobs when the lead is taken, shut down when it is lost. Every process that may lead has
one; exactly one runs at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from bot.bootstrap import App
from bot.core.store import Chat
from bot.leader import Leadership
from bot.scheduler import DigestPlanner, Publisher, make_scheduler

log = logging.getLogger(__name__)


class Scheduling:
    """Runs the digest, ingest and feed jobs while this process holds the lead."""

    def __init__(
        self,
        app: App,
        publishers: Mapping[str, Publisher],
        queue: Callable[[int], object] | None,
        *,
        poll: float | None = None,
    ) -> None:
        self.app = app
        self.publishers = publishers
        self.queue = queue
        self.planner: DigestPlanner | None = None
        extra = {"poll": poll} if poll is not None else {}
        self.leadership = Leadership(app.store.engine, self._start, self._stop, **extra)
        self._lock = threading.Lock()

    @property
    def role(self) -> str:
        return self.leadership.role

    def run(self, stop: threading.Event) -> None:
        """Lead when this process may, until `stop` (in the calling thread)."""
        self.leadership.run(stop)

    def schedule_changed(self, chat: Chat) -> None:
        """A chat's schedule changed: its job follows at once here if this process leads;
        otherwise the leader's next pass over the chats brings it (within a minute)."""
        with self._lock:
            if self.planner is not None:
                self.planner.update(chat)

    def _start(self) -> None:
        scheduler = make_scheduler(self.app.store, self.app.settings.timezone)
        planner = DigestPlanner(scheduler, self.app, self.publishers, self.queue)
        planner.activate()
        scheduler.start(paused=True)
        try:
            planner.add_ingest_job()
            planner.add_feed_job()
            planner.add_replan_job()
            planner.plan_all()
            missed = planner.catch_up()
            if missed:
                log.info("sending %d digests missed while no scheduler ran", missed)
            scheduler.resume()
        except Exception:
            scheduler.shutdown(wait=False)
            raise
        with self._lock:
            self.planner = planner

    def _stop(self) -> None:
        with self._lock:
            planner, self.planner = self.planner, None
        if planner is not None and planner.scheduler.running:
            planner.scheduler.shutdown(wait=False)
