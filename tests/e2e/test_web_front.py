"""The one web front of `newsdigest run`, in a real process: Slack's requests, Telegram's
webhook, `/healthz` and `/metrics` on one port; JSON logs with the chat and platform of each
message, and no configured secret anywhere in them."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from tests.adapters.conftest import free_port
from tests.adapters.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSide
from tests.adapters.telegram_fakes import BotApiServer
from tests.e2e.test_cli import newsdigest
from tests.e2e.test_faults import Bot, environment, wait_until

TELEGRAM_TOKEN = "4242:TELEGRAM-SECRET-TOKEN"
WEBHOOK_SECRET = "webhook-secret-words"


def update(text: str, chat: int = 7, number: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": number,
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": "Reader"},
        "from": {"id": chat, "is_bot": False, "first_name": "Reader"},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return {"update_id": number, "message": message}


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def metric(text: str, name: str) -> float:
    """The value of the sample `name` (with its labels, as printed) in an exposition."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} is not in /metrics")


def test_one_port_serves_slack_telegram_health_and_metrics_with_json_logs_and_no_secrets(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = BotApiServer().start()
    slack = FakeSlack().start()
    env = environment(f"sqlite:///{tmp_path / 'bot.db'}")
    env.update(
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_BASE_URL=api.url,
        TELEGRAM_WEBHOOK_URL=f"{base}/telegram/hook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        NEWSDIGEST_PORT=str(port),
        NEWSDIGEST_HOST="127.0.0.1",
        NEWSDIGEST_LOG_FORMAT="json",
        NEWSDIGEST_LOG_LEVEL="INFO",
    )
    log = tmp_path / "bot.log"
    bot = Bot(env, log)
    try:
        wait_until(lambda: ready(base), 90, "the web front did not come up")
        health = httpx.get(f"{base}/healthz").json()
        # Telegram, through its webhook on the front: the secret is checked.
        hook = f"{base}/telegram/hook"
        forged = httpx.post(hook, json=update("/help"))
        posted = httpx.post(
            hook,
            json=update("/digest", number=2),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        api.wait_for_sends(1, timeout=20)
        # Slack, on the same port at Bolt's path.
        answered = SlackSide("127.0.0.1", port).command("topics", slack.respond_url())
        [slack_reply] = slack.wait_for("/respond/1", timeout=10)
        wait_until(
            lambda: (
                'newsdigest_messages_sent_total{platform="telegram"}'
                in httpx.get(f"{base}/metrics").text
            ),
            20,
            "the digest's messages were not counted",
        )
        metrics = httpx.get(f"{base}/metrics").text
    finally:
        code = bot.stop()
        api.stop()
        slack.stop()
    output = log.read_text()

    assert health == {
        "ok": True,
        "checks": {"database": "ok", "scheduler": "ok", "role": "leader", "senders": "ok"},
    }
    assert (forged.status_code, posted.status_code, answered.status) == (403, 200, 200)
    assert next(c for c in api.calls if c[0] == "setWebhook")[1]["url"] == hook
    assert "You follow no topics" in slack_reply.params["text"]
    assert metric(metrics, 'newsdigest_messages_sent_total{platform="telegram"}') >= 1
    assert metric(metrics, "newsdigest_digests_built_total") >= 1
    assert metric(metrics, 'newsdigest_documents_ingested_total{source="folder"}') >= 1
    assert metric(metrics, "newsdigest_pending_deliveries") == 0
    assert code == 0, output[-3000:]

    # Each log line is one JSON object (the other lines are the command's own report); each
    # message handled is one line with its chat.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    handled = [(line["platform"], line["chat"], line["event"]) for line in lines if "ms" in line]
    assert ("telegram", "7", "/digest") in handled
    assert ("slack", "T111:C123", "/topics") in handled
    assert any(line.get("event") == "delivered" for line in lines)
    refused = [line for line in lines if "refused a webhook update" in line["message"]]
    assert len(refused) == 1
    for secret in (TELEGRAM_TOKEN, WEBHOOK_SECRET, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in output


def test_a_port_in_use_stops_start_up_with_a_sentence_naming_the_setting(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = environment(f"sqlite:///{tmp_path / 'bot.db'}")
        env.update(NEWSDIGEST_PORT=str(port), NEWSDIGEST_HOST="127.0.0.1")
        result = newsdigest("run", env=env)
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"The web front cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "NEWSDIGEST_PORT" in result.stderr
    assert "Traceback" not in result.stderr
