"""Two feeds carry the same story, one of them as a teaser under another headline; polled over
loopback HTTP, the digest shows it as one story with two sources on every platform: Telegram
(the sources linked in the message), Slack (a context block) and the console (listed). A
copy arriving after the story was sent brings no second message about it."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core.documents import read_file
from bot.core.feed_store import CHAT
from bot.core.store import Store
from bot.sources.feeds import PollOptions
from bot.sources.poller import PollSettings, poll_feeds
from tests.adapters.conftest import handler_for, outbox_adapter, running
from tests.adapters.conftest_slack import *  # noqa: F403 (the fixtures)
from tests.adapters.conftest_slack import FakeSlack, workspace
from tests.adapters.slack_fakes import block_problems
from tests.adapters.telegram_fakes import BotApiServer
from tests.conftest import SEEDS
from tests.sources.server import LoopbackServer, Reply

PARAGRAPHS = list(read_file(SEEDS / "000_663a48dea55a7912.txt", max_bytes=1_000_000).paragraphs)
HEADLINE = "Turkish soldiers killed in Idlib strike"
TEASER_HEADLINE = "Ankara vows answer after deadly attack"
COURIER = "https://courier.example/world/idlib"
GAZETTE = "https://gazette.example/t/ankara"


def feed(title: str, headline: str, link: str, paragraphs: list[str]) -> bytes:
    body = escape("".join(f"<p>{escape(p)}</p>" for p in paragraphs))
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<item><title>{headline}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><description>{body}</description>"
        "</item></channel></rss>"
    ).encode()


def poll(store: Store, server: LoopbackServer, *paths: str) -> list[str]:
    feeds = []
    for path in paths:
        added = store.add_feed(server.url(path), path, origin=CHAT, added_at=datetime.now(UTC))
        assert added is not None
        feeds.append(added)
    settings = PollSettings(options=PollOptions(allow_private=True, full_text=False))
    return asyncio.run(poll_feeds(store, feeds, settings)).new


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    wire = ["By our wire correspondent", *PARAGRAPHS, "© 2026 Wire. All rights reserved."]
    routes = {
        "/courier.xml": Reply(200, {}, feed("Courier", HEADLINE, COURIER, PARAGRAPHS)),
        "/gazette.xml": Reply(200, {}, feed("Gazette", TEASER_HEADLINE, GAZETTE, PARAGRAPHS[:1])),
        "/wire.xml": Reply(200, {}, feed("Wire", "Idlib: 33 dead", "https://wire.example/i", wire)),
    }
    with LoopbackServer(routes) as running_server:
        yield running_server


@pytest.fixture
def polled(tmp_path: Path, server: LoopbackServer) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    assert len(poll(store, server, "/courier.xml", "/gazette.xml")) == 2
    yield store
    store.close()


def test_telegram_shows_one_story_with_both_sources_linked_and_no_second_copy(
    polled: Store, server: LoopbackServer, bot_api: BotApiServer
) -> None:
    with running(outbox_adapter(polled, bot_api)):
        bot_api.push_message(1, 1, "/digest")
        [digest] = bot_api.wait_for_sends(1)
        assert digest.text.count("<b>1. ") == 1 and "<b>2. " not in digest.text
        assert f'<a href="{COURIER}">{HEADLINE}</a>' in digest.text
        assert TEASER_HEADLINE not in digest.text
        assert f'2 sources: <a href="{COURIER}">Courier</a>, <a href="{GAZETTE}">Gazette</a>' in (
            digest.text
        )
        # A third copy after the digest was sent: the next digest has nothing about it.
        assert len(poll(polled, server, "/wire.xml")) == 1
        bot_api.push_message(1, 2, "/digest")
        [again] = bot_api.wait_for_sends(2)[1:]
    assert HEADLINE not in again.text and "wire.example" not in again.text
    assert "Nothing new" in again.text


def test_slack_shows_one_story_with_its_sources_in_a_context_block(
    polled: Store, fake_slack: FakeSlack
) -> None:
    with workspace(polled, fake_slack) as bot:
        response = bot.slack.command("digest", bot.api.respond_url("digest"), channel="C123")
        assert response.status == 200
        [post] = bot.api.wait_for("/chat.postMessage", 1)
    blocks = post.params["blocks"]
    assert block_problems(blocks) == []
    stories = [b["text"]["text"] for b in blocks if "accessory" in b]
    assert len(stories) == 1 and stories[0].startswith(f"*1. <{COURIER}|{HEADLINE}>*")
    assert "2 sources" in stories[0]
    [listed] = [
        b["elements"][0]["text"] for b in blocks if b["type"] == "context" and COURIER in str(b)
    ]
    assert re.match(rf"<{COURIER}\|Courier> \(2026-03-02\), <{GAZETTE}\|Gazette> \(2026-03-02\)$",
                    listed)  # fmt: skip


def test_the_console_lists_both_sources_under_one_story(polled: Store) -> None:
    handler = handler_for(polled)
    output = io.StringIO()
    console = ConsoleAdapter(handler, io.StringIO("/digest\n"), output)
    console.serve()
    printed = output.getvalue()
    assert "Your digest: 1 story" in printed and printed.count(f"1. {HEADLINE}") == 1
    assert "2026-03-02 · 2 sources" in printed
    assert f"– Courier · 2026-03-02 · {COURIER}" in printed
    assert f"– Gazette · 2026-03-02 · {GAZETTE}" in printed
