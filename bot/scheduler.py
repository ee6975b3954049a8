"""APScheduler wiring: jobs call the app's functions only.

Three kinds of job, kept in the project's database (APScheduler's SQLAlchemy job store) so
that they survive a restart: the ingest job re-reading the source folder every few minutes,
the feed job polling, every minute, the feeds whose own next poll is due, and one daily
digest job per chat, at its clock time in its own time zone. A digest missed while the bot
was down is sent once when it is back (within a grace period), never as a burst. Jobs are
stored by reference (`bot.scheduler:…`); the running app is registered here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.bootstrap import App
from bot.core.ingest import Problem
from bot.core.replies import DigestReply, Reply
from bot.core.store import Chat, Store

log = logging.getLogger(__name__)
INGEST_JOB = "ingest-source-folder"
FEED_JOB = "poll-feeds"
REPLAN_JOB = "replan-digests"
JOBS_TABLE = "apscheduler_jobs"


class Publisher(Protocol):
    """An adapter's way of sending a message the bot starts itself."""

    platform: str

    def publish(self, chat_id: str, reply: Reply) -> None: ...


class _Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, safe to shut down at any moment: its thread,
    woken just as `shutdown` runs, would hand a due job to an executor already shut down
    (and log a traceback). Looking for due jobs and shutting down now take turns."""

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            return super()._process_jobs()


def make_scheduler(store: Store, timezone: str) -> BackgroundScheduler:
    """A scheduler whose jobs live in the store's database."""
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)},
        timezone=timezone,
    )


def digest_jobs(store: Store) -> list[tuple[str, datetime | None]]:
    """The stored digest jobs, soonest first: (job name, next run time; None while paused)."""
    from sqlalchemy import inspect

    if JOBS_TABLE not in inspect(store.engine).get_table_names():
        return []
    jobs = SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE).get_all_jobs()
    found = [(job.name, job.next_run_time) for job in jobs if job.id.startswith("digest-")]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda item: item[1] or far)


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
        if report.new or report.updated:
            log.info("ingest of %s: %s", folder, report.line())


class FeedPollJob:
    """Polls the feeds that are due. Each feed keeps its own next poll time, so the job runs
    every minute and asks the store which are due; a failing feed is logged by the poller."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self) -> None:
        try:
            report = self.app.poll_feeds()
        except Exception:
            log.exception("polling the feeds failed")
            return
        if report.polled:
            log.info("feeds: %s", report.line())


def digest_trigger(chat: Chat) -> CronTrigger:
    """Every day at the chat's clock time in its zone (daylight saving included)."""
    hour, minute = (int(part) for part in chat.digest_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(chat.timezone))


class DigestPlanner:
    """The bot's jobs: one daily digest per chat of a running platform, and the ingest job."""

    def __init__(
        self,
        scheduler: BaseScheduler,
        app: App,
        publishers: Mapping[str, Publisher],
        queue: Callable[[int], object] | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.app = app
        self.publishers = publishers
        # Hands a built digest to whatever delivers it: the outbox's senders (woken) or the
        # task engine's workers. None: published at once (the console).
        self.queue = queue
        self.ingest_job = IngestJob(app)
        self.feed_job = FeedPollJob(app)

    def activate(self) -> None:
        """Make this the planner the stored jobs run against."""
        global _active
        _active = self

    @staticmethod
    def job_id(chat: Chat) -> str:
        return f"digest-{chat.id}"

    @staticmethod
    def _job_name(chat: Chat) -> str:
        # The schedule is part of the name: a job whose name matches needs no change.
        where = f"{chat.platform}:{chat.platform_chat_id}"
        return f"digest for {where} at {chat.digest_time} {chat.timezone}"

    def add_ingest_job(self, *, now: bool = False) -> None:
        minutes = self.app.settings.ingest_interval_minutes
        first = datetime.now(UTC) + (timedelta(0) if now else timedelta(minutes=minutes))
        self.scheduler.add_job(
            f"{__name__}:_run_ingest",
            "interval",
            id=INGEST_JOB,
            name=f"ingest {self.app.settings.source_dir}",
            minutes=minutes,
            next_run_time=first,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def add_feed_job(self) -> None:
        """Poll due feeds every minute, starting now."""
        self.scheduler.add_job(
            f"{__name__}:_run_feed_poll",
            "interval",
            id=FEED_JOB,
            name="poll feeds",
            minutes=1,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def add_replan_job(self) -> None:
        """Bring the digest jobs in step with the chats every minute: a schedule changed in
        another process (one that does not run the scheduler) takes effect within it."""
        self.scheduler.add_job(
            f"{__name__}:_run_replan",
            "interval",
            id=REPLAN_JOB,
            name="bring digest jobs in step with the chats",
            minutes=1,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def plan_all(self) -> None:
        """A job for every chat of the running platforms; a stored job that is still right
        is kept as it is, so a digest missed while the bot was down still comes. The jobs
        are read in one go, and only those that differ are written."""
        jobs = {job.id: job.name for job in self.scheduler.get_jobs()}
        for platform in self.publishers:
            for chat in self.app.store.chats(platform):
                wanted = not chat.paused and chat.active
                name = jobs.get(self.job_id(chat))
                if (name is not None) != wanted or (wanted and name != self._job_name(chat)):
                    self.update(chat)

    def update(self, chat: Chat) -> None:
        """(Re)schedule a chat's digest after its schedule changed; none while it is paused."""
        if chat.platform not in self.publishers:
            return
        job_id = self.job_id(chat)
        existing = self.scheduler.get_job(job_id)
        if chat.paused or not chat.active:
            if existing:
                self.scheduler.remove_job(job_id)
            return
        if existing is not None and existing.name == self._job_name(chat):
            return
        self.scheduler.add_job(
            f"{__name__}:_run_digest",
            digest_trigger(chat),
            args=[chat.id],
            id=job_id,
            name=self._job_name(chat),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(self.app.settings.catch_up_hours * 3600) or None,
        )

    def catch_up(self, now: datetime | None = None) -> int:
        """Queue one digest for each chat that missed its last one while the bot was down
        (within the grace period); returns how many. Never a burst: one per chat."""
        now = now or datetime.now(UTC)
        grace = timedelta(hours=self.app.settings.catch_up_hours)
        queued = 0
        for platform in self.publishers:
            for chat in self.app.store.chats(platform):
                slot = last_slot(chat, now)
                if chat.paused or not chat.active or now - slot > grace:
                    continue
                if chat.created_at > slot or self._made_since(chat, slot):
                    continue  # the chat did not exist then, or had that digest
                self.scheduler.add_job(
                    f"{__name__}:_run_digest",
                    args=[chat.id],
                    id=f"catch-up-{chat.id}",
                    name=f"catch-up digest for {chat.platform}:{chat.platform_chat_id}",
                    replace_existing=True,
                    misfire_grace_time=None,
                )
                queued += 1
        return queued

    def _made_since(self, chat: Chat, slot: datetime) -> bool:
        last = self.app.store.last_digest(chat.id, full=True)
        return last is not None and last.created_at >= slot

    def send_digest(self, chat_id: int) -> None:
        """The daily digest job: build the chat's digest and put it in the outbox. Never raises.

        A slot's digest is made once: a job that runs again for a slot already served (a
        catch-up racing the scheduler's own) does nothing.
        """
        chat = self.app.store.get_chat(chat_id)
        if chat is None or chat.paused or not chat.active:
            return
        publisher = self.publishers.get(chat.platform)
        if publisher is None:
            return
        try:
            if self._made_since(chat, last_slot(chat, datetime.now(UTC))):
                return
            digest = self.app.handler.build_digest(chat)
            if digest.digest_id is None or self.queue is None:
                publisher.publish(chat.platform_chat_id, DigestReply(digest))
            else:
                self.queue(digest.digest_id)
        except Exception:
            log.exception(
                "daily digest for chat %s:%s failed", chat.platform, chat.platform_chat_id
            )


def last_slot(chat: Chat, now: datetime) -> datetime:
    """The most recent moment, at or before `now`, of the chat's daily digest."""
    zone = ZoneInfo(chat.timezone)
    local = now.astimezone(zone)
    at = time.fromisoformat(chat.digest_time)
    slot = datetime.combine(local.date(), at, zone)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), at, zone)
    return slot


_active: DigestPlanner | None = None


def _run_digest(chat_id: int) -> None:
    if _active is None:
        log.warning("a digest job ran with no bot running; skipped")
        return
    _active.send_digest(chat_id)


def _run_ingest() -> None:
    if _active is not None:
        _active.ingest_job()


def _run_feed_poll() -> None:
    if _active is not None:
        _active.feed_job()


def _run_replan() -> None:
    if _active is not None:
        try:
            _active.plan_all()
        except Exception:
            log.exception("bringing the digest jobs in step with the chats failed")
