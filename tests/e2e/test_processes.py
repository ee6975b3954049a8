"""Several processes on one PostgreSQL database, as real processes: workers share the
deliveries and lose none when one is killed; one scheduler leads and another takes over when
it dies; on SQLite, asking for a process of its own is a clear error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.core.commands import CommandHandler, Options
from bot.core.ingest import ingest
from bot.core.store import Store
from tests.adapters.conftest import free_port
from tests.adapters.telegram_fakes import BotApiServer
from tests.conftest import POSTGRES_ADMIN_URL, REPO, SEEDS
from tests.e2e.test_cli import newsdigest
from tests.e2e.test_faults import environment, wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {error}")
    name = f"newsdigest_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Process:
    """A `newsdigest` subcommand in a child process, its output in a file."""

    def __init__(self, command: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._file = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._file,
            stderr=self._file,
        )

    def output(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._file.close()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._file.close()
        return code


def pending_digests(url: str, chats: int) -> Store:
    """A store with the seeds and one digest pending for each of `chats` Telegram chats."""
    store = Store.open(url)
    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=2)
    handler = CommandHandler(store, Options(method="lead", sentences=2, digest_size=3))
    for number in range(chats):
        handler.build_digest(handler.chat("telegram", str(1000 + number)))
    return store


def test_workers_share_the_deliveries_and_a_killed_one_loses_none(
    database: str, tmp_path: Path
) -> None:
    chats = 400
    store = pending_digests(database, chats)
    api = BotApiServer().start()
    env = environment(database, api)
    env.update(NEWSDIGEST_LOG_LEVEL="INFO", NEWSDIGEST_SENDERS="2")
    workers = [Process("worker", env, tmp_path / f"worker-{n}.log") for n in range(4)]
    try:
        wait_until(lambda: len(api.sent) >= chats // 3, 90, "the workers sent too little")
        workers[0].kill()  # SIGKILL: whatever it was sending is cut off
        killed_at = len(api.sent)
        wait_until(
            lambda: store.outbox_counts().get("digests pending", 1) == 0,
            120,
            "some digests were never delivered",
        )
        codes = [worker.stop() for worker in workers[1:]]
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.kill()
        api.stop()
    logs = "".join(worker.output() for worker in workers)
    messages = Counter((sent.chat_id, sent.text) for sent in api.sent)
    assert {chat for chat, _ in messages} == {1000 + n for n in range(chats)}
    again = sum(count - 1 for count in messages.values())
    # Only what the killed worker had on its way (2 jobs at once) may have gone twice.
    assert again <= 2, (again, killed_at)
    assert codes == [0, 0, 0], logs[-3000:]
    assert all(worker.output().count("Traceback") == 0 for worker in workers[1:]), logs[-3000:]
    assert api.too_many == 0
    store.close()


def feed_poll_due(url: str) -> float:
    """When the scheduler's feed poll runs next (epoch seconds; 0 when not planned)."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT next_run_time FROM apscheduler_jobs WHERE id = 'poll-feeds'"
        ).fetchone()
    return float(row[0]) if row and row[0] else 0.0


def leading(process: Process) -> bool:
    return "leading: this process runs the scheduler" in process.output()


def role(port: int) -> str:
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        return str(answer.json()["checks"]["role"])
    except (httpx.TransportError, ValueError, KeyError):
        return "down"


def test_one_scheduler_leads_and_another_takes_over_within_30_seconds_when_it_dies(
    database: str, tmp_path: Path
) -> None:
    Store.open(database).close()
    env = environment(database)
    env.update(NEWSDIGEST_LOG_LEVEL="INFO", NEWSDIGEST_HOST="127.0.0.1")
    ports = [free_port(), free_port()]
    first = Process("scheduler", {**env, "NEWSDIGEST_PORT": str(ports[0])}, tmp_path / "a.log")
    second: Process | None = None
    try:
        wait_until(lambda: role(ports[0]) == "leader", 60, "the first scheduler did not lead")
        second = Process("scheduler", {**env, "NEWSDIGEST_PORT": str(ports[1])}, tmp_path / "b.log")
        wait_until(lambda: role(ports[1]) == "standby", 60, "the second did not stand by")
        time.sleep(6)  # a standby asks for the lock every 5 s: it must keep standing by
        assert (role(ports[0]), role(ports[1])) == ("leader", "standby")
        first.kill()
        died = time.monotonic()
        wait_until(lambda: role(ports[1]) == "leader", 30, "no scheduler took over")
        took = time.monotonic() - died
        # ... and runs the jobs: the feed poll, due at once when a scheduler starts, is then
        # due again a minute later.
        wait_until(lambda: feed_poll_due(database) > time.time() + 30, 10, "no job ran")
        assert second.stop() == 0
    finally:
        for process in (first, second):
            if process is not None and process.process.poll() is None:
                process.kill()
    assert took < 30
    assert leading(first) and leading(second)
    assert "standing by" not in first.output()


def test_a_process_of_its_own_on_sqlite_is_refused_with_a_sentence(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path / 'bot.db'}")
    for command in ("worker", "scheduler", "web"):
        result = newsdigest(command, env=env)
        assert result.returncode == 2, result.stderr
        assert "Cannot run apart:" in result.stderr and "PostgreSQL" in result.stderr
        assert "Traceback" not in result.stderr
