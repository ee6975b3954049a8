"""`newsdigest run` when Telegram is out of reach or refuses the token, in real processes: an
outage is waited out (the process stays up, then answers), a refused token is exit code 1
with a sentence naming TELEGRAM_BOT_TOKEN."""

from __future__ import annotations

import time
from pathlib import Path

from tests.adapters.conftest import free_port
from tests.adapters.telegram_fakes import BotApiServer
from tests.e2e.test_cli import env, newsdigest
from tests.e2e.test_faults import Bot, environment, wait_until

__all__ = ["env"]


def test_run_waits_out_an_unreachable_bot_api_then_answers_and_stops_with_0(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there until the API "comes back"
    env = environment(f"sqlite:///{tmp_path / 'bot.db'}")
    env.update(TELEGRAM_BOT_TOKEN="4242:TEST", TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot")
    log = tmp_path / "bot.log"
    bot = Bot(env, log)
    api: BotApiServer | None = None
    try:
        retries = lambda: log.read_text().count("retrying in")  # noqa: E731
        wait_until(lambda: retries() >= 2, 60, "no retries were logged")
        time.sleep(0.5)
        assert bot.process.poll() is None, log.read_text()
        api = BotApiServer(port).start()
        api.push_message(1, 1, "/start")
        [hello] = api.wait_for_sends(1, timeout=20)
    finally:
        code = bot.stop() if bot.process.poll() is None else bot.process.returncode
        if api is not None:
            api.stop()
    output = log.read_text()
    assert hello.text.startswith("Hello! I read the news")
    assert code == 0, output[-3000:]
    assert "cannot reach Telegram's Bot API" in output
    assert "Traceback" not in output and "Event loop is closed" not in output


def test_run_with_a_refused_token_exits_1_naming_the_variable_not_the_token(
    env: dict[str, str],
) -> None:
    api = BotApiServer().start()
    api.refuse_token = True
    token = "4242:REVOKED-SECRET-VALUE"
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=api.url)
    try:
        result = newsdigest("run", env=env)
    finally:
        api.stop()
    assert result.returncode == 1, result.stderr[-3000:]
    assert (
        "Telegram refused the bot token (TELEGRAM_BOT_TOKEN): check it with @BotFather."
        in result.stderr
    )
    assert token not in result.stdout + result.stderr
    assert "REVOKED-SECRET" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Event loop is closed" not in result.stderr
    assert api.methods() == ["getMe"]  # no retry


def test_sigterm_while_waiting_to_reach_the_bot_api_stops_promptly_with_0(
    tmp_path: Path,
) -> None:
    env = environment(f"sqlite:///{tmp_path / 'bot.db'}")
    env.update(
        TELEGRAM_BOT_TOKEN="4242:TEST", TELEGRAM_BASE_URL=f"http://127.0.0.1:{free_port()}/bot"
    )
    log = tmp_path / "bot.log"
    bot = Bot(env, log)
    try:
        # The third wait is the first longer than stopping may take (3 to 4 seconds).
        wait_until(lambda: log.read_text().count("retrying in") >= 3, 60, "too few retries")
    finally:
        began = time.monotonic()
        code = bot.stop()
    took = time.monotonic() - began
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert took < 2.5, output[-3000:]
    assert output.rstrip().endswith("Stopped.")
    assert "Traceback" not in output
