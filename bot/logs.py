"""Logging: to stderr, one line per event, as text for a terminal (through rich) or as JSON
for a log collector (`NEWSDIGEST_LOG_FORMAT=json`: time, level, logger, message, and the
event's own fields such as `chat` and `platform`). Every secret of the settings is masked
wherever it would appear: in messages, in the URLs that HTTP libraries log (Telegram's Bot
API puts the token in every URL), in tracebacks."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from pythonjsonlogger.json import JsonFormatter

TEXT, JSON = "text", "json"
FORMATS = (TEXT, JSON)
# Their INFO lines are noise for an operator (httpx logs every request, procrastinate every
# job, uvicorn its start).
NOISY = ("alembic", "apscheduler", "httpx", "httpcore", "procrastinate", "uvicorn.error")


class Masks:
    """The secrets to mask, longest first so that a secret containing another is masked whole,
    each also as it reads inside a JSON string."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {s for s in secrets if len(s) >= 4}
        found |= {json.dumps(s)[1:-1] for s in found}
        self.secrets = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class Redacting(logging.Formatter):
    """The message (and traceback), with every secret masked."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(message)s")
        self.mask = Masks(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


class RedactingJson(JsonFormatter):
    """One JSON object per line, with every secret masked."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601, in UTC
        )
        self.mask = Masks(secrets)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message)
        log_data.pop("color_message", None)  # uvicorn's message again, with terminal colours

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


def configure_logging(level: str, secrets: Iterable[str] = (), form: str = TEXT) -> None:
    """Log to stderr in `form` (text or json), with every secret masked."""
    handler: logging.Handler
    if form == JSON:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingJson(secrets))
    else:
        from rich.console import Console
        from rich.logging import RichHandler

        # Plain tracebacks: they go through the formatter, so secrets are masked there too.
        handler = RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)
        handler.setFormatter(Redacting(secrets))
    logging.basicConfig(level=level, datefmt="[%X]", handlers=[handler], force=True)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
