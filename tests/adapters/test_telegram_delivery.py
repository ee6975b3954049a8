"""Digests through the outbox to Telegram while the Bot API misbehaves: 429 with retry_after,
500s and timeouts are retried until the message goes; one that keeps failing ends failed
and shows in `newsdigest status`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from telegram.request import HTTPXRequest

from bot.adapters.telegram import TelegramAdapter
from bot.core.delivery import Outbox, RetryPolicy
from bot.core.store import Store
from tests.adapters.conftest import handler_for, running
from tests.adapters.telegram_fakes import BotApiServer
from tests.conftest import REPO


def test_rate_limits_server_errors_and_timeouts_end_sent_or_reported_failed(
    bot_api: BotApiServer, news_store: Store, tmp_path: Path
) -> None:
    bot_api.timeout_seconds = 1.5
    bot_api.faults = {
        1: ["429"],
        2: ["500", "500"],
        3: ["timeout"],
        4: ["500"] * 10,  # never gets through
    }
    handler = handler_for(news_store)
    adapter = TelegramAdapter(
        handler,
        news_store,
        "4242:TEST",
        base_url=bot_api.url,
        request=lambda: HTTPXRequest(read_timeout=0.5),
    )
    outbox = Outbox(
        news_store, {"telegram": adapter}, handler.summary, policy=RetryPolicy(3, 0.2, 2.0)
    )
    chats = [1, 2, 3, 4, 5, 6]
    for chat in chats:
        handler.build_digest(handler.chat("telegram", str(chat)))
    stop = threading.Event()
    senders = [threading.Thread(target=outbox.run, args=(n, 2, stop, 0.05)) for n in range(2)]
    with running(adapter):
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 30
        while news_store.pending_digests() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        outbox.wake.set()
        for sender in senders:
            sender.join(10)
    delivered = sorted(s.chat_id for s in bot_api.sent)
    assert delivered == [1, 2, 3, 5, 6]  # each exactly once
    assert news_store.pending_digests() == []
    [failed] = news_store.failed_parts()
    chat = news_store.get_chat(failed.chat_id)
    assert chat is not None and chat.platform_chat_id == "4"
    assert failed.attempts == 3 and "Internal Server Error" in (failed.last_error or "")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDIGEST_", "TELEGRAM_"))}
    env.update(DATABASE_URL=str(news_store.engine.url), COLUMNS="200", NO_COLOR="1")
    status = subprocess.run(
        [sys.executable, "-m", "bot", "status"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "messages: 0 pending, 5 sent, 1 failed" in status.stdout
    assert "telegram:4" in status.stdout and "Internal Server Error" in status.stdout
