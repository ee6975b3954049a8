"""How the Telegram adapter reaches the Bot API: its address, the token's format, the backoff
between attempts to reconnect, the flood limits on sending, and the log filter that makes
python-telegram-bot's note of an outage one line.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter

# The adapter's logger, not this module's: everything about Telegram is configured in one place.
log = logging.getLogger("bot.adapters.telegram")

# What @BotFather hands out: the bot's numeric id, a colon, a URL-safe secret. Anything else
# never works, and some of it (a stray newline from an env file) fails before Telegram could
# refuse it, which would look like a network fault and be retried for ever.
TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")
TOKEN_SETTING = "telegram_bot_token"
PUBLIC_BASE_URL = "https://api.telegram.org/bot"


class FloodLimiter(AIORateLimiter):
    """python-telegram-bot's limiter (overall and per-group rates, RetryAfter waited out),
    plus Telegram's limit for a private chat: about one message a second."""

    def __init__(self, *, private_chat_per_second: float = 1.0, **kwargs: Any) -> None:
        # A little under Telegram's 30 a second: requests that leave evenly spaced can
        # arrive bunched, and a 429 stalls every send until its retry_after has passed.
        kwargs.setdefault("overall_max_rate", 29.7)
        super().__init__(**kwargs)
        self._private_period = 1.0 / private_chat_per_second
        self._private: dict[int, AsyncLimiter] = {}

    async def process_request(
        self,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        sends = endpoint.startswith(("send", "edit", "copy", "forward"))
        if sends and isinstance(chat_id, int | str) and str(chat_id).isdigit():
            limiter = self._private.setdefault(int(chat_id), AsyncLimiter(1, self._private_period))
            async with limiter:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


@dataclass(frozen=True)
class Backoff:
    """How patiently the adapter reconnects: `first` seconds after the first failure, doubling
    up to `cap`. Each delay is shortened at random by up to a quarter, so that bots restarted
    together by one outage do not knock on the Bot API in step."""

    first: float = 1.0
    cap: float = 60.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` failed attempts in a row."""
        full = min(self.cap, self.first * 2.0 ** min(failures - 1, 64))
        return full * random.uniform(0.75, 1.0)


def file_url(base_url: str) -> str:
    """The file address that goes with a Bot API address (`…/bot` → `…/file/bot`)."""
    root = base_url.rstrip("/").removesuffix("/bot")
    return f"{root}/file/bot"


class _UnacknowledgedUpdates(logging.Filter):
    """Shortens python-telegram-bot's note that, stopping while the Bot API is out of reach,
    it could not confirm the updates already handled: a traceback for a known outcome."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Error while calling `get_updates` one more time"):
            error = record.exc_info[1] if record.exc_info else None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = "could not confirm the last updates to Telegram (%s): they may come again"
            record.args = (error,)
            record.exc_info, record.exc_text = None, None
        return True


def log_unacknowledged_updates() -> None:
    """Install the filter that shortens the note about unconfirmed updates (once)."""
    updater_log = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, _UnacknowledgedUpdates) for f in updater_log.filters):
        updater_log.addFilter(_UnacknowledgedUpdates())


def polling_failed(error: TelegramError) -> None:
    """The error callback of long polling: one warning line per failed poll."""
    # python-telegram-bot retries a failed poll itself, waiting longer each time (up to 30 s),
    # but would log every failure with a traceback: one line each is enough.
    log.warning("polling Telegram's Bot API failed (%s); retrying", error)
