"""The Slack adapter over HTTP, as a workspace uses it: signed requests from "Slack" on
loopback, the bot's Web API calls going to a fake Slack that records them."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack_blocks import FOLLOW_ACTION
from bot.core.commands import CommandHandler, Message, Options
from bot.core.ingest import ingest
from bot.core.replies import Reply, Text
from bot.core.store import Store
from bot.core.trending import topic_of
from tests.adapters.conftest_slack import *  # noqa: F403 (the fixtures)
from tests.adapters.conftest_slack import (
    Workspace,
    config_for,
    serving,
    slack_handler,
    wired,
    workspace,
)
from tests.adapters.slack_fakes import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    Call,
    FakeSlack,
    SlackSide,
    block_problems,
)

POST = "/chat.postMessage"
# How long a test waits to be sure something did *not* happen.
QUIET = 0.3


def command(bot: Workspace, text: str, name: str, **kwargs: Any) -> Call:
    """Type `/news <text>`; the answer the user sees through the command's response_url."""
    response = bot.slack.command(text, bot.api.respond_url(name), **kwargs)
    assert response.status == 200, response
    calls = bot.api.wait_for(f"/respond/{name}")
    assert calls, f"no answer to /news {text}"
    return calls[0]


def posted_digest(bot: Workspace, channel: str = "C123", count: int = 1) -> Call:
    """`/news digest` in `channel`, and the message it posted there."""
    response = bot.slack.command("digest", bot.api.respond_url(f"digest-{count}"), channel=channel)
    assert response.status == 200, response
    posts = bot.api.wait_for(POST, count)
    assert len(posts) == count, "the digest was not posted"
    assert posts[-1].answer["ok"], posts[-1].answer
    return posts[-1]


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if "text" in b]


def section_texts(call: Call) -> list[str]:
    return block_texts(call.params.get("blocks", []))


def write_story(folder: Path, name: str, day: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"date {day} {body}")


def test_news_help_lists_the_commands_as_slack_users_type_them(sqlite_bot: Workspace) -> None:
    answer = command(sqlite_bot, "help", "help")
    assert answer.params["response_type"] == "ephemeral"
    text = answer.params["text"]
    for usage in ("/news digest [topic]", "/news subscribe &lt;topic&gt;", "/news ask"):
        assert usage in text
    assert "\n/help" not in text and "`/help" not in text


def test_subscribe_then_digest_posts_block_kit_within_slacks_limits(bot: Workspace) -> None:
    subscribed = command(bot, "subscribe Idlib", "subscribe")
    assert "Subscribed to Idlib" in subscribed.params["text"]

    digest = posted_digest(bot)

    assert digest.params["channel"] == "C123"
    assert digest.token == BOT_TOKEN
    blocks = digest.params["blocks"]
    assert block_problems(blocks) == []
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your digest: 2 stories", "emoji": True},
    }
    stories = [b for b in blocks if "accessory" in b]
    assert [b["accessory"]["text"]["text"] for b in stories] == ["More", "More"]
    first = stories[0]["text"]["text"]
    assert first.startswith("*1. Turkey refuses to back down*\n")
    assert "Idlib" in first and "_2020-02-27 · 000_663a48dea55a7912.txt_" in first
    # The plain-text fallback that notifications show.
    assert digest.params["text"].startswith("Your digest: 2 stories: 1. Turkey refuses")


def test_a_command_is_acknowledged_at_once_while_its_work_takes_longer(
    sqlite_news: Store, fake_slack: FakeSlack
) -> None:
    work_may_finish = threading.Event()

    class SlowHandler(CommandHandler):
        def handle(self, message: Message) -> Reply:
            assert work_may_finish.wait(10)
            return super().handle(message)

    adapter, _ = wired(SlowHandler(sqlite_news, Options(method="lead")), config_for(fake_slack))
    with serving(adapter) as address:
        assert address is not None
        slack = SlackSide(*address)
        ack = slack.command("digest", fake_slack.respond_url())
        assert ack.status == 200
        assert ack.seconds < 3.0
        assert fake_slack.calls_to(POST) == []  # the work has not been done yet
        work_may_finish.set()
        assert len(fake_slack.wait_for(POST)) == 1


def test_more_button_posts_the_longer_story_of_its_digest_in_that_thread(bot: Workspace) -> None:
    command(bot, "subscribe Idlib", "subscribe")
    bot.slack.command("digest oil", bot.api.respond_url("oil"))
    older = bot.api.wait_for(POST)[0]
    first = next(b for b in older.params["blocks"] if "accessory" in b)
    headline = first["text"]["text"].split("\n")[0]
    assert "Idlib" not in headline
    posted_digest(bot, count=2)  # a newer digest, with other stories

    # The button under the older digest still means that digest's story.
    clicked = bot.slack.button(
        first["accessory"]["value"],
        channel="C123",
        message_ts=older.answer["ts"],
        response_url=bot.api.respond_url("more"),
    )

    assert clicked.status == 200
    more = bot.api.wait_for(POST, 3)[2]
    assert more.params["thread_ts"] == older.answer["ts"]
    [story] = section_texts(more)
    assert story.startswith(headline)
    assert len(story) > len(first["text"]["text"])


def test_news_trending_has_follow_buttons_and_pressing_one_subscribes_the_channel(
    bot: Workspace, news: Store
) -> None:
    trending = command(bot, "trending", "trending")
    blocks = trending.params["blocks"]
    assert block_problems(blocks) == []
    assert "stories today" in section_texts(trending)[1]
    follow = [b["accessory"] for b in blocks if "accessory" in b]
    assert len(follow) >= 2 and {b["action_id"] for b in follow} == {FOLLOW_ACTION}

    clicked = bot.slack.button(
        follow[1]["value"],
        channel="C123",
        message_ts="1700000900.000100",
        response_url=bot.api.respond_url("follow"),
        action_id=FOLLOW_ACTION,
    )

    assert clicked.status == 200
    assert clicked.seconds < 3.0
    topic = topic_of(follow[1]["value"])
    [answer] = bot.api.wait_for("/respond/follow")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["text"].startswith(f"Subscribed to {topic}.")
    [chat] = news.chats("slack")
    assert chat.platform_chat_id == f"{TEAM}:C123"
    assert news.topics(chat.id) == [topic]


def test_a_follow_button_for_a_phrase_of_words_subscribes_to_the_quoted_phrase(
    sqlite_bot: Workspace, sqlite_news: Store
) -> None:
    url = sqlite_bot.api.respond_url("follow")
    sqlite_bot.slack.button(
        "oil prices", channel="C5", message_ts="1.2", response_url=url, action_id=FOLLOW_ACTION
    )
    [answer] = sqlite_bot.api.wait_for("/respond/follow")
    assert answer.params["text"] == 'Subscribed to "oil prices". Your topics: "oil prices".'


def test_a_reply_in_a_digest_thread_is_answered_there_from_that_digest_after_a_restart(
    store: Store, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    def add(name: str, day: str, body: str) -> None:
        write_story(tmp_path, name, day, body)
        ingest(store, [tmp_path], max_bytes=2_000_000, method="lead", sentences=3)

    add("a.txt", "2020-03-01", "Coffee exports fell in Brazil, officials said.")
    with workspace(store, fake_slack) as bot:
        # The daily digest, as the scheduler sends it: built, then sent by the outbox.
        handler = slack_handler(store)
        digest = handler.build_digest(handler.chat("slack", f"{TEAM}:C9"))
        assert digest.digest_id is not None
        assert bot.outbox.deliver(digest.digest_id) == "sent"
        older = bot.api.wait_for(POST)[0]
        add("b.txt", "2020-03-09", "Coffee exports fell again in Brazil this week.")
        posted_digest(bot, channel="C9", count=2)

    with workspace(store, fake_slack) as bot:  # the bot restarted
        reply = {
            "type": "message",
            "channel": "C9",
            "channel_type": "channel",
            "user": "U5",
            "text": "coffee exports Brazil?",
            "ts": "1700000500.000100",
            "thread_ts": older.answer["ts"],
        }
        assert bot.slack.event(reply).status == 200
        answer = bot.api.wait_for(POST, 3)[2]

    assert answer.params["channel"] == "C9"
    assert answer.params["thread_ts"] == older.answer["ts"]
    assert section_texts(answer)[0].startswith("Coffee exports fell in Brazil, officials said.")


def test_a_mention_in_a_digest_thread_is_answered_once_in_the_thread(bot: Workspace) -> None:
    command(bot, "subscribe Idlib", "subscribe")
    digest = posted_digest(bot)
    said = {
        "user": "U5",
        "text": "<@UBOT> What did Erdogan say about Idlib?",
        "ts": "1700000600.000100",
        "thread_ts": digest.answer["ts"],
        "channel": "C123",
        "event_ts": "1700000600.000100",
    }
    # Slack sends both events for a mention in a channel the bot reads.
    bot.slack.event({"type": "app_mention", **said})
    bot.slack.event({"type": "message", "channel_type": "channel", **said})

    answer = bot.api.wait_for(POST, 2)[1]
    assert answer.params["thread_ts"] == digest.answer["ts"]
    assert "Erdogan" in section_texts(answer)[0]
    assert len(bot.api.wait_for(POST, 3, timeout=QUIET)) == 2


def test_channel_talk_outside_digest_threads_is_left_alone(sqlite_bot: Workspace) -> None:
    talk = {
        "type": "message",
        "channel": "C123",
        "channel_type": "channel",
        "user": "U5",
        "text": "lunch at noon?",
        "ts": "1700000700.000100",
    }
    assert sqlite_bot.slack.event(talk).status == 200
    assert sqlite_bot.slack.event({**talk, "thread_ts": "1600000000.000001"}).status == 200
    assert sqlite_bot.api.wait_for(POST, timeout=QUIET) == []


def test_a_direct_message_is_answered_as_a_question(sqlite_bot: Workspace) -> None:
    said = {
        "type": "message",
        "channel": "D42",
        "channel_type": "im",
        "user": "U42",
        "text": "What did Erdogan say about Idlib?",
        "ts": "1700000800.000100",
    }
    assert sqlite_bot.slack.event(said).status == 200
    [answer] = sqlite_bot.api.wait_for(POST)
    assert answer.params["channel"] == "D42"
    assert "Erdogan" in section_texts(answer)[0]


def test_url_verification_answers_the_challenge(sqlite_bot: Workspace) -> None:
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    response = sqlite_bot.slack.post(body, "application/json")
    assert response.status == 200
    assert json.loads(response.text) == {"challenge": "c-123"}


@pytest.mark.parametrize(
    "signing",
    [{"secret": "not-the-signing-secret"}, {"timestamp": int(time.time()) - 600}],
    ids=["forged signature", "ten-minute-old timestamp"],
)
def test_a_forged_or_stale_request_is_rejected_and_nothing_runs(
    sqlite_bot: Workspace, sqlite_news: Store, signing: dict[str, Any]
) -> None:
    bot = sqlite_bot
    response = bot.slack.command("subscribe Idlib", bot.api.respond_url(), **signing)
    assert response.status == 401
    assert bot.api.wait_for("/respond/1", timeout=QUIET) == []
    assert sqlite_news.chats("slack") == []


def test_a_rate_limited_post_is_sent_again_after_retry_after(sqlite_bot: Workspace) -> None:
    sqlite_bot.api.answer_next(
        POST, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
    )
    assert sqlite_bot.slack.command("digest", sqlite_bot.api.respond_url()).status == 200

    refused, delivered = sqlite_bot.api.wait_for(POST, 2, timeout=8)

    assert refused.status == 429
    assert delivered.status == 200 and delivered.answer["ok"]
    assert delivered.at - refused.at >= 1.0
    assert delivered.params["blocks"][0]["type"] == "header"


def test_messages_to_one_channel_are_spaced_out(sqlite_news: Store, fake_slack: FakeSlack) -> None:
    adapter = SlackAdapter(slack_handler(sqlite_news), config_for(fake_slack, post_interval=0.3))
    for text in ("one", "two", "three"):
        adapter.publish(f"{TEAM}:C1", Text(text))
    adapter.publish(f"{TEAM}:C2", Text("elsewhere"))

    posts = fake_slack.wait_for(POST, 4)
    times = [p.at for p in posts if p.params["channel"] == "C1"]
    assert [p.params["text"] for p in posts] == ["one", "two", "three", "elsewhere"]
    assert all(later - earlier >= 0.28 for earlier, later in itertools.pairwise(times))
    assert posts[3].at - posts[2].at < 0.28  # another channel does not wait


def test_app_home_shows_the_users_subscriptions_schedule_and_last_digest(
    bot: Workspace, news: Store
) -> None:
    bot.slack.event({"type": "app_home_opened", "user": "U99", "channel": "D99", "tab": "home"})
    [stranger] = bot.api.wait_for("/views.publish")
    assert "no chat with me yet" in json.dumps(stranger.params["view"])
    assert news.chats("slack") == []  # opening the tab creates no chat

    own = {"channel": "D42", "user": "U42"}
    command(bot, "subscribe Idlib", "subscribe", **own)
    command(bot, "schedule 07:30 Europe/Berlin", "schedule", **own)
    posted_digest(bot, channel="D42")
    bot.slack.event({"type": "app_home_opened", "user": "U42", "channel": "D42", "tab": "home"})

    home = bot.api.wait_for("/views.publish", 2)[1]
    assert home.params["user_id"] == "U42"
    assert home.answer["ok"], home.answer
    shown = "\n".join(block_texts(home.params["view"]["blocks"]))
    assert "Your topics: Idlib." in shown
    assert "every day at 07:30 Europe/Berlin" in shown
    assert "Turkey refuses to back down" in shown and "A fragile truce" in shown


def test_only_admins_change_channel_settings_and_others_are_told_why(
    news: Store, fake_slack: FakeSlack
) -> None:
    with workspace(news, fake_slack, admins=frozenset({"UADMIN"})) as bot:
        refused = command(bot, "subscribe Idlib", "refused", user="U2")
        assert refused.params["text"] == (
            "Only the chat's admins can change its settings with /news subscribe."
        )
        assert "Subscribed" in command(bot, "subscribe oil", "admin", user="UADMIN").params["text"]
        own = command(bot, "subscribe Idlib", "own", user="U2", channel="D2")
        assert "Subscribed to Idlib" in own.params["text"]
        listed = command(bot, "topics", "topics", user="U2")
        assert listed.params["text"] == "Your topics: oil."


def test_an_unknown_subcommand_or_a_too_long_topic_gets_a_clear_answer(
    sqlite_bot: Workspace,
) -> None:
    unknown = command(sqlite_bot, "frobnicate", "unknown")
    assert unknown.params["text"] == (
        "Unknown command /news frobnicate. Type /news help to see what I understand."
    )
    too_long = command(sqlite_bot, "subscribe " + "x" * 300, "long")
    assert "300 characters long; the limit is 200" in too_long.params["text"]
    assert command(sqlite_bot, "topics", "topics").params["text"].startswith("You follow no topics")


def test_a_digest_for_a_channel_the_bot_is_not_in_is_shown_with_how_to_fix_it(
    sqlite_bot: Workspace,
) -> None:
    bot = sqlite_bot
    bot.api.not_member.add("C777")
    bot.slack.command("digest", bot.api.respond_url("outside"), channel="C777")
    shown, hint = bot.api.wait_for("/respond/outside", 2)
    assert shown.params["response_type"] == "in_channel"
    assert shown.params["blocks"][0]["type"] == "header"
    assert hint.params["response_type"] == "ephemeral"
    assert "/invite" in hint.params["text"]


def test_secrets_never_reach_the_logs(
    sqlite_bot: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    command(sqlite_bot, "subscribe Idlib", "subscribe")
    posted_digest(sqlite_bot)
    assert "chat.postMessage" in caplog.text  # the client did log its calls
    assert BOT_TOKEN not in caplog.text
    assert SIGNING_SECRET not in caplog.text


def test_stop_ends_serving_promptly_and_frees_the_port(
    sqlite_news: Store, fake_slack: FakeSlack
) -> None:
    adapter = SlackAdapter(slack_handler(sqlite_news), config_for(fake_slack))
    with serving(adapter) as address:
        assert address is not None
        host, port = address
        started = time.monotonic()
    assert time.monotonic() - started < 1.5
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((host, port))
