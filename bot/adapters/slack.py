"""The Slack adapter: slack-bolt over HTTP (one workspace, or many through OAuth) or Socket Mode.

It only translates. `/news <sub> <args>` becomes the core's `/<sub> <args>`; a reply in the
thread of a digest, or an @mention there, becomes a question about that digest; a More button
becomes `/more <n>`, a Follow button `/subscribe "<phrase>"`. The core's replies come back as
Block Kit (`slack_blocks`).

A Slack chat id is `<team id>:<channel id>` (e.g. `T0123:C0456`), so that one database can
serve many workspaces and a scheduled digest knows which workspace's token to use (ids and
text are read in `slack_text`). A user's own chat is their direct-message channel with the
bot; the Home tab shows its settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters.slack_blocks import (
    COMMAND,
    FOLLOW_ACTION,
    MORE_ACTION,
    NOT_IN_CHANNEL,
    HomeState,
    SlackMessage,
    digest_messages,
    home_view,
    parse_more_value,
    render,
)
from bot.adapters.slack_config import (
    EVENTS_PATH,
    INSTALL_PATH,
    REDIRECT_PATH,
    SlackConfig,
    bolt_app,
)
from bot.adapters.slack_text import chat_id, core_text, plain_text, split_chat_id
from bot.core import messages
from bot.core.commands import CommandHandler, Message
from bot.core.delivery import ChatUnreachable
from bot.core.digest import Digest, load_digest
from bot.core.replies import DigestReply, Reply
from bot.core.trending import topic_of

if TYPE_CHECKING:
    from bot.bootstrap import App as BotApp

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Errors of chat.postMessage that mean the bot is not (and cannot be) in the channel.
_NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived"}
# ... or that the workspace removed the app: trying again would not help either.
_UNREACHABLE = _NOT_IN_CHANNEL | {"account_inactive", "token_revoked"}


class _Pacer:
    """Spaces the messages to each channel `interval` seconds apart; waits, never drops."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, now))
            self._next[channel] = slot + self.interval
            if len(self._next) > 10_000:
                self._next = {c: t for c, t in self._next.items() if t > now}
        if slot > now:
            time.sleep(slot - now)


class SlackAdapter:
    """Serves one Slack app (HTTP or Socket Mode) with the core's command handler.

    `serve` blocks until `stop`; an adapter serves once.
    """

    platform = PLATFORM

    def __init__(
        self, handler: CommandHandler, config: SlackConfig, *, receive: bool = True
    ) -> None:
        config.check()
        self.handler = handler
        # False: a process that only sends (a worker): no requests, no Socket Mode.
        self.receive = receive
        self.store = handler.store
        self.config = config
        self._pacer = _Pacer(config.post_interval)
        # Bolt runs listeners (and their slow part, after the ack) here; `serve` waits for
        # them when it ends, so nothing in flight is lost.
        self._executor = ThreadPoolExecutor(max_workers=10, thread_name_prefix="slack")
        self.bolt, self.installation_store = bolt_app(config, self.store.engine, self._executor)
        self._register(self.bolt)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ready = threading.Event()

    @classmethod
    def from_settings(cls, app: BotApp, *, receive: bool = True) -> SlackAdapter:
        """The adapter the settings describe (`slack_config` says how the mode is chosen)."""
        return cls(app.handler, SlackConfig.from_settings(app.settings), receive=receive)

    # Wiring

    def _register(self, app: App) -> None:
        # Slash commands and buttons must be acknowledged within 3 seconds: the ack goes
        # back at once, the work runs afterwards (a lazy listener) and answers by itself.
        app.command(COMMAND)(ack=_acknowledge, lazy=[self._on_command])
        app.action(MORE_ACTION)(ack=_acknowledge, lazy=[self._on_more])
        app.action(FOLLOW_ACTION)(ack=_acknowledge, lazy=[self._on_follow])
        # Events are acknowledged by Bolt before their listener runs.
        app.event("app_mention")(self._on_mention)
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home_opened)

    # Serving

    def serve(self) -> None:
        """Serve until `stop`: over HTTP, the web front brings Slack's requests (`routes`);
        in Socket Mode, a connection to Slack does."""
        try:
            if self.config.mode == "socket" and self.receive:
                self._serve_socket_mode()
            else:
                if self.receive:
                    log.info("Slack (%s): taking requests at %s", self.config.mode, EVENTS_PATH)
                self._ready.set()
                self._stopping.wait()
        finally:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def routes(self) -> list[BaseRoute]:
        """The web front's routes for Slack's requests (none in Socket Mode): events,
        commands and buttons at Bolt's path, and the OAuth install pages."""
        if self.config.mode == "socket" or not self.receive:
            return []
        found: list[BaseRoute] = [Route(EVENTS_PATH, self._on_request, methods=["POST"])]
        if self.config.mode == "oauth":
            found += [Route(path, self._on_oauth_page) for path in (INSTALL_PATH, REDIRECT_PATH)]
        return found

    async def _on_request(self, request: Request) -> Response:
        # Bolt checks the signature, acknowledges, and hands the work on (lazy listeners, on
        # its executor); in a thread of the front's pool, so that the loop keeps taking
        # requests meanwhile.
        body = await request.body()
        if self._stopping.is_set():
            return PlainTextResponse("stopping", status_code=503)
        response = await run_in_threadpool(self.bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    async def _on_oauth_page(self, request: Request) -> Response:
        flow = self.bolt.oauth_flow
        assert flow is not None
        bolt_request = to_bolt_request(request, await request.body())
        if request.url.path == flow.install_path:
            response = await run_in_threadpool(flow.handle_installation, bolt_request)
        else:
            response = await run_in_threadpool(flow.handle_callback, bolt_request)
        return to_starlette_response(response)

    def _serve_socket_mode(self) -> None:
        assert self.config.app_token
        with self._lock:
            if self._stopping.is_set():
                return
            socket = SocketModeHandler(self.bolt, app_token=self.config.app_token)
        try:
            socket.connect()
            log.info("Slack (socket mode): connected")
            self._ready.set()
            self._stopping.wait()
        finally:
            socket.close()

    def wait_ready(self, timeout: float) -> bool:
        """True once `serve` takes requests (HTTP) or is connected (Socket Mode)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """End `serve` promptly; work already acknowledged is finished first."""
        with self._lock:
            self._stopping.set()

    # Sending

    def publish(self, chat_id: str, reply: Reply) -> None:
        """Send a reply the bot starts itself (a scheduled digest) to a chat."""
        team, channel = split_chat_id(chat_id)
        self._send(self._client_for(team), chat_id, channel, reply)

    def parts(self, digest: Digest) -> list[dict[str, Any]]:
        """A digest as Slack messages (`chat.postMessage` arguments), for the outbox."""
        return [message.arguments() for message in digest_messages(digest)]

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str:
        """Post one message of the outbox; its ts. ChatUnreachable when the bot cannot post
        there (not in the channel, or the workspace removed the app)."""
        team, channel = split_chat_id(chat_id)
        message = SlackMessage(payload["text"], tuple(payload.get("blocks") or ()))
        try:
            return self._post(self._client_for(team), channel, message)
        except LookupError as error:
            raise ChatUnreachable(str(error)) from error
        except SlackApiError as error:
            code = error.response.get("error")
            if code in _UNREACHABLE:
                raise ChatUnreachable(f"Slack answered {code}") from error
            raise

    def _client_for(self, team: str) -> WebClient:
        """The app's client, or with many workspaces one with that workspace's bot token."""
        if self.installation_store is None:
            return self.bolt.client
        bot = self.installation_store.find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            raise LookupError(f"no Slack installation for team {team}")
        return self.config.web_client(bot.bot_token)

    def _post(
        self, client: WebClient, channel: str, message: SlackMessage, thread_ts: str | None = None
    ) -> str:
        """Post one message, paced per channel; its ts. A 429 is retried by the client."""
        self._pacer.wait(channel)
        response = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.arguments(),
        )
        return str(response["ts"])

    def _send(
        self,
        client: WebClient,
        chat: str,
        channel: str,
        reply: Reply,
        thread_ts: str | None = None,
    ) -> None:
        """Post a reply in a channel (or a thread of it). Stored digests go out through the
        outbox, which also remembers their messages; a digest is never put in a thread."""
        if isinstance(reply, DigestReply) and reply.delivered:
            return
        thread = None if isinstance(reply, DigestReply) else thread_ts
        for message in render(reply):
            self._post(client, channel, message, thread)

    # Translating what Slack sends

    def _message(
        self, context: BoltContext, channel: str, user: str, text: str, digest_id: int | None = None
    ) -> Message:
        return Message(
            platform=PLATFORM,
            chat_id=self._chat_of(context, channel),
            text=text,
            user_id=user,
            can_change_settings=self._may_change_settings(user, channel),
            digest_id=digest_id,
        )

    @staticmethod
    def _chat_of(context: BoltContext, channel: str) -> str:
        team = context.team_id or context.enterprise_id or ""
        return chat_id(team, channel)

    def _may_change_settings(self, user: str, channel: str) -> bool:
        """Everyone when no admins are configured; else only they, except in a user's own
        direct messages with the bot."""
        admins = self.config.admins
        return not admins or user in admins or channel.startswith("D")

    def _digest_of_thread(self, chat: str, thread_ts: str | None) -> int | None:
        if not thread_ts:
            return None
        return self.store.digest_of_message(PLATFORM, chat, thread_ts)

    def _on_command(
        self, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        with _apologising(respond, "the command", command.get("channel_id")):
            self._command(command, context, client, respond)

    def _command(
        self, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        channel = command["channel_id"]
        message = self._message(
            context, channel, command["user_id"], core_text(command.get("text", ""))
        )
        reply = self.handler.handle(message)
        if not isinstance(reply, DigestReply) or reply.digest.empty:
            # Answers are for the one who asked; only a digest goes to the whole channel.
            for part in render(reply):
                respond(response_type="ephemeral", **part.arguments())
            return
        try:
            self._send(client, message.chat_id, channel, reply)
            # The outbox marks a chat it cannot post to as inactive.
            reached = not reply.delivered or self.handler.chat(PLATFORM, message.chat_id).active
        except SlackApiError as error:
            if error.response.get("error") not in _NOT_IN_CHANNEL:
                raise
            reached = False
        if not reached:
            # The bot is not in the channel: show the digest there anyway, once, and say
            # how to make follow-ups work.
            for part in render(reply):
                respond(response_type="in_channel", **part.arguments())
            respond(response_type="ephemeral", text=NOT_IN_CHANNEL)

    def _on_more(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond,
    ) -> None:
        try:
            digest_id, number = parse_more_value(action.get("value", ""))
        except ValueError:
            log.warning("ignored a More button with the value %r", action.get("value"))
            return
        channel = body["channel"]["id"]
        message = self._message(
            context, channel, body["user"]["id"], f"/more {number}", digest_id=digest_id
        )
        with _apologising(respond, "the More button", channel):
            reply = self.handler.handle(message)
            posted = body.get("message") or {}
            thread = posted.get("thread_ts") or posted.get("ts")
            if thread and not (body.get("container") or {}).get("is_ephemeral"):
                try:
                    self._send(client, message.chat_id, channel, reply, thread_ts=thread)
                    return
                except SlackApiError as error:
                    if error.response.get("error") not in _NOT_IN_CHANNEL:
                        raise
            for part in render(reply):
                respond(response_type="ephemeral", replace_original=False, **part.arguments())

    def _on_follow(
        self, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond
    ) -> None:
        """A Follow button: `/subscribe "<phrase>"`, as typed by whoever pressed it."""
        channel = body["channel"]["id"]
        text = f"/subscribe {topic_of(action.get('value', ''))}"
        message = self._message(context, channel, body["user"]["id"], text)
        with _apologising(respond, "the Follow button", channel):
            for part in render(self.handler.handle(message)):
                respond(response_type="ephemeral", replace_original=False, **part.arguments())

    def _on_mention(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        channel = event["channel"]
        chat = self._chat_of(context, channel)
        thread = event.get("thread_ts")
        text = plain_text(event.get("text", "")) or "/help"
        message = self._message(
            context, channel, event.get("user", ""), text, self._digest_of_thread(chat, thread)
        )
        self._send(client, chat, channel, self.handler.handle(message), thread or event["ts"])

    def _on_message(self, event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """A reply in a digest's thread, or a direct message: a question (or a command)."""
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        channel = event["channel"]
        direct = event.get("channel_type") == "im" or channel.startswith("D")
        text = event.get("text") or ""
        if not direct and context.bot_user_id and f"<@{context.bot_user_id}" in text:
            return  # an @mention: app_mention answers it
        chat = self._chat_of(context, channel)
        thread = event.get("thread_ts")
        digest_id = self._digest_of_thread(chat, thread)
        if digest_id is None and not direct:
            return  # the channel's own conversation, not addressed to the bot
        text = plain_text(text)
        if not text:
            return
        message = self._message(context, channel, event["user"], text, digest_id)
        self._send(client, chat, channel, self.handler.handle(message), thread)

    def _on_home_opened(
        self, event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        if event.get("tab") != "home":
            return
        channel = event.get("channel")
        state = self._home_state(self._chat_of(context, channel)) if channel else HomeState()
        client.views_publish(user_id=event["user"], view=home_view(state))

    def _home_state(self, chat_key: str) -> HomeState:
        """The user's own chat as the Home tab shows it; opening the tab creates no chat."""
        chat = next((c for c in self.store.chats(PLATFORM) if c.platform_chat_id == chat_key), None)
        if chat is None:
            return HomeState()
        last = self.store.last_digest(chat.id)
        # Headlines only: the Home tab shows no summaries.
        digest = load_digest(self.store, last.id, lambda _: ()) if last else None
        return HomeState(
            topics=tuple(self.store.topics(chat.id)),
            digest_time=chat.digest_time,
            timezone=chat.timezone,
            paused=chat.paused,
            last_digest_at=last.created_at if last else None,
            last_stories=digest.stories if digest else (),
        )


def _acknowledge(ack: Ack) -> None:
    ack()


@contextmanager
def _apologising(respond: Respond, what: str, channel: str | None) -> Iterator[None]:
    """Log what failed after the ack, with the channel, and tell the user in a sentence."""
    try:
        yield
    except Exception:
        log.exception("Slack: %s failed in channel %s", what, channel)
        try:
            respond(response_type="ephemeral", text=messages.APOLOGY)
        except Exception:
            log.exception("Slack: could not tell channel %s that %s failed", channel, what)
