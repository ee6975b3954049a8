"""Telegram's webhook, python-telegram-bot's custom-webhook way: Telegram posts each update to
the bot's web front, which checks its secret token and puts it in the application's update
queue (in the application's own event loop) before answering 200."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

log = logging.getLogger("bot.adapters.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: Telegram posts updates to `url` (the web front serves its path), each
    with this secret in its header (None: not checked)."""

    url: str
    secret: str | None

    @classmethod
    def from_settings(cls, settings: Any) -> Webhook | None:
        """The webhook the settings ask for, if any."""
        if not settings.telegram_webhook_url:
            return None
        secret = settings.telegram_webhook_secret
        # Every update must carry a secret: one is made up when none is configured.
        made = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        return cls(url=settings.telegram_webhook_url, secret=made)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def webhook_route(
    webhook: Webhook,
    application: Application[Any, Any, Any, Any, Any, Any],
    running_loop: Callable[[], asyncio.AbstractEventLoop | None],
) -> Route:
    """The route that takes the updates posted to `webhook` into `application`, whose loop
    `running_loop` gives once it takes updates (None until then: 503, and Telegram tries
    again later)."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER)
        if webhook.secret is not None and not (
            given and hmac.compare_digest(given.encode(), webhook.secret.encode())
        ):
            which = "a wrong" if given else "no"
            log.warning("refused a webhook update (403): it had %s secret token", which)
            return Response(status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return PlainTextResponse("not a Telegram update", status_code=400)
        loop = running_loop()
        if loop is None:
            return Response(status_code=503)
        queued = asyncio.run_coroutine_threadsafe(application.update_queue.put(update), loop)
        await asyncio.wrap_future(queued)
        return Response(status_code=200)

    return Route(webhook.path, receive, methods=["POST"])
