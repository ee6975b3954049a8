"""The Telegram adapter (python-telegram-bot 22): updates in, the core's replies out as HTML.

It only translates. A message becomes a core `Message` (a reply to a digest carries that
digest's id; in groups, whether the sender may change settings comes from getChatMember);
the core's reply is rendered by `telegram_html` and sent within Telegram's flood limits.
Long polling by default; a webhook with a secret token (`telegram_webhook`) when a webhook
URL is configured.
An unreachable Bot API is waited out with backoff, at start-up as later; a refused token is
not, since no retry can fix it. The connection's pieces are in `telegram_connection`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from starlette.routing import BaseRoute
from telegram import (
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
    User,
)
from telegram import Message as TelegramMessage
from telegram.constants import ChatType, ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.adapters.base import InvalidCredentials, PlatformUnavailable
from bot.adapters.telegram_connection import (
    PUBLIC_BASE_URL,
    TOKEN_FORMAT,
    TOKEN_SETTING,
    Backoff,
    FloodLimiter,
    file_url,
    log_unacknowledged_updates,
    polling_failed,
)
from bot.adapters.telegram_html import Outgoing, button_command, digest_messages, render
from bot.adapters.telegram_webhook import Webhook, webhook_route
from bot.core.commands import COMMANDS, SETTINGS_COMMANDS, CommandHandler, Message, split_command
from bot.core.delivery import ChatUnreachable
from bot.core.digest import Digest
from bot.core.replies import DigestReply, Reply, Text
from bot.core.store import Store

# Opt in to python-telegram-bot's coming time-span type now (durations as timedelta); else
# every 429 from Telegram emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "telegram"
ADMIN_STATUSES = frozenset({"creator", "administrator"})
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
# How long a scheduled send may wait for its turn under the flood limits.
PUBLISH_TIMEOUT = 600.0
STARTUP_TIMEOUT = 60.0


def keyboard(part: Outgoing) -> InlineKeyboardMarkup | None:
    if not part.buttons:
        return None
    buttons = [InlineKeyboardButton(label, callback_data=data) for label, data in part.buttons]
    rows = [buttons[i : i + part.columns] for i in range(0, len(buttons), part.columns)]
    return InlineKeyboardMarkup(rows)


class TelegramAdapter:
    """Serves one Telegram bot."""

    platform = PLATFORM

    def __init__(
        self,
        handler: CommandHandler,
        store: Store,
        token: str,
        *,
        base_url: str = PUBLIC_BASE_URL,
        webhook: Webhook | None = None,
        request: Callable[[], BaseRequest] | None = None,
        limiter: AIORateLimiter | None = None,
        poll_interval: float = 0.0,
        backoff: Backoff | None = None,
        receive: bool = True,
    ) -> None:
        self.handler = handler
        # False: a process that only sends (a worker): no polling, no webhook, no menu.
        self.receive = receive
        self.store = store
        self.webhook = webhook
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff()
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .base_file_url(file_url(base_url))
            .rate_limiter(limiter or FloodLimiter(max_retries=5))
        )
        if request is not None:
            builder = builder.request(request()).get_updates_request(request())
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_handler(MessageHandler(filters.TEXT, self._on_message))
        self.application.add_error_handler(self._on_error)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        # Set once the first attempt to connect has ended either way: until then a send waits
        # for it; afterwards a send while disconnected fails at once.
        self._attempted = threading.Event()
        self._stop_requested = threading.Event()

    @classmethod
    def from_settings(cls, app: Any, *, receive: bool = True) -> TelegramAdapter:
        """The adapter for the bootstrapped app's settings (`receive`: updates too)."""
        settings = app.settings
        return cls(
            app.handler,
            app.store,
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            webhook=Webhook.from_settings(settings),
            receive=receive,
        )

    # Running

    def routes(self) -> list[BaseRoute]:
        """The web front's route for the webhook (none when polling), which hands updates to
        the application's loop once it takes them."""
        if self.webhook is None or not self.receive:
            return []
        loop = lambda: self._loop if self._ready.is_set() else None  # noqa: E731
        return [webhook_route(self.webhook, self.application, loop)]

    def serve(self) -> None:
        """Run until `stop`: long polling, or updates from the webhook (`routes`).

        While the Bot API cannot be reached (at start-up or later) it is retried with backoff
        and `serve` goes on; a token Telegram refuses, or one that cannot be a token, raises
        `InvalidCredentials`."""
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stop_requested.is_set():  # `stop` came before there was a loop to tell
            self._stopping.set()
        try:
            if not TOKEN_FORMAT.fullmatch(self.application.bot.token):
                raise InvalidCredentials(
                    "The Telegram bot token is malformed",
                    setting=TOKEN_SETTING,
                    advice="it looks like 123456789:AAbbCC-dd_ee; copy it again from @BotFather",
                )
            if await self._connect_with_retries():
                log.info("Telegram bot @%s is running", self.application.bot.username)
                self._ready.set()
                self._attempted.set()
                await self._stopping.wait()
        finally:
            self._ready.clear()
            self._attempted.set()
            try:
                await self._close()
            except Exception:
                log.exception("closing the Telegram connection failed")
            self._loop = None

    async def _connect_with_retries(self) -> bool:
        """Connect, retrying network failures with backoff until it works (True) or `stop`
        comes first (False)."""
        assert self._stopping is not None
        failures = 0
        while not self._stopping.is_set():
            try:
                return await self._unless_stopped(self._connect())
            except InvalidToken:
                # Not chained: python-telegram-bot's message quotes the token.
                raise InvalidCredentials(
                    "Telegram refused the bot token",
                    setting=TOKEN_SETTING,
                    advice="check it with @BotFather",
                ) from None
            except (NetworkError, RetryAfter) as error:
                failures += 1
                delay = self.backoff.delay(failures)
                if isinstance(error, RetryAfter):
                    wait = error.retry_after
                    seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                    delay = max(delay, seconds)
                log.warning(
                    "cannot reach Telegram's Bot API (%s); retrying in %.1f s", error, delay
                )
                self._attempted.set()
                if not await self._unless_stopped(asyncio.sleep(delay)):
                    return False
        return False

    async def _connect(self) -> None:
        """Check the token (getMe), set the command menu, start receiving updates."""
        application = self.application
        updater = application.updater
        assert updater is not None
        await application.initialize()
        if not self.receive:
            await application.start()
            return
        await application.bot.set_my_commands(
            [BotCommand(usage.split()[0].lstrip("/"), what) for usage, what in COMMANDS]
        )
        allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
        if self.webhook:
            # python-telegram-bot's custom-webhook pattern: the web front receives the updates
            # (`routes`) and puts them in the application's queue.
            await application.bot.set_webhook(
                url=self.webhook.url, secret_token=self.webhook.secret, allowed_updates=allowed
            )
        else:
            log_unacknowledged_updates()
            await updater.start_polling(
                poll_interval=self.poll_interval,
                timeout=10,
                allowed_updates=allowed,
                error_callback=polling_failed,
            )
        # Last, as python-telegram-bot's own run_polling does: nothing above is left to undo
        # when a step fails and the attempt is repeated.
        await application.start()

    async def _unless_stopped(self, work: Coroutine[Any, Any, Any]) -> bool:
        """Await `work` unless `stop` comes first and cancels it; whether it ran to the end."""
        assert self._stopping is not None
        task = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not task.done():
            task.cancel()
        await asyncio.wait({task, stopped})
        if task.cancelled():
            return False
        if stopped.done() and not stopped.cancelled():
            task.exception()  # marked as seen: whatever it was, stopping wins
            return False
        task.result()
        return True

    async def _close(self) -> None:
        """Stop receiving updates and close the HTTP clients, however far connecting got."""
        application = self.application
        updater = application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        # A getMe that failed leaves the application uninitialised, and its shutdown then
        # skips the bot, whose HTTP clients are open.
        await application.bot.shutdown()

    def stop(self) -> None:
        """Stop serving (from any thread), promptly even while reconnecting."""
        self._stop_requested.set()
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            # `serve` may have ended, closing its loop, since `_loop` was read: then there is
            # nothing left to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)

    def wait_until_ready(self, timeout: float = STARTUP_TIMEOUT) -> bool:
        return self._ready.wait(timeout)

    def publish(self, chat_id: str, reply: Reply) -> None:
        """Send a message the bot starts itself, from any thread."""
        self._call(self.send(int(chat_id), reply))

    # Sending

    def parts(self, digest: Digest) -> list[dict[str, Any]]:
        """A digest as Telegram messages (HTML and "More" buttons), for the outbox."""
        return [
            {"html": part.html, "buttons": [list(b) for b in part.buttons]}
            for part in digest_messages(digest)
        ]

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str:
        """Send one outbox message; its Telegram message id."""
        part = Outgoing(payload["html"], tuple((label, data) for label, data in payload["buttons"]))
        return str(self._call(self._send_part(int(chat_id), part)).message_id)

    async def _send_part(self, chat_id: int, part: Outgoing) -> TelegramMessage:
        try:
            return await self.application.bot.send_message(
                chat_id,
                part.html,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(part),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except Forbidden as error:
            raise ChatUnreachable(str(error)) from error

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the adapter's loop from another thread, and wait for it.

        While the Bot API cannot be reached this fails at once, rather than holding a sender
        for as long as the outage lasts."""
        self._attempted.wait(STARTUP_TIMEOUT)
        loop = self._loop
        if not self._ready.is_set() or loop is None:
            coroutine.close()
            raise PlatformUnavailable("the Telegram adapter is not connected to the Bot API")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(PUBLISH_TIMEOUT)

    async def send(
        self, chat_id: int, reply: Reply, *, reply_to: int | None = None
    ) -> list[TelegramMessage]:
        """Send a reply as one or more messages; a chat that blocked the bot is marked inactive.

        A stored digest goes out through the outbox, which also remembers its messages; one
        that reaches this point (a digest with nothing new) is just a reply."""
        sent: list[TelegramMessage] = []
        if isinstance(reply, DigestReply) and reply.delivered:
            return sent  # the outbox has sent it
        bot = self.application.bot
        for part in render(reply):
            try:
                message = await bot.send_message(
                    chat_id,
                    part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(part),
                    reply_parameters=ReplyParameters(reply_to) if reply_to and not sent else None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except Forbidden as error:
                log.warning("Telegram chat %s blocked or removed the bot: %s", chat_id, error)
                await asyncio.to_thread(self._deactivate, chat_id)
                return sent
            sent.append(message)
        return sent

    def _deactivate(self, chat_id: int) -> None:
        chat = self.handler.chat(PLATFORM, str(chat_id))
        self.store.update_chat(chat.id, active=False)

    # Receiving

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or message.text is None:
            return
        name, _ = split_command(message.text)
        head = message.text.split(maxsplit=1)[0]
        if name is not None and "@" in head:
            addressee = head.split("@", 1)[1]
            if addressee.lower() != (context.bot.username or "").lower():
                return  # a command for another bot in the same group
        digest_id = None
        if message.reply_to_message is not None:
            digest_id = await asyncio.to_thread(
                self.store.digest_of_message,
                PLATFORM,
                str(chat.id),
                str(message.reply_to_message.message_id),
            )
        group = chat.type in GROUPS
        if group and name is None and digest_id is None:
            return  # group conversation that is not addressed to the bot
        request = Message(
            PLATFORM,
            str(chat.id),
            message.text,
            user_id=str(user.id) if user else "",
            can_change_settings=await self._may_change(context, chat, user, name),
            digest_id=digest_id,
        )
        reply = await asyncio.to_thread(self.handler.handle, request)
        # Answers in groups, and answers to follow-ups, quote what they answer.
        quote = message.message_id if group or digest_id is not None else None
        await self.send(chat.id, reply, reply_to=quote)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        # Answered first, so the client's spinner stops whatever happens next.
        await query.answer()
        pressed = button_command(query.data or "")
        chat = update.effective_chat
        if pressed is None or chat is None:
            return
        text, digest_id = pressed
        # A Follow button subscribes the chat: in groups, only as an admin's typing would.
        may_change = await self._may_change(context, chat, query.from_user, split_command(text)[0])
        request = Message(PLATFORM, str(chat.id), text, user_id=str(query.from_user.id),
                          can_change_settings=may_change, digest_id=digest_id)  # fmt: skip
        reply = await asyncio.to_thread(self.handler.handle, request)
        await self.send(chat.id, reply)

    @staticmethod
    async def _may_change(
        context: ContextTypes.DEFAULT_TYPE, chat: Chat, user: User | None, command: str | None
    ) -> bool:
        """Whether `user` may use `command` here: settings commands in groups are for admins."""
        if chat.type not in GROUPS or command not in SETTINGS_COMMANDS or user is None:
            return True
        member = await context.bot.get_chat_member(chat.id, user.id)
        return member.status in ADMIN_STATUSES

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        log.error(
            "handling a Telegram update failed in chat %s",
            chat.id if chat else "?",
            exc_info=context.error,
        )
        if chat is not None and not isinstance(context.error, Forbidden):
            from bot.core import messages

            try:
                await self.send(chat.id, Text(messages.APOLOGY, error=True))
            except Exception:
                log.exception("could not apologise in chat %s", chat.id)
