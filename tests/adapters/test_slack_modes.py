"""How the Slack adapter is reached: the settings' HTTP mode, Socket Mode, and OAuth installs
of many workspaces kept in the project's database."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack_config import SCOPES, SlackConfig
from bot.bootstrap import adapters, bootstrap
from bot.config import ConfigError, load_settings
from bot.core.replies import Text
from bot.core.store import Store
from bot.runner import web_front
from bot.web.health import Checks
from tests.adapters.conftest_slack import *  # noqa: F403 (the fixtures)
from tests.adapters.conftest_slack import config_for, serving, slack_handler
from tests.adapters.slack_fakes import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    FakeSocketMode,
    SlackSide,
    Team,
    event_envelope,
)

POST = "/chat.postMessage"
QUIET = 0.3


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_")):
            monkeypatch.delenv(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_newsdigest_run_serves_slack_on_the_configured_port_and_api_url(
    sqlite_news: Store,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    clean_environment: None,
) -> None:
    port = free_port()
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "SLACK_PORT": str(port),  # the web front's port, as NEWSDIGEST_PORT
        "NEWSDIGEST_HOST": "127.0.0.1",
    }.items():
        monkeypatch.setenv(name, value)
    app = bootstrap(load_settings(), store=sqlite_news)
    [adapter] = adapters(app)
    assert isinstance(adapter, SlackAdapter)
    front = web_front(app, [adapter], Checks(sqlite_news))
    assert front is not None and front.address == ("127.0.0.1", port)
    thread = threading.Thread(target=front.serve, daemon=True)
    with serving(adapter):
        thread.start()
        assert front.wait_ready(10)
        response = SlackSide("127.0.0.1", port).command("digest", fake_slack.respond_url())
        assert response.status == 200
        [post] = fake_slack.wait_for(POST)
        assert post.token == BOT_TOKEN
        front.stop()
        thread.join(15)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"app_token": APP_TOKEN}, "SLACK_BOT_TOKEN"),
        ({"bot_token": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"signing_secret": SIGNING_SECRET, "client_id": "1.2"}, "SLACK_CLIENT_SECRET"),
        (
            {"app_token": APP_TOKEN, "bot_token": BOT_TOKEN, "client_id": "1.2"},
            "cannot be combined",
        ),
    ],
    ids=["socket mode without bot token", "http without secret", "oauth half", "socket+oauth"],
)
def test_missing_slack_credentials_stop_start_up_with_a_sentence_naming_them(
    config: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        SlackConfig(**config).check()


def test_slack_secrets_stay_out_of_the_configs_repr() -> None:
    config = SlackConfig(
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN,
        client_secret="oauth-client-secret",
    )
    shown = repr(config)
    assert all(s not in shown for s in (SIGNING_SECRET, BOT_TOKEN, APP_TOKEN, "oauth-client"))


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    fake_slack.socket_url = server.url
    yield server
    server.stop()


def test_socket_mode_round_trip_acks_the_envelope_and_answers(
    sqlite_news: Store, fake_slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    config = config_for(fake_slack, app_token=APP_TOKEN, signing_secret="")
    adapter = SlackAdapter(slack_handler(sqlite_news), config)
    with serving(adapter):
        socket_mode.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": "T111",
                    "channel_id": "C123",
                    "user_id": "U1",
                    "command": "/news",
                    "text": "help",
                    "api_app_id": "A111",
                    "response_url": fake_slack.respond_url("socket"),
                    "trigger_id": "1.2.3",
                },
            }
        )
        assert socket_mode.next_received()["envelope_id"] == "env-1"
        [answer] = fake_slack.wait_for("/respond/socket")
        assert "/news digest [topic]" in answer.params["text"]

        question = {
            "type": "message",
            "channel": "D42",
            "channel_type": "im",
            "user": "U42",
            "text": "What did Erdogan say about Idlib?",
            "ts": "1700000900.000100",
        }
        socket_mode.send(
            {"envelope_id": "env-2", "type": "events_api", "payload": event_envelope(question)}
        )
        assert socket_mode.next_received()["envelope_id"] == "env-2"
        [post] = fake_slack.wait_for(POST)
        assert post.params["channel"] == "D42" and post.token == BOT_TOKEN

    [opened] = fake_slack.calls_to("/apps.connections.open")
    assert opened.token == APP_TOKEN


def test_an_installation_in_the_store_authorizes_requests_from_its_workspace(news: Store) -> None:
    fake = FakeSlack({"xoxb-222-installed": Team("T222", bot_user_id="UBOT2")}).start()
    try:
        config = config_for(fake, bot_token=None, client_id="111.222", client_secret="shh")
        adapter = SlackAdapter(slack_handler(news), config)
        assert adapter.installation_store is not None
        adapter.installation_store.save(
            Installation(
                app_id="A111",
                team_id="T222",
                bot_token="xoxb-222-installed",
                bot_id="B222",
                bot_user_id="UBOT2",
                bot_scopes=list(SCOPES),
                user_id="UINSTALLER",
                installed_at=time.time(),
            )
        )
        with serving(adapter) as address:
            assert address is not None
            slack = SlackSide(*address)
            ok = slack.command("digest", fake.respond_url("t222"), team="T222", channel="C5")
            assert ok.status == 200
            [post] = fake.wait_for(POST)
            assert (post.token, post.params["channel"]) == ("xoxb-222-installed", "C5")

            slack.command("digest", fake.respond_url("t999"), team="T999", channel="C5")
            assert len(fake.wait_for(POST, 2, timeout=QUIET)) == 1

        # A scheduled digest to that workspace goes out with its token too.
        adapter.publish("T222:C6", Text("good morning"))
        assert fake.wait_for(POST, 2)[1].token == "xoxb-222-installed"
        with pytest.raises(LookupError):
            adapter.publish("T999:C6", Text("nobody installed me there"))
        # The tables exist now; a restart creates nothing twice.
        SlackAdapter(slack_handler(news), config)
    finally:
        fake.stop()


def test_installing_through_the_oauth_flow_lets_that_workspace_use_the_bot(news: Store) -> None:
    fake = FakeSlack({}).start()
    fake.grant("code-333", "xoxb-333-new", Team("T333", bot_user_id="UBOT3"))
    try:
        config = config_for(fake, bot_token=None, client_id="111.222", client_secret="shh")
        adapter = SlackAdapter(slack_handler(news), config)
        with serving(adapter) as address:
            assert address is not None
            browser = SlackSide(*address)
            page, headers = browser.get("/slack/install")
            assert page.status == 200
            state = re.search(r"state=([\w-]+)", page.text)
            assert state and "client_id=111.222" in page.text
            cookie = headers["Set-Cookie"].split(";")[0]

            done, _ = browser.get(
                f"/slack/oauth_redirect?code=code-333&state={state[1]}", {"Cookie": cookie}
            )
            assert done.status == 200, done.text

            slack = SlackSide(*address)
            slack.command("digest", fake.respond_url(), team="T333", channel="C7")
            [post] = fake.wait_for(POST)
            assert (post.token, post.params["channel"]) == ("xoxb-333-new", "C7")
    finally:
        fake.stop()
