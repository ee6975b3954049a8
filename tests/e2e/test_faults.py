"""Faults in real processes: the bot killed in the middle of sending digests, and restarted;
two ingests of one folder racing. Telegram is the project's own Bot API server on loopback,
which sees every message the bot sends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.config import load_settings
from bot.core.ingest import ingest
from bot.core.models import ChatRow
from bot.core.store import Store
from tests.adapters.telegram_fakes import BotApiServer
from tests.conftest import REPO, SEEDS

CHATS = 500


def environment(database_url: str, api: BotApiServer | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_")) and k != "DATABASE_URL"
    }
    env.update(DATABASE_URL=database_url, NEWSDIGEST_LOG_LEVEL="WARNING", NO_COLOR="1")
    if api is not None:
        env.update(TELEGRAM_BOT_TOKEN="4242:TEST", TELEGRAM_BASE_URL=api.url)
    return env


class Bot:
    """`newsdigest run` in a child process, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
        )

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no chance to tidy up
        self.process.wait(10)
        self.log.close()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self.log.close()
        return code


@pytest.fixture
def api() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError(what)


def test_killed_mid_fan_out_and_restarted_every_chat_gets_its_digest_once(
    api: BotApiServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    store = Store.open(url)
    ingest(store, [SEEDS], max_bytes=2_000_000, method=load_settings().summarizer, sentences=3)
    # 500 chats whose digest was due two minutes ago; the bot was down since yesterday.
    due = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    chats = [str(10_000 + n) for n in range(CHATS)]
    for chat in chats:
        store.chat("telegram", chat, timezone="UTC", digest_time=due)
    with store.engine.begin() as connection:
        connection.execute(update(ChatRow).values(created_at=datetime.now(UTC) - timedelta(days=1)))
    store.close()
    env = environment(url, api)

    first = Bot(env, tmp_path / "bot.log")
    wait_until(lambda: len(api.sent) >= CHATS // 3, 120, "the fan-out did not start")
    first.kill()
    at_kill = len(api.sent)
    assert at_kill < CHATS, "the kill came too late to test anything"

    second = Bot(env, tmp_path / "bot.log")
    received = lambda: {s.chat_id for s in api.sent}  # noqa: E731
    wait_until(lambda: len(received()) == CHATS, 180, "not every chat got its digest")
    assert second.stop() == 0, (tmp_path / "bot.log").read_text()[-3000:]

    per_chat = Counter(s.chat_id for s in api.sent)
    assert set(per_chat) == {int(c) for c in chats}  # none missing
    duplicates = sum(n - 1 for n in per_chat.values())
    # Only a message on its way at the kill can go twice: one per sender at most.
    assert duplicates <= load_settings().senders, per_chat.most_common(5)
    assert all(s.text.startswith("<b>Your digest: ") for s in api.sent)
    store = Store.open(url)
    try:
        counts = store.outbox_counts()
        assert counts.get("pending", 0) == 0 and counts.get("failed", 0) == 0
        assert counts["digests pending"] == 0
    finally:
        store.close()


def test_two_ingests_of_one_folder_racing_store_one_copy_of_each(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    Store.open(url).close()
    env = environment(url)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest", str(SEEDS)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    store = Store.open(url)
    try:
        assert store.count_documents() == len(list(SEEDS.glob("*.txt")))
    finally:
        store.close()
