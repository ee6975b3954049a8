"""Deliveries shared by several processes, on PostgreSQL: tasks of procrastinate, whose jobs
live in the bot's database beside the outbox.

- `deliver(digest_id)` sends what is due of a digest through the outbox of the worker that
  takes it. A digest's job is queued once at a time (its queueing lock) and run by one worker
  at a time (its lock); the outbox's parts say what was sent already, so a job run again
  resumes where the last one stopped.
- `sweep`, every few seconds in one of the workers: ends the jobs of a worker that stopped
  sending heartbeats (killed, or cut off), then queues the pending digests that are due (those
  built by a process that queued nothing, those whose retry time has come, those of ended
  jobs), so that the other workers take them.

A worker sends one message at a time per job it runs, so at most `concurrency` messages per
worker are on their way when it dies: those are the only ones that may go twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

from bot.core.delivery import Outbox
from bot.core.store import PENDING, now

log = logging.getLogger(__name__)

QUEUE = "deliveries"
# Jobs are found by their name in the database: these stay as they are.
DELIVER, SWEEP = "newsdigest.deliver", "newsdigest.sweep"
SWEEP_SECONDS = 5
# A worker reports it is alive this often; one silent for STALLED_SECONDS is taken for dead.
HEARTBEAT_SECONDS = 2.0
STALLED_SECONDS = 10.0
# Digests queued by one sweep at most (the next sweep takes the rest).
SWEEP_LIMIT = 2_000


class NeedsPostgres(RuntimeError):
    """Several processes were asked for on a database that cannot share work (SQLite)."""


def libpq_url(url: str) -> str:
    """The database's address as libpq (psycopg) takes it, from an SQLAlchemy URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise NeedsPostgres(
            "several processes share their work through PostgreSQL; with "
            f"{parsed.get_backend_name()} the bot runs as one process (`newsdigest run`)"
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def task_app(url: str) -> procrastinate.App:
    """The task engine on the bot's PostgreSQL database (its tables come with the bot's
    migrations), with the bot's tasks."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(url)))
    app.task(name=DELIVER, queue=QUEUE, pass_context=True)(_deliver)
    sweep = app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP, pass_context=True)(_sweep)
    app.periodic(cron=f"* * * * * */{SWEEP_SECONDS}")(sweep)
    return app


def _configured(app: procrastinate.App, digest_id: int) -> Any:
    """The delivery task for one digest: queued once at a time, run once at a time."""
    lock = f"digest-{digest_id}"
    return app.tasks[DELIVER].configure(lock=lock, queueing_lock=lock)


def _deliver(context: JobContext, digest_id: int) -> None:
    outbox: Outbox = context.additional_context["outbox"]
    outbox.deliver(digest_id)


async def _sweep(context: JobContext, timestamp: int) -> None:
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
        # Its digest is queued again below: the outbox knows what of it was sent.
        log.warning("a worker stopped answering during job %s: its digest goes to another", job.id)
        await manager.finish_job(job, Status.FAILED, delete_job=True)
    outbox: Outbox = context.additional_context["outbox"]
    due = await asyncio.to_thread(
        outbox.store.pending_digests, platforms=list(outbox.senders), due=now(), limit=SWEEP_LIMIT
    )
    for digest_id in due:
        with contextlib.suppress(AlreadyEnqueued):
            await _configured(context.app, digest_id).defer_async(digest_id=digest_id)


class Deliveries:
    """Queues deliveries for the workers, from a process that builds digests (the scheduler's
    leader, a web front answering /digest)."""

    def __init__(self, url: str) -> None:
        self.app = task_app(url)
        self.app.open()

    def queue(self, digest_id: int) -> str:
        """Queue a digest's delivery (once: a digest queued already is left as it is)."""
        with contextlib.suppress(AlreadyEnqueued):
            _configured(self.app, digest_id).defer(digest_id=digest_id)
        return PENDING

    def close(self) -> None:
        self.app.close()


class TaskWorker:
    """A worker of the task engine in a thread of this process (`serve` until `stop`):
    `concurrency` deliveries at once through `outbox`, as a `newsdigest worker` would."""

    def __init__(self, url: str, outbox: Outbox, concurrency: int) -> None:
        self.url = url
        self.outbox = outbox
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopped = False

    def serve(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        app = task_app(self.url)
        async with app.open_async():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            if self._stopped:
                return
            with contextlib.suppress(asyncio.CancelledError):
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=self.concurrency,
                    additional_context={"outbox": self.outbox},
                    update_heartbeat_interval=HEARTBEAT_SECONDS,
                    stalled_worker_timeout=STALLED_SECONDS,
                    delete_jobs="successful",
                    install_signal_handlers=False,
                )

    def stop(self) -> None:
        """Stop taking jobs; those running are finished first (from any thread)."""
        self._stopped = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(task.cancel)
