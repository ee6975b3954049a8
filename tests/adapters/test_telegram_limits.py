"""The Telegram adapter against the project's own Bot API server: what the emulator cannot
do — group admins, 429 with retry_after, 403 Forbidden, flood limits, the webhook secret."""

from __future__ import annotations

import json
import logging
import time
from itertools import pairwise

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram_webhook import Webhook
from bot.core.replies import Text
from bot.core.store import Store
from tests.adapters.conftest import free_port, handler_for, running, with_outbox
from tests.adapters.telegram_fakes import BotApiServer

GROUP = -100123
ADMIN, MEMBER = 7, 8


def adapter_for(bot_api: BotApiServer, store: Store, **kwargs: object) -> TelegramAdapter:
    adapter = TelegramAdapter(
        handler_for(store),
        store,
        "4242:TEST",
        base_url=bot_api.url,
        **kwargs,  # type: ignore[arg-type]
    )
    return with_outbox(adapter)


def test_the_command_menu_is_set_at_start_up(bot_api: BotApiServer, news_store: Store) -> None:
    with running(adapter_for(bot_api, news_store)):
        pass
    [(_, params)] = [c for c in bot_api.calls if c[0] == "setMyCommands"]
    names = [command["command"] for command in json.loads(params["commands"])]
    assert names[:3] == ["start", "help", "digest"] and "schedule" in names


def test_in_a_group_only_admins_change_settings_and_anyone_reads(
    bot_api: BotApiServer, news_store: Store
) -> None:
    bot_api.admins.add(ADMIN)
    with running(adapter_for(bot_api, news_store)):
        bot_api.push_message(GROUP, MEMBER, "/subscribe@digest_test_bot Idlib")
        bot_api.push_message(GROUP, MEMBER, "/digest")
        bot_api.push_message(GROUP, ADMIN, "/subscribe Idlib")
        bot_api.push_message(GROUP, MEMBER, "just chatting in the group")
        bot_api.push_message(GROUP, MEMBER, "/help@some_other_bot")
        sent = bot_api.wait_for_sends(3)
        time.sleep(0.3)  # nothing more should come
    texts = [s.text for s in bot_api.sent]
    assert len(texts) == 3
    assert texts[0] == "Only the chat's admins can change its settings with /subscribe."
    assert texts[1].startswith("<b>Your digest")
    assert texts[2].startswith("Subscribed to Idlib")
    checked = [p["user_id"] for name, p in bot_api.calls if name == "getChatMember"]
    assert sorted(int(u) for u in checked) == [ADMIN, MEMBER]
    assert all(s.chat_id == GROUP for s in sent)


def test_a_retry_after_is_waited_out_and_the_message_still_goes(
    bot_api: BotApiServer, news_store: Store
) -> None:
    bot_api.retry_after[55] = (2, 1)
    with running(adapter_for(bot_api, news_store)) as adapter:
        started = time.monotonic()
        adapter.publish("55", Text("Your digest is late but here."))
        elapsed = time.monotonic() - started
    assert [s.text for s in bot_api.sent] == ["Your digest is late but here."]
    assert elapsed >= 2.0


def test_a_chat_that_blocked_the_bot_is_marked_inactive_and_skipped(
    bot_api: BotApiServer, news_store: Store
) -> None:
    from bot.bootstrap import App
    from bot.config import load_settings
    from bot.scheduler import DigestPlanner

    bot_api.blocked.add(77)
    adapter = adapter_for(bot_api, news_store)
    chat = adapter.handler.chat("telegram", "77")
    scheduler = BackgroundScheduler()
    app = App(load_settings(), news_store, adapter.handler)
    planner = DigestPlanner(scheduler, app, {"telegram": adapter})
    planner.plan_all()
    assert scheduler.get_job(planner.job_id(chat)) is not None
    adapter.handler.schedule_changed = planner.update
    with running(adapter):
        planner.send_digest(chat.id)
        attempts = [p for name, p in bot_api.calls if name == "sendMessage"]
        assert len(attempts) == 1  # no retrying a chat that is gone
        blocked = news_store.get_chat(chat.id)
        assert blocked is not None and not blocked.active
        planner.update(blocked)
        assert scheduler.get_job(planner.job_id(chat)) is None
        planner.send_digest(chat.id)  # a due job for an inactive chat sends nothing
        assert len([n for n, _ in bot_api.calls if n == "sendMessage"]) == 1
        # The user unblocks the bot and writes: the chat is back, with its daily digest.
        bot_api.blocked.clear()
        bot_api.push_message(77, 77, "/topics")
        bot_api.wait_for_sends(1)
    back = news_store.get_chat(chat.id)
    assert back is not None and back.active
    assert scheduler.get_job(planner.job_id(chat)) is not None


def test_messages_to_one_private_chat_are_paced_to_one_a_second(
    bot_api: BotApiServer, news_store: Store
) -> None:
    with running(adapter_for(bot_api, news_store)) as adapter:
        started = time.monotonic()
        for n in range(3):
            adapter.publish("31", Text(f"message {n}"))
        for chat in ("41", "42", "43"):
            adapter.publish(chat, Text("hello"))
        total = time.monotonic() - started
    same_chat = [s.at for s in bot_api.sent if s.chat_id == 31]
    gaps = [b - a for a, b in pairwise(same_chat)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    others = [s.at for s in bot_api.sent if s.chat_id != 31]
    assert others[-1] - others[0] < 0.5
    assert total < 4


def test_the_webhook_refuses_updates_without_the_secret_and_logs_them(
    bot_api: BotApiServer, news_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    webhook = Webhook(url=url, secret="s3cret-token")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 9, "type": "private", "first_name": "Reader"},
            "from": {"id": 9, "is_bot": False, "first_name": "Reader"},
            "text": "/help",
            "entities": [{"offset": 0, "length": 5, "type": "bot_command"}],
        },
    }
    with (
        caplog.at_level(logging.WARNING),
        running(adapter_for(bot_api, news_store, webhook=webhook), port=port),
    ):
        missing = httpx.post(url, json=update)
        wrong = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
        assert bot_api.sent == []
        right = httpx.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        )
        bot_api.wait_for_sends(1)
    assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
    assert caplog.text.count("refused a webhook update (403)") == 2
    [(_, registered)] = [c for c in bot_api.calls if c[0] == "setWebhook"]
    assert registered["url"] == url and registered["secret_token"] == "s3cret-token"
    assert "/start" in bot_api.sent[0].text
