"""APScheduler wiring: jobs call the app's functions only.

For now: the ingest job re-reading the source folder every few minutes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.bootstrap import App
from bot.core.ingest import Problem

log = logging.getLogger(__name__)
INGEST_JOB = "ingest-source-folder"


class IngestJob:
    """Re-reads the source folder. Logs what is new, and each bad file once, not every run."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._reported: set[Problem] = set()

    def __call__(self) -> None:
        folder = self.app.settings.source_dir
        try:
            report = self.app.ingest([folder])
        except Exception:
            # A failing job must never stop the scheduler; the next run tries again.
            log.exception("ingest of %s failed", folder)
            return
        rejected = set(report.rejected)
        for problem in sorted(rejected - self._reported, key=lambda p: p.name):
            log.warning("rejected %s: %s", problem.name, problem.reason)
        self._reported = rejected
        if report.new:
            log.info("ingest of %s: %s", folder, report.line())


def add_jobs(scheduler: BaseScheduler, app: App, *, ingest_now: bool = False) -> None:
    """Add the bot's jobs to `scheduler`."""
    minutes = app.settings.ingest_interval_minutes
    first = datetime.now(UTC) + (timedelta(0) if ingest_now else timedelta(minutes=minutes))
    scheduler.add_job(
        IngestJob(app),
        "interval",
        id=INGEST_JOB,
        name=f"ingest {app.settings.source_dir}",
        minutes=minutes,
        next_run_time=first,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
