"""Fixtures for the Slack adapter tests: the fake Web API and the adapter served on loopback,
as `newsdigest run` serves it (imported by the Slack test modules)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack_config import SlackConfig
from bot.core.commands import CommandHandler, Options
from bot.core.delivery import Outbox
from bot.core.ingest import ingest
from bot.core.store import Store
from tests.adapters.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSide
from tests.conftest import SEEDS
from tests.fronts import front_serving

# What `import *` brings into a test module: the fixtures.
__all__ = ["bot", "fake_slack", "news", "sqlite_bot", "sqlite_news"]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def with_seeds(store: Store) -> Store:
    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=3)
    return store


@pytest.fixture
def news(store: Store) -> Store:
    """The `store` (SQLite and PostgreSQL) holding the sample stories: for the tests of what
    the adapter stores or reads back."""
    return with_seeds(store)


@pytest.fixture
def sqlite_news(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store holding the sample stories: for the tests of the protocol alone."""
    store = with_seeds(Store.open(f"sqlite:///{tmp_path / 'slack.db'}"))
    yield store
    store.close()


def slack_handler(store: Store) -> CommandHandler:
    return CommandHandler(store, Options(method="lead", sentences=3, longer_sentences=6))


def config_for(fake: FakeSlack, **changes: Any) -> SlackConfig:
    """The configuration `from_settings` would build, pointed at the fake, on a free port.
    No pacing unless asked for: the tests that are not about it stay fast."""
    values: dict[str, Any] = {
        "signing_secret": SIGNING_SECRET,
        "bot_token": BOT_TOKEN,
        "api_url": fake.url,
        "post_interval": 0.0,
        **changes,
    }
    return SlackConfig(**values)


@contextmanager
def serving(adapter: SlackAdapter) -> Iterator[tuple[str, int] | None]:
    """The adapter serving in a thread until the block ends, behind a web front of its own
    on a free port when it takes requests over HTTP: the front's (host, port), else None.
    Both must stop promptly."""
    thread = threading.Thread(target=adapter.serve, name="slack-under-test")
    thread.start()
    try:
        assert adapter.wait_ready(5), "the Slack adapter did not start"
        routes = adapter.routes()
        if not routes:
            yield None
            return
        with front_serving(routes) as front:
            yield front.address
    finally:
        adapter.stop()
        thread.join(10)
        assert not thread.is_alive(), "the Slack adapter did not stop"


def wired(handler: CommandHandler, config: SlackConfig) -> tuple[SlackAdapter, Outbox]:
    """The adapter wired as `newsdigest run` wires it: digests go out through the outbox."""
    adapter = SlackAdapter(handler, config)
    outbox = Outbox(handler.store, {adapter.platform: adapter}, handler.summary)
    handler.deliver = outbox.deliver
    return adapter, outbox


@dataclass
class Workspace:
    """A running adapter, Slack's side of it and the fake Web API it calls."""

    adapter: SlackAdapter
    outbox: Outbox
    slack: SlackSide
    api: FakeSlack


@contextmanager
def workspace(store: Store, fake: FakeSlack, **changes: Any) -> Iterator[Workspace]:
    adapter, outbox = wired(slack_handler(store), config_for(fake, **changes))
    with serving(adapter) as address:
        assert address is not None
        host, port = address
        yield Workspace(adapter, outbox, SlackSide(host, port), fake)


@pytest.fixture
def bot(news: Store, fake_slack: FakeSlack) -> Iterator[Workspace]:
    """A workspace with the bot installed over HTTP, on both stores."""
    with workspace(news, fake_slack) as running:
        yield running


@pytest.fixture
def sqlite_bot(sqlite_news: Store, fake_slack: FakeSlack) -> Iterator[Workspace]:
    """A workspace with the bot installed over HTTP, on SQLite."""
    with workspace(sqlite_news, fake_slack) as running:
        yield running
