"""The console chat, driven as a person drives it: lines typed in, replies read back."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.console import PROMPT, ConsoleAdapter
from bot.core.commands import CommandHandler, Options
from bot.core.ingest import ingest
from bot.core.store import Store
from tests.conftest import REPO, SEEDS

SEED = SEEDS / "000_663a48dea55a7912.txt"


class Terminal:
    """`newsdigest chat` in a child process: type a line, get the reply up to the next prompt."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=0,
        )
        self.greeting = self._until_prompt()

    def _until_prompt(self, timeout: float = 60) -> str:
        assert self.process.stdout is not None
        seen = ""
        deadline = time.monotonic() + timeout
        while not seen.endswith("\n" + PROMPT):
            if time.monotonic() > deadline:
                raise TimeoutError(seen)
            char = self.process.stdout.read(1)
            if not char:
                raise EOFError(seen + (self.process.stderr.read() if self.process.stderr else ""))
            seen += char
        return seen.removesuffix(PROMPT).strip()

    def type(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._until_prompt()

    def close(self) -> int:
        """Ctrl-D: end of input; the chat ends and the pipes are closed."""
        self.process.communicate(timeout=20)
        return self.process.returncode


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_")) and k != "DATABASE_URL"
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", NO_COLOR="1", COLUMNS="200")
    term = Terminal(env)
    yield term
    if term.process.poll() is None:
        term.process.kill()
    term.process.communicate()


def seed_sentences() -> list[str]:
    from bot.core.documents import read_file
    from summarizers import split_sentences

    document = read_file(SEED, max_bytes=2_000_000)
    return [s for p in document.paragraphs for s in split_sentences(p)]


def test_a_console_user_subscribes_reads_the_digest_and_asks(terminal: Terminal) -> None:
    assert "12 new" in terminal.greeting or "new," in terminal.greeting
    assert "Type /help" in terminal.greeting
    assert "Subscribed to Idlib" in terminal.type("/subscribe Idlib")

    digest = terminal.type("/digest")
    lines = digest.splitlines()
    assert lines[0].startswith("Your digest: ")
    assert "— Idlib —" in lines
    at = lines.index(next(line for line in lines if line.endswith("Turkey refuses to back down")))
    assert lines[at + 1].strip().startswith("2020-02-27 · 000_663a48dea55a7912.txt")
    summary = lines[at + 2].strip()
    sentences = seed_sentences()
    in_summary = [s for s in sentences if s in summary]
    assert 2 <= len(in_summary) <= 3
    assert len(summary) == len(" ".join(in_summary))

    answer = terminal.type("/ask What did Erdogan say about Idlib?")
    assert any(s in answer for s in sentences if "Erdogan" in s)
    assert "— Turkey refuses to back down, 2020-02-27" in answer

    assert "I found nothing about that" in terminal.type("/ask What is the capital of Peru?")

    number = lines[at].split(".")[0]
    more = terminal.type(f"/more {number}").splitlines()
    assert more[0] == f"{number}. Turkey refuses to back down"
    assert "2020-02-27 · 000_663a48dea55a7912.txt" in more[1]
    longer = [s for s in sentences if s in more[2]]
    assert len(longer) > len(in_summary)

    assert terminal.close() == 0


def test_bad_input_in_the_console_gets_a_hint_and_the_chat_goes_on(terminal: Terminal) -> None:
    assert (
        terminal.type("/nonsense")
        == "Unknown command /nonsense. Type /help to see what I understand."
    )
    assert "limit is 200" in terminal.type("/subscribe " + "a" * 250)
    assert "not a time" in terminal.type("/schedule 31:99")
    assert "Unknown time zone" in terminal.type("/schedule 08:00 Atlantis/Lost")
    assert "Type a question" in terminal.type("/ask")
    assert "/start" in terminal.type("/help")
    assert terminal.close() == 0


def test_a_scheduled_digest_is_printed_in_the_console(store: Store) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.bootstrap import App
    from bot.config import load_settings
    from bot.scheduler import DigestPlanner

    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=2)
    handler = CommandHandler(store, Options(method="lead", sentences=2))
    output = io.StringIO()
    console = ConsoleAdapter(handler, io.StringIO(""), output)
    chat = handler.chat("console", "local")
    planner = DigestPlanner(
        BackgroundScheduler(), App(load_settings(), store, handler), {"console": console}
    )
    planner.send_digest(chat.id)
    printed = output.getvalue()
    assert "Your digest: 5 stories" in printed
    assert printed.endswith(PROMPT)


def test_a_digest_sent_by_the_outbox_appears_between_prompts(store: Store) -> None:
    import threading

    from bot.core.delivery import Outbox

    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=2)
    handler = CommandHandler(store, Options(method="lead", sentences=2))
    output = io.StringIO()
    console = ConsoleAdapter(handler, io.StringIO(""), output)
    digest = handler.build_digest(handler.chat("console", "local"))
    assert digest.digest_id is not None
    outbox = Outbox(store, {"console": console}, handler.summary)
    # A sender thread, not the one reading the terminal: the digest comes with a fresh prompt.
    sender = threading.Thread(target=outbox.deliver, args=(digest.digest_id,))
    sender.start()
    sender.join(10)
    printed = output.getvalue()
    assert printed.startswith("\nYour digest: 5 stories")
    assert printed.endswith(f"\n\n{PROMPT}")
    assert [p.state for p in store.parts(digest.digest_id)] == ["sent"]
