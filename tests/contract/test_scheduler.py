"""The scheduler's jobs: each chat's daily digest at its clock time, and folder re-reading."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.bootstrap import App, bootstrap
from bot.config import load_settings
from bot.core.replies import DigestReply, Reply
from bot.core.store import Store
from bot.scheduler import DigestPlanner, IngestJob, digest_trigger, last_slot
from tests.conftest import SEEDS


class Recorder:
    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    def publish(self, chat_id: str, reply: Reply) -> None:
        self.sent.append((chat_id, reply))


class Failing(Recorder):
    def publish(self, chat_id: str, reply: Reply) -> None:
        raise ConnectionError("platform down")


@pytest.fixture
def app(store: Store) -> App:
    settings = load_settings(summarizer="lead", source_dir=SEEDS)
    return bootstrap(settings, store)


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        # The days before the clocks change: forward, then back.
        ("Europe/Berlin", datetime(2026, 3, 27, 9, 0), datetime(2026, 10, 23, 9, 0)),
        ("America/New_York", datetime(2026, 3, 6, 9, 0), datetime(2026, 10, 30, 9, 0)),
    ],
)
def test_a_digest_comes_at_the_chats_clock_time_in_its_zone_across_daylight_saving(
    app: App, zone: str, spring: datetime, autumn: datetime
) -> None:
    chat = app.store.chat("test", zone, timezone=zone, digest_time="08:00")
    trigger = digest_trigger(chat)
    local_zone = ZoneInfo(zone)
    for before in (spring.replace(tzinfo=local_zone), autumn.replace(tzinfo=local_zone)):
        fire = trigger.get_next_fire_time(None, before)
        after = trigger.get_next_fire_time(fire, fire)
        for moment in (fire, after):
            local = moment.astimezone(local_zone)
            assert (local.hour, local.minute) == (8, 0)
            # With the clock stopped just after it, that is the slot a job serves, once.
            assert last_slot(chat, moment + timedelta(minutes=30)) == moment
        # The day of the change is an hour shorter or longer; the digest stays at 08:00.
        hours = (after.astimezone(UTC) - fire.astimezone(UTC)).total_seconds() / 3600
        assert hours in (23, 25)


def test_each_chat_of_a_running_platform_gets_one_job_and_a_paused_chat_none(app: App) -> None:
    scheduler = BackgroundScheduler()
    active = app.store.chat("test", "a", timezone="UTC", digest_time="07:00")
    paused = app.store.chat("test", "b", timezone="UTC", digest_time="07:00")
    app.store.update_chat(paused.id, paused=True)
    app.store.chat("elsewhere", "c", timezone="UTC", digest_time="07:00")
    planner = DigestPlanner(scheduler, app, {"test": Recorder()})
    planner.plan_all()
    assert [job.id for job in scheduler.get_jobs()] == [f"digest-{active.id}"]
    planner.update(app.store.update_chat(active.id, paused=True))
    assert scheduler.get_jobs() == []


def test_a_due_digest_is_built_and_published_to_the_chat(app: App) -> None:
    app.ingest([SEEDS])
    recorder = Recorder()
    chat = app.store.chat("test", "a", timezone="UTC", digest_time="07:00")
    DigestPlanner(BackgroundScheduler(), app, {"test": recorder}).send_digest(chat.id)
    [(chat_id, reply)] = recorder.sent
    assert chat_id == "a"
    assert isinstance(reply, DigestReply) and len(reply.digest.stories) == 5


def test_a_failing_send_is_logged_with_the_chat_and_does_not_raise(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.ingest([SEEDS])
    chat = app.store.chat("test", "a", timezone="UTC", digest_time="07:00")
    with caplog.at_level(logging.ERROR):
        DigestPlanner(BackgroundScheduler(), app, {"test": Failing()}).send_digest(chat.id)
    assert "daily digest for chat test:a failed" in caplog.text
    assert "platform down" in caplog.text


def test_the_ingest_job_reads_new_files_and_names_a_bad_file_once(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(summarizer="lead", source_dir=tmp_path)
    app = bootstrap(settings, store)
    (tmp_path / "bad.txt").write_text("date 2020-02-31 Not a day.")
    job = IngestJob(app)
    with caplog.at_level(logging.WARNING):
        job()
        job()
    assert caplog.text.count("bad.txt") == 1
    (tmp_path / "good.txt").write_text("date 2020-02-28 A new story came in.")
    job()
    assert store.count_documents() == 1


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def test_after_downtime_each_chat_that_missed_its_digest_gets_one(app: App) -> None:
    from datetime import timedelta

    later = datetime.now(UTC) + timedelta(days=1)  # the bot comes back a day later
    missed = app.store.chat(
        "test", "missed", timezone="UTC", digest_time=hhmm(later - timedelta(hours=1))
    )
    too_old = app.store.chat(
        "test", "old", timezone="UTC", digest_time=hhmm(later - timedelta(hours=9))
    )
    paused = app.store.chat(
        "test", "paused", timezone="UTC", digest_time=hhmm(later - timedelta(hours=1))
    )
    app.store.update_chat(paused.id, paused=True)
    scheduler = BackgroundScheduler()
    planner = DigestPlanner(scheduler, app, {"test": Recorder()})
    assert planner.catch_up(now=later) == 1  # one digest, within the 6-hour grace
    assert [job.id for job in scheduler.get_jobs()] == [f"catch-up-{missed.id}"]
    assert too_old.id != missed.id
    # Chats created after their last slot missed nothing.
    assert DigestPlanner(BackgroundScheduler(), app, {"test": Recorder()}).catch_up() == 0


def test_a_slot_is_served_once_even_if_its_job_runs_twice(app: App) -> None:
    app.ingest([SEEDS])
    recorder = Recorder()
    chat = app.store.chat("test", "a", timezone="UTC", digest_time="00:00")
    planner = DigestPlanner(BackgroundScheduler(), app, {"test": recorder})
    planner.send_digest(chat.id)
    planner.send_digest(chat.id)  # the scheduler's catch-up and ours, racing
    assert len(recorder.sent) == 1


def test_the_jobs_are_kept_in_the_database_and_survive_a_restart(app: App) -> None:
    from bot.scheduler import INGEST_JOB, digest_jobs, make_scheduler

    chat = app.store.chat("test", "a", timezone="Asia/Tokyo", digest_time="07:15")
    first = make_scheduler(app.store, "UTC")
    planner = DigestPlanner(first, app, {"test": Recorder()})
    first.start(paused=True)
    planner.add_ingest_job()
    planner.plan_all()
    due = first.get_job(planner.job_id(chat)).next_run_time
    first.shutdown(wait=False)

    # A new process: the same jobs, the same next run, nothing added twice.
    second = make_scheduler(app.store, "UTC")
    second.start(paused=True)
    try:
        kept = second.get_job(planner.job_id(chat))
        assert kept is not None and kept.next_run_time == due
        local = kept.next_run_time.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (local.hour, local.minute) == (7, 15)
        assert second.get_job(INGEST_JOB) is not None
        DigestPlanner(second, app, {"test": Recorder()}).plan_all()
        assert second.get_job(planner.job_id(chat)).next_run_time == due
        assert [name for name, _ in digest_jobs(app.store)] == [
            "digest for test:a at 07:15 Asia/Tokyo"
        ]
    finally:
        second.shutdown(wait=False)
