"""A feed polled, then `/digest` on Telegram and on Slack over real HTTP on loopback: the new
stories arrive with their headlines linked to the articles."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.feed_store import CHAT
from bot.core.store import Store
from bot.sources.feeds import PollOptions
from bot.sources.poller import PollSettings, poll_feeds
from tests.adapters.conftest import outbox_adapter, running
from tests.adapters.conftest_slack import *  # noqa: F403 (the fixtures)
from tests.adapters.conftest_slack import FakeSlack, workspace
from tests.adapters.slack_fakes import block_problems
from tests.adapters.telegram_fakes import BotApiServer
from tests.sources.server import LoopbackServer, Reply

ARTICLE = "The harbour council approved the sea wall plan after a long debate on Thursday. " * 4
LINK = "https://courier.example/news/sea-wall?id=7&amp;utm_source=rss"


@pytest.fixture
def polled(tmp_path: Path) -> Iterator[Store]:
    """A store that has polled one feed of one story, and nothing else."""
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Kellshore Courier</title>'
        f"<item><title>Sea wall approved</title><link>{LINK}</link><guid>sea-wall</guid>"
        f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><description>{ARTICLE}</description>"
        "</item></channel></rss>"
    ).encode()
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    with LoopbackServer({"/rss.xml": Reply(200, {}, feed)}) as server:
        added = store.add_feed(
            server.url("/rss.xml"), "Courier", origin=CHAT, added_at=datetime.now(UTC)
        )
        assert added is not None
        settings = PollSettings(options=PollOptions(allow_private=True, full_text=False))
        report = asyncio.run(poll_feeds(store, [added], settings))
    assert len(report.new) == 1
    yield store
    store.close()


def test_a_telegram_digest_links_each_headline_to_its_article(
    polled: Store, bot_api: BotApiServer
) -> None:
    with running(outbox_adapter(polled, bot_api)):
        bot_api.push_message(1, 1, "/digest")
        [digest] = bot_api.wait_for_sends(1)
    url = "https://courier.example/news/sea-wall?id=7&amp;utm_source=rss"
    assert f'<a href="{url}">Sea wall approved</a>' in digest.text
    assert "courier.example" in digest.text and "The harbour council approved" in digest.text


def test_a_slack_digest_links_each_headline_to_its_article(
    polled: Store, fake_slack: FakeSlack
) -> None:
    with workspace(polled, fake_slack) as bot:
        response = bot.slack.command("digest", bot.api.respond_url("digest"), channel="C123")
        assert response.status == 200
        [post] = bot.api.wait_for("/chat.postMessage", 1)
    blocks = post.params["blocks"]
    assert block_problems(blocks) == []
    story = next(b["text"]["text"] for b in blocks if "accessory" in b)
    url = "https://courier.example/news/sea-wall?id=7&amp;utm_source=rss"
    assert story.startswith(f"*1. <{url}|Sea wall approved>*")
