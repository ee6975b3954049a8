"""The Telegram adapter when the Bot API is out of reach or refuses the token: real servers (or
no server at all) on loopback, the adapter serving in a thread as `newsdigest run` serves it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from telegram.error import NetworkError

from bot.adapters.base import InvalidCredentials, PlatformUnavailable
from bot.adapters.telegram import Backoff, TelegramAdapter
from bot.core.delivery import Outbox, RetryPolicy
from bot.core.replies import Text
from bot.core.store import PENDING, SENT, Store
from tests.adapters.conftest import free_port, handler_for, running
from tests.adapters.telegram_fakes import BotApiServer

QUICK = Backoff(first=0.05, cap=0.2)
RETRYING = "cannot reach Telegram's Bot API"


def adapter_at(
    url: str, store: Store, *, token: str = "4242:TEST", **kwargs: object
) -> TelegramAdapter:
    return TelegramAdapter(
        handler_for(store),
        store,
        token,
        base_url=url,
        poll_interval=0.05,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def serving() -> Iterator[list[tuple[TelegramAdapter, threading.Thread]]]:
    """Adapters started with `start`, stopped (and checked to have stopped) afterwards."""
    started: list[tuple[TelegramAdapter, threading.Thread]] = []
    yield started
    for adapter, thread in started:
        adapter.stop()
        thread.join(10)
        assert not thread.is_alive(), "the adapter did not stop"


def start(
    adapter: TelegramAdapter, started: list[tuple[TelegramAdapter, threading.Thread]]
) -> threading.Thread:
    thread = threading.Thread(target=adapter.serve, daemon=True)
    thread.start()
    started.append((adapter, thread))
    return thread


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def retry_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(RETRYING)]


def test_an_unreachable_bot_api_is_retried_until_it_answers_then_commands_are_answered(
    news_store: Store,
    serving: list[tuple[TelegramAdapter, threading.Thread]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    port = free_port()  # nothing listens there yet
    adapter = adapter_at(f"http://127.0.0.1:{port}/bot", news_store, backoff=QUICK)
    thread = start(adapter, serving)
    wait_for(lambda: len(retry_warnings(caplog)) >= 3, 10, "no retries were logged")
    assert thread.is_alive() and not adapter.wait_until_ready(0)
    warnings = retry_warnings(caplog)
    assert all(r.levelno == logging.WARNING for r in warnings)
    assert [r for r in caplog.records if r.exc_info] == []  # one line each, no tracebacks
    assert "retrying in" in warnings[0].getMessage()

    api = BotApiServer(port).start()
    try:
        assert adapter.wait_until_ready(10), "the adapter did not connect once the API was up"
        api.push_message(1, 1, "/start")
        [hello] = api.wait_for_sends(1)
    finally:
        adapter.stop()
        thread.join(10)
        api.stop()
    assert hello.text.startswith("Hello! I read the news")
    assert not thread.is_alive()


def test_an_outage_after_start_up_is_ridden_out_with_a_warning_per_failed_poll(
    bot_api: BotApiServer, news_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    adapter = adapter_at(bot_api.url, news_store, backoff=QUICK)
    with running(adapter):
        bot_api.down = True
        failed_polls = lambda: [  # noqa: E731
            r for r in caplog.records if r.getMessage().startswith("polling Telegram's Bot API")
        ]
        wait_for(lambda: len(failed_polls()) >= 2, 10, "no failed polls were logged")
        with pytest.raises(NetworkError):  # a send meanwhile fails, and is the outbox's to retry
            adapter.publish("1", Text("anyone there?"))
        bot_api.down = False
        bot_api.push_message(1, 1, "/start")
        [hello] = bot_api.wait_for_sends(1, timeout=15)
    assert hello.text.startswith("Hello! I read the news")
    assert "Bad Gateway" in failed_polls()[0].getMessage()
    assert [r for r in caplog.records if r.exc_info] == []  # one line each, no tracebacks


def test_stopping_during_an_outage_after_start_up_logs_no_traceback(
    bot_api: BotApiServer, news_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with running(adapter_at(bot_api.url, news_store)):
        bot_api.down = True
        wait_for(
            lambda: any("polling Telegram's Bot API" in r.getMessage() for r in caplog.records),
            10,
            "no failed polls were logged",
        )
    # Stopping confirms the handled updates with one more getUpdates, which fails too.
    assert any("could not confirm the last updates" in r.getMessage() for r in caplog.records)
    assert [r for r in caplog.records if r.exc_info] == []


def test_a_digest_sent_while_the_bot_api_is_unreachable_fails_fast_and_is_retried(
    news_store: Store, serving: list[tuple[TelegramAdapter, threading.Thread]]
) -> None:
    port = free_port()
    adapter = adapter_at(f"http://127.0.0.1:{port}/bot", news_store, backoff=QUICK)
    handler = adapter.handler
    outbox = Outbox(
        news_store, {"telegram": adapter}, handler.summary, policy=RetryPolicy(5, 0.1, 1.0)
    )
    handler.build_digest(handler.chat("telegram", "1"))
    [digest_id] = news_store.pending_digests()
    start(adapter, serving)

    began = time.monotonic()
    assert outbox.deliver(digest_id) == PENDING
    assert time.monotonic() - began < 2, "the send waited for the outage"
    [part] = news_store.parts(digest_id)
    assert part.attempts == 1 and part.next_attempt_at is not None
    assert PlatformUnavailable.__name__ in (part.last_error or "")

    api = BotApiServer(port).start()
    try:
        assert adapter.wait_until_ready(10)
        time.sleep(0.2)  # the retry is due
        assert outbox.deliver(digest_id) == SENT
    finally:
        api.stop()
    [sent] = api.sent
    assert sent.chat_id == 1 and sent.text.startswith("<b>Your digest: ")


def test_stopping_while_waiting_to_retry_is_prompt(
    news_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.adapters.telegram")
    adapter = adapter_at(
        f"http://127.0.0.1:{free_port()}/bot", news_store, backoff=Backoff(first=30, cap=60)
    )
    thread = threading.Thread(target=adapter.serve, daemon=True)
    thread.start()
    wait_for(lambda: retry_warnings(caplog), 10, "the first attempt did not fail")
    began = time.monotonic()
    adapter.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - began < 1.5


def test_stopping_while_an_attempt_hangs_is_prompt(news_store: Store) -> None:
    # A server that takes connections and never answers: getMe waits for its read timeout.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        adapter = adapter_at(f"http://127.0.0.1:{port}/bot", news_store, backoff=QUICK)
        thread = threading.Thread(target=adapter.serve, daemon=True)
        thread.start()
        time.sleep(0.5)
        began = time.monotonic()
        adapter.stop()
        thread.join(5)
        assert not thread.is_alive()
        assert time.monotonic() - began < 1.5


def test_a_refused_token_ends_serve_with_a_sentence_and_no_retry(
    bot_api: BotApiServer, news_store: Store
) -> None:
    bot_api.refuse_token = True
    token = "4242:REVOKED-token"
    adapter = adapter_at(bot_api.url, news_store, token=token, backoff=QUICK)
    with pytest.raises(InvalidCredentials) as refused:
        adapter.serve()
    assert str(refused.value) == "Telegram refused the bot token"
    assert refused.value.setting == "telegram_bot_token"
    assert "BotFather" in refused.value.advice
    assert token not in str(refused.value) and refused.value.__suppress_context__
    assert bot_api.methods() == ["getMe"]
    with pytest.raises(PlatformUnavailable):
        adapter.publish("1", Text("anyone there?"))


@pytest.mark.parametrize("token", ["4242:TEST\n", "4242 TEST", "TEST"])
def test_a_malformed_token_is_refused_without_asking_telegram(
    bot_api: BotApiServer, news_store: Store, token: str
) -> None:
    adapter = adapter_at(bot_api.url, news_store, token=token)
    with pytest.raises(InvalidCredentials, match="malformed"):
        adapter.serve()
    assert bot_api.methods() == []
