"""Fixtures for the Telegram adapter tests: the emulator, the project's own Bot API server,
and the adapter itself, served in a thread as `newsdigest run` serves it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.core.commands import CommandHandler, Options
from bot.core.delivery import Outbox
from bot.core.ingest import ingest
from bot.core.store import Store
from tests.adapters.telegram_fakes import BotApiServer, EmulatorClient, EmulatorRequest
from tests.conftest import REPO, SEEDS
from tests.fronts import front_serving, in_thread

EMULATOR = REPO / "node_modules" / "telegram-test-api"
EMULATOR_SCRIPT = Path(__file__).with_name("telegram-emulator.js")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def telegram_emulator() -> Iterator[str]:
    """The telegram-test-api emulator on a free loopback port; yields its API URL."""
    node = shutil.which("node")
    if node is None or not EMULATOR.is_dir():
        message = "the Telegram emulator needs node and `npm ci` (make test runs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    process = subprocess.Popen(
        [node, str(EMULATOR_SCRIPT), str(free_port())],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready.startswith("READY"), ready
    yield ready.split()[1]
    process.terminate()
    process.wait(10)
    process.stdout.close()


@pytest.fixture
def bot_api() -> Iterator[BotApiServer]:
    server = BotApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def news_store(tmp_path: Path) -> Iterator[Store]:
    """A store holding the sample stories (SQLite; the store itself is tested on both)."""
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=3)
    yield store
    store.close()


@pytest.fixture
def token() -> str:
    # The emulator keeps each bot's messages by token: one token per test keeps them apart.
    return f"{uuid.uuid4().int % 10**9}:TEST-{uuid.uuid4().hex[:8]}"


@contextmanager
def running(adapter: TelegramAdapter, port: int = 0) -> Iterator[TelegramAdapter]:
    """The adapter serving in a thread until the block ends, behind a web front of its own
    (on `port`) when it takes a webhook's updates."""
    with ExitStack() as stack:
        routes = adapter.routes()
        if routes:
            stack.enter_context(front_serving(routes, port=port))
        ready = lambda: adapter.wait_until_ready(30)  # noqa: E731
        with in_thread(adapter.serve, adapter.stop, ready, "adapter"):
            yield adapter


def handler_for(store: Store) -> CommandHandler:
    return CommandHandler(store, Options(method="lead", sentences=3, longer_sentences=6))


def emulated_adapter(
    api_url: str,
    token: str,
    store: Store,
    handler: CommandHandler | None = None,
    **kwargs: object,
) -> TelegramAdapter:
    """The adapter against the emulator, with digests sent through the outbox as in the bot."""
    adapter = TelegramAdapter(
        handler or handler_for(store),
        store,
        token,
        base_url=f"{api_url}/bot",
        request=EmulatorRequest,
        poll_interval=0.05,
        **kwargs,  # type: ignore[arg-type]
    )
    return with_outbox(adapter)


def outbox_adapter(store: Store, bot_api: BotApiServer) -> TelegramAdapter:
    """A Telegram adapter on `store` polling the fake Bot API, its digests sent through an
    outbox."""

    adapter = TelegramAdapter(
        handler_for(store), store, "4242:TEST", base_url=bot_api.url, poll_interval=0.05
    )
    return with_outbox(adapter)


def with_outbox(adapter: TelegramAdapter) -> TelegramAdapter:
    """The adapter with its digests sent through an outbox, as `newsdigest run` wires it."""
    outbox = Outbox(adapter.store, {adapter.platform: adapter}, adapter.handler.summary)
    adapter.handler.deliver = outbox.deliver
    return adapter


@pytest.fixture
def user(telegram_emulator: str, token: str) -> Iterator[EmulatorClient]:
    """A Telegram user in a private chat with the bot, through the emulator."""
    client = EmulatorClient(telegram_emulator, token)
    yield client
    client.close()
