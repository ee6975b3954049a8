"""APScheduler wiring: jobs call the app's functions only.

Two kinds of job: the ingest job re-reading the source folder every few minutes, and one
daily digest job per chat, at its clock time in its own time zone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.bootstrap import App
from bot.core.ingest import Problem
from bot.core.replies import DigestReply, Reply
from bot.core.store import Chat

log = logging.getLogger(__name__)
INGEST_JOB = "ingest-source-folder"
# A digest missed by up to this long (the bot was down) is still sent, once.
MISFIRE_GRACE_SECONDS = 6 * 3600


class Publisher(Protocol):
    """An adapter's way of sending a message the bot starts itself (a scheduled digest)."""

    platform: str

    def publish(self, chat_id: str, reply: Reply) -> None: ...


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
    """Add the ingest job to `scheduler`."""
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


def digest_trigger(chat: Chat) -> CronTrigger:
    """Every day at the chat's clock time in its zone (daylight saving included)."""
    hour, minute = (int(part) for part in chat.digest_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(chat.timezone))


class DigestPlanner:
    """Keeps one daily digest job per chat whose platform has a running adapter."""

    def __init__(
        self, scheduler: BaseScheduler, app: App, publishers: Mapping[str, Publisher]
    ) -> None:
        self.scheduler = scheduler
        self.app = app
        self.publishers = publishers

    @staticmethod
    def job_id(chat: Chat) -> str:
        return f"digest-{chat.id}"

    def plan_all(self) -> None:
        """A job for every chat of the running platforms."""
        for platform in self.publishers:
            for chat in self.app.store.chats(platform):
                self.update(chat)

    def update(self, chat: Chat) -> None:
        """(Re)schedule a chat's digest after its schedule changed; none while it is paused."""
        if chat.platform not in self.publishers:
            return
        job_id = self.job_id(chat)
        if chat.paused or not chat.active:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        self.scheduler.add_job(
            self.send_digest,
            digest_trigger(chat),
            args=[chat.id],
            id=job_id,
            name=f"digest for {chat.platform}:{chat.platform_chat_id}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )

    def send_digest(self, chat_id: int) -> None:
        """The daily digest job: build the chat's digest and send it. Never raises."""
        chat = self.app.store.get_chat(chat_id)
        if chat is None or chat.paused or not chat.active:
            return
        publisher = self.publishers.get(chat.platform)
        if publisher is None:
            return
        try:
            digest = self.app.handler.build_digest(chat)
            publisher.publish(chat.platform_chat_id, DigestReply(digest))
        except Exception:
            log.exception(
                "daily digest for chat %s:%s failed", chat.platform, chat.platform_chat_id
            )
