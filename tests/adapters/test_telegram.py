"""The Telegram adapter against the telegram-test-api emulator, over HTTP on loopback."""

from __future__ import annotations

import json
import random
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.adapters.telegram_html import MAX_CHARS
from bot.core.store import Store
from bot.core.trending import topic_of
from tests.adapters.conftest import emulated_adapter, free_port, running
from tests.adapters.telegram_fakes import EmulatorClient


class TagChecker(HTMLParser):
    """Fails on HTML that Telegram would refuse: unknown or unbalanced tags."""

    ALLOWED = frozenset({"b", "i", "a", "u", "s", "code", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        assert tag in self.ALLOWED, tag
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag


def assert_valid_html(text: str) -> None:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.open == [], text


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def test_start_and_help_list_every_command(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/start")
        [hello] = user.replies()
        user.command("/help@TestNameBot")
        [help_] = user.replies()
    assert hello["text"].startswith("Hello! I read the news")
    for command in ("/digest [topic]", "/subscribe &lt;topic&gt;", "/ask &lt;question&gt;"):
        assert command in help_["text"]
    assert help_["parse_mode"] == "HTML"


def test_a_subscribed_user_gets_an_html_digest_with_a_more_button_per_story(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/subscribe Idlib")
        [subscribed] = user.replies()
        user.command("/digest")
        [digest] = user.replies()
    assert "Subscribed to Idlib" in subscribed["text"]
    assert digest["parse_mode"] == "HTML"
    assert_valid_html(digest["text"])
    assert "<b>1. Turkey refuses to back down</b>" in digest["text"]
    assert "<i>2020-02-27</i>" in digest["text"]
    more = buttons(digest)
    assert [b["text"] for b in more] == ["More on 1", "More on 2"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in more)


def test_the_more_button_answers_with_the_longer_summary_and_source(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/subscribe Idlib")
        user.command("/digest")
        _, digest = user.replies(2)
        user.press(buttons(digest)[0]["callback_data"], digest)
        [more] = user.replies()
    assert more["text"].startswith("<b>1. Turkey refuses to back down</b>")
    assert "000_663a48dea55a7912.txt" in more["text"]
    assert len(more["text"]) > len(digest["text"].split("<b>2.")[0])


def test_trending_has_a_follow_button_per_phrase_and_pressing_one_subscribes_the_chat(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/trending")
        [trending] = user.replies()
        follow = buttons(trending)
        user.press(follow[1]["callback_data"], trending)
        [subscribed] = user.replies()
        user.command("/topics")
        [topics] = user.replies()
    assert_valid_html(trending["text"])
    assert "1. <b>" in trending["text"] and "stories today" in trending["text"]
    assert len(follow) >= 2
    assert all(b["text"].startswith("Follow ") for b in follow)
    assert all(len(b["callback_data"].encode()) <= 64 for b in follow)
    topic = topic_of(follow[1]["text"].removeprefix("Follow "))
    assert subscribed["text"].startswith(f"Subscribed to {topic}.")
    assert topics["text"] == f"Your topics: {topic}."


def test_a_reply_to_a_digest_is_answered_from_its_stories_even_after_a_restart(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/subscribe Idlib")
        user.command("/digest")
        _, digest = user.replies(2)
    # A new process: only the store remembers which message carried which digest.
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.say("What did Erdogan say?", reply_to=digest)
        [answer] = user.replies()
    assert "Erdogan" in answer["text"]
    assert "— Turkey refuses to back down, 2020-02-27" in answer["text"] or (
        "— A fragile truce, 2020-03-05" in answer["text"]
    )
    assert json.loads(answer["reply_parameters"])["message_id"] > digest["message_id"]


def test_an_unknown_command_and_an_overlong_topic_get_one_line_hints(
    telegram_emulator: str, token: str, user: EmulatorClient, news_store: Store
) -> None:
    with running(emulated_adapter(telegram_emulator, token, news_store)):
        user.command("/frobnicate")
        [unknown] = user.replies()
        user.command("/subscribe " + "<b>" * 80)
        [too_long] = user.replies()
    assert unknown["text"] == "Unknown command /frobnicate. Type /help to see what I understand."
    assert "240 characters long; the limit is 200" in too_long["text"]


def test_a_digest_of_fifteen_thousand_characters_arrives_as_valid_messages(
    telegram_emulator: str, token: str, user: EmulatorClient, tmp_path: Path
) -> None:
    from bot.core.ingest import ingest

    store = Store.open(f"sqlite:///{tmp_path / 'long.db'}")
    stories = tmp_path / "long"
    stories.mkdir()
    words = [a + b for a in ("kel", "mor", "vas", "il", "bra", "od") for b in "aeiouy"]
    rng = random.Random(5)
    for n in range(12):
        # Twelve different stories (not copies of one: those would be one story).
        sentences = [
            f"Officials & <analysts> said on day {day} that talks on "
            + " ".join(rng.choice(words) for _ in range(8))
            + " went on."
            for day in range(18)
        ]
        (stories / f"{n}.txt").write_text(
            f"date 2020-03-{n + 1:02d} Harbour story {n}. " + " ".join(sentences)
        )
    ingest(store, [stories], max_bytes=2_000_000, method="lead", sentences=18)
    from bot.core.commands import CommandHandler, Options

    handler = CommandHandler(store, Options(method="lead", sentences=18, digest_size=12))
    adapter = emulated_adapter(telegram_emulator, token, store, handler)
    with running(adapter):
        user.command("/digest")
        parts = user.replies()
        while "Reply to this" not in parts[-1]["text"]:
            parts.extend(user.replies())
    store.close()
    assert sum(len(p["text"]) for p in parts) > 15_000
    assert len(parts) >= 4
    numbers_seen: list[int] = []
    for part in parts:
        assert len(part["text"]) <= MAX_CHARS
        assert_valid_html(part["text"])
        assert "&lt;analysts&gt;" in part["text"] or "Reply to this" in part["text"]
        shown = [int(b["text"].split()[-1]) for b in buttons(part)]
        for number in shown:
            # A story's button travels with the story, and the story is whole.
            assert f"<b>{number}. Harbour story" in part["text"]
        numbers_seen.extend(shown)
    assert numbers_seen == list(range(1, 13))


def test_webhook_mode_receives_updates_and_answers(
    telegram_emulator: str, token: str, news_store: Store, request: pytest.FixtureRequest
) -> None:
    from bot.adapters.telegram_webhook import Webhook

    port = free_port()
    # The emulator sends no secret header; the secret check has its own test.
    webhook = Webhook(url=f"http://127.0.0.1:{port}/telegram", secret=None)
    user = EmulatorClient(telegram_emulator, token, chat_id=42, user_id=42)
    request.addfinalizer(user.close)
    adapter = emulated_adapter(telegram_emulator, token, news_store, webhook=webhook)
    with running(adapter, port=port):
        user.command("/topics")
        [topics] = user.replies()
        # The webhook really is what brought the update in: it answers HTTP.
        probe = httpx.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1})
    assert "You follow no topics" in topics["text"]
    assert probe.status_code == 200
