"""Test doubles that speak the Telegram Bot API over real HTTP on loopback.

- `EmulatorRequest`: python-telegram-bot's HTTPX request class, with the answers of the
  `telegram-test-api` emulator normalised to what the real Bot API returns.
- `EmulatorClient`: the emulator's client API — a user typing, pressing buttons, replying.
- `BotApiServer`: the project's own small Bot API server, for what the emulator cannot do:
  group members and admins, 429 with retry_after, 403 Forbidden, flood limits.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx
from telegram.request import HTTPXRequest

EMULATOR_BOT = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}
# Bot API methods the emulator does not implement (it answers 500): answered as the API would.
_UNIMPLEMENTED = {"setMyCommands", "deleteMyCommands", "sendChatAction", "setChatMenuButton"}
# Methods the emulator answers with `result: null` where the API answers `true`.
_TRUE_NOT_NULL = {"answerCallbackQuery", "setWebhook", "deleteWebhook", "deleteMessage"}
_MESSAGE_FIELDS = {"message_id", "date", "chat", "text", "entities", "reply_markup"}


class EmulatorRequest(HTTPXRequest):
    """HTTPXRequest that turns the emulator's answers into Bot API answers."""

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint in _UNIMPLEMENTED:
            return 200, b'{"ok": true, "result": true}'
        code, body = await super().do_request(url, method, request_data, *args, **kwargs)
        try:
            payload = json.loads(body)
        except ValueError:
            return code, body
        result = payload.get("result")
        if endpoint in _TRUE_NOT_NULL and payload.get("ok") and result is None:
            payload["result"] = True
        elif endpoint == "getMe" and isinstance(result, dict):
            result.setdefault("is_bot", True)
        elif endpoint == "sendMessage" and isinstance(result, dict):
            # The emulator echoes the request's own fields, with a date in milliseconds.
            message = {k: v for k, v in result.items() if k in _MESSAGE_FIELDS}
            message["date"] = int(message.get("date", time.time() * 1000)) // 1000
            message["from"] = EMULATOR_BOT
            payload["result"] = message
        elif endpoint == "getUpdates" and isinstance(result, list):
            for update in result:
                if "callback_query" in update:
                    update["callback_query"].setdefault("chat_instance", "emulator")
        return code, json.dumps(payload).encode()


class EmulatorClient:
    """A Telegram user in one chat, talking to the bot through the emulator."""

    def __init__(self, api_url: str, token: str, chat_id: int = 1, user_id: int = 1) -> None:
        self.token = token
        self.chat_id = chat_id
        self.user_id = user_id
        self.http = httpx.Client(base_url=api_url, timeout=10)
        self._seen = 0

    def close(self) -> None:
        self.http.close()

    def _fields(self) -> dict[str, Any]:
        return {
            "botToken": self.token,
            "date": int(time.time()),
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Reader"},
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Reader"},
        }

    def command(self, text: str) -> None:
        length = len(text.split(maxsplit=1)[0])
        body = {**self._fields(), "text": text}
        body["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        self.http.post("/sendCommand", json=body).raise_for_status()

    def say(self, text: str, reply_to: dict[str, Any] | None = None) -> None:
        body = {**self._fields(), "text": text}
        if reply_to is not None:
            body["reply_to_message"] = {
                "message_id": reply_to["message_id"],
                "date": int(time.time()),
                "chat": body["chat"],
                "from": EMULATOR_BOT,
                "text": reply_to.get("text", ""),
            }
        self.http.post("/sendMessage", json=body).raise_for_status()

    def press(self, data: str, message: dict[str, Any]) -> None:
        fields = self._fields()
        pressed = {
            "message_id": message["message_id"],
            "date": fields["date"],
            "chat": fields["chat"],
            "from": EMULATOR_BOT,
        }
        body = {**fields, "message": pressed, "data": data}
        self.http.post("/sendCallback", json=body).raise_for_status()

    def replies(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The bot's next `count` messages in this chat (the message, with its id)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            answer = self.http.post(
                "/getUpdates", json={"token": self.token, "chatId": self.chat_id}
            ).json()
            for update in answer["result"]:
                got.append({**update["message"], "message_id": update["messageId"]})
            if len(got) >= count:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(got)} of {count} bot messages arrived: {got}")
            time.sleep(0.05)
        return got


def _message_result(
    chat_id: int, text: str, message_id: int, bot: dict[str, Any]
) -> dict[str, Any]:
    chat_type = "private" if chat_id > 0 else "group"
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, "title": "g"}
        if chat_id < 0
        else {"id": chat_id, "type": chat_type, "first_name": "Reader"},
        "from": bot,
        "text": text,
    }


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a bot stopping its long poll) is not an error.
        pass


@dataclass
class Sent:
    """A message the bot sent, as the server saw it."""

    chat_id: int
    text: str
    at: float
    params: dict[str, Any] = field(default_factory=dict)


class BotApiServer:
    """A small Bot API on 127.0.0.1 that records what the bot does and misbehaves on demand.

    - `updates`: queue updates for getUpdates (`push_message`).
    - `admins`: user ids that getChatMember reports as the group's creator.
    - `retry_after[chat_id] = (times, seconds)`: the next `times` sends to that chat get 429.
    - `blocked`: chat ids whose sends get 403 Forbidden.
    - `faults[chat_id]`: what the next sends to that chat meet, in turn: "429" (retry after
      one second), "500", or "timeout" (no answer in time; the message is not delivered).
    - `limits = (overall per second, per private chat per second, per group per minute)`:
      enforced as token buckets holding one period's worth; a send over them gets 429.
    - `refuse_token`: every call gets 401 Unauthorized, as for a revoked token.
    - `down`: every call gets 502 Bad Gateway, as from a proxy whose Telegram is out of reach.
    - `port`: where to listen (by default a free one), e.g. where the bot already knocks.
    """

    BOT: ClassVar[dict[str, Any]] = {
        "id": 4242,
        "is_bot": True,
        "first_name": "Digest",
        "username": "digest_test_bot",
    }

    def __init__(self, port: int = 0) -> None:
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.admins: set[int] = set()
        self.blocked: set[int] = set()
        self.retry_after: dict[int, tuple[int, int]] = {}
        self.faults: dict[int, list[str]] = {}
        self.timeout_seconds = 2.0
        self.limits: tuple[float, float, float] | None = None
        self.too_many = 0
        self.refuse_token = False
        self.down = False
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def start(self) -> BotApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def push_message(
        self, chat_id: int, user_id: int, text: str, *, reply_to: int | None = None
    ) -> None:
        chat = (
            {"id": chat_id, "type": "group", "title": "News room"}
            if chat_id < 0
            else {"id": chat_id, "type": "private", "first_name": "Reader"}
        )
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Reader"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        if reply_to is not None:
            message["reply_to_message"] = _message_result(chat_id, "", reply_to, self.BOT)
        with self._lock:
            self._updates.append({"update_id": next(self._update_ids), "message": message})

    def methods(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.calls]

    def wait_for_sends(self, count: int, timeout: float = 10.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.sent) >= count:
                    return list(self.sent)
            time.sleep(0.02)
        raise TimeoutError(f"{len(self.sent)} of {count} messages were sent: {self.sent}")

    # The API

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, params))
        if self.refuse_token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if self.down:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if method == "getMe":
            return 200, {"ok": True, "result": self.BOT}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._take_updates(int(params.get("offset") or 0))}
        if method == "getChatMember":
            user = int(params["user_id"])
            status = "creator" if user in self.admins else "member"
            member = {
                "user": {"id": user, "is_bot": False, "first_name": "Reader"},
                "status": status,
            }
            if status == "creator":
                member["is_anonymous"] = False
            return 200, {"ok": True, "result": member}
        if method == "sendMessage":
            return self._send(params)
        return 200, {"ok": True, "result": True}

    def _take_updates(self, offset: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 0.1  # a short long poll, so stopping the bot is quick
        while True:
            with self._lock:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
                if self._updates or time.monotonic() > deadline:
                    return list(self._updates)
            time.sleep(0.01)

    def _send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"])
        now = time.monotonic()
        with self._lock:
            if chat_id in self.blocked:
                return 403, {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                }
            fault = self.faults[chat_id].pop(0) if self.faults.get(chat_id) else None
            if fault == "429":
                return 429, self._too_many(1)
            if fault == "500":
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if fault == "timeout":
            time.sleep(self.timeout_seconds)
            return 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        with self._lock:
            times, seconds = self.retry_after.get(chat_id, (0, 0))
            if times:
                self.retry_after[chat_id] = (times - 1, seconds)
                return 429, self._too_many(seconds)
            if self.limits and not self._within_limits(chat_id, now):
                self.too_many += 1
                return 429, self._too_many(1)
            self.sent.append(Sent(chat_id, str(params.get("text", "")), now, params))
            result = _message_result(
                chat_id, str(params.get("text", "")), next(self._message_ids), self.BOT
            )
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _too_many(seconds: int) -> dict[str, Any]:
        return {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {seconds}",
            "parameters": {"retry_after": seconds},
        }

    def _within_limits(self, chat_id: int, now: float) -> bool:
        assert self.limits is not None
        overall, per_chat, per_group_minute = self.limits
        buckets = [("all", overall, 1.0)]
        if chat_id < 0:
            buckets.append((f"chat{chat_id}", per_group_minute, 60.0))
        else:
            buckets.append((f"chat{chat_id}", per_chat, 1.0))
        # Token buckets holding one period's worth: `rate` messages, refilled at rate/period.
        levels = []
        for key, rate, period in buckets:
            level, last = self._buckets.get(key, (0.0, now))
            level = max(0.0, level - (now - last) * rate / period)
            if level + 1 > rate:
                return False
            levels.append((key, level))
        for key, level in levels:
            self._buckets[key] = (level + 1, now)
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go in separate writes: without this, Nagle's algorithm and
            # delayed ACKs hold each answer back ~40 ms on a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in self.headers.get("Content-Type", ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                code, body = api._answer(method, params)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
