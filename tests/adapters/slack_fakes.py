"""Slack's side of the adapter tests, on loopback: a fake Web API, signed requests, Socket Mode.

`FakeSlack` answers the Web API methods the bot calls (and `response_url` posts), records
every call and checks what a real workspace would refuse (an unknown token, blocks beyond
Slack's limits). `SlackSide` sends requests signed the way Slack signs them.
`FakeSocketMode` plays Slack's Socket Mode websocket.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

TEAM = "T111"
BOT_TOKEN = "xoxb-111-test-token"
BOT_USER = "UBOT"
SIGNING_SECRET = "test-signing-secret-0123456789"
APP_TOKEN = "xapp-1-A111-test-token"

# Block Kit limits, as Slack enforces them (api.slack.com/reference/block-kit).
_TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000}
_BLOCK_TYPES = {"section", "header", "context", "divider", "actions"}


def block_problems(blocks: list[dict[str, Any]], limit: int = 50) -> list[str]:
    """Why Slack would refuse these blocks (`invalid_blocks`); empty when they are fine."""
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks, more than {limit}")
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        problems.append("repeated block_id")
    for number, block in enumerate(blocks):
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            problems.append(f"block {number}: unknown type {kind!r}")
            continue
        texts = [block["text"]] if "text" in block else list(block.get("elements", []))
        if kind in _TEXT_LIMITS and not texts:
            problems.append(f"block {number}: {kind} without text")
        for text in texts:
            if not 1 <= len(text.get("text", "")) <= _TEXT_LIMITS.get(kind, 3000):
                problems.append(f"block {number}: {kind} text of {len(text.get('text', ''))}")
        button = block.get("accessory")
        if button is not None:
            if button.get("type") != "button" or not 1 <= len(button["text"]["text"]) <= 75:
                problems.append(f"block {number}: bad button")
            if len(button.get("value", "")) > 2000 or len(button.get("action_id", "")) > 255:
                problems.append(f"block {number}: button value or action_id too long")
    return problems


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int
    answer: dict[str, Any]

    @property
    def token(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ")


@dataclass(frozen=True)
class Team:
    """A workspace the fake knows a bot token of."""

    team_id: str
    bot_user_id: str = BOT_USER
    bot_id: str = "BBOT"


@dataclass
class _Canned:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """A fake Slack Web API on 127.0.0.1 that records each call; `url` is its base_url.

    Posts to `/respond/...` stand for `response_url`s.
    """

    def __init__(self, tokens: Mapping[str, Team] | None = None) -> None:
        self.tokens = dict(tokens if tokens is not None else {BOT_TOKEN: Team(TEAM)})
        self.not_member: set[str] = set()  # channels the bot is not in
        self.grants: dict[str, tuple[str, Team]] = {}  # OAuth code -> (bot token, team)
        self.socket_url = ""
        self.calls: list[Call] = []
        self._canned: dict[str, list[_Canned]] = {}
        self._ts = itertools.count(1)
        self._changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                path = urlsplit(self.path).path
                params = _parse(raw, self.headers.get("Content-Type", ""))
                headers = dict(self.headers)
                answer = fake._answer(path, params, headers)
                call = Call(path, params, headers, time.monotonic(), answer.status, answer.body)
                with fake._changed:
                    fake.calls.append(call)
                    fake._changed.notify_all()
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def respond_url(self, name: str = "1") -> str:
        return f"{self.url}respond/{name}"

    def answer_next(
        self, path: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next call of `path` (e.g. `/chat.postMessage`) this way, once."""
        self._canned.setdefault(path, []).append(_Canned(status, body, headers or {}))

    def calls_to(self, path: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls of `path` once there are `count` of them, or those there are at timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.path == path]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._changed.wait(left)

    # What Slack would answer

    def _answer(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> _Canned:
        canned = self._canned.get(path)
        if canned:
            return canned.pop(0)
        if path.startswith("/respond/"):
            return _Canned(200, {"ok": True})
        method = path.strip("/")
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return _error("invalid_auth")
            return _Canned(200, {"ok": True, "url": self.socket_url})
        team = self.tokens.get(token)
        if team is None:
            return _error("invalid_auth")
        if method == "auth.test":
            return _Canned(200, _auth_test(team))
        if method == "chat.postMessage":
            return self._post_message(params)
        if method == "views.publish":
            view = params.get("view") or {}
            if not params.get("user_id"):
                return _error("user_not_found")
            problems = block_problems(view.get("blocks", []), limit=100)
            return _error("invalid_blocks", problems) if problems else _Canned(200, {"ok": True})
        return _Canned(200, {"ok": True})

    def grant(self, code: str, token: str, team: Team) -> None:
        """Let the OAuth `code` install the app in `team` with the bot token `token`."""
        self.grants[code] = (token, team)
        self.tokens[token] = team

    def _oauth_access(self, params: dict[str, Any]) -> _Canned:
        granted = self.grants.pop(params.get("code", ""), None)
        if granted is None:
            return _error("invalid_code")
        token, team = granted
        return _Canned(
            200,
            {
                "ok": True,
                "app_id": "A111",
                "authed_user": {"id": "UINSTALLER"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": token,
                "bot_user_id": team.bot_user_id,
                "team": {"id": team.team_id, "name": "Installed"},
                "enterprise": None,
                "is_enterprise_install": False,
            },
        )

    def _post_message(self, params: dict[str, Any]) -> _Canned:
        channel = params.get("channel")
        if not channel:
            return _error("channel_not_found")
        if channel in self.not_member:
            return _error("not_in_channel")
        if not params.get("text") and not params.get("blocks"):
            return _error("no_text")
        problems = block_problems(params.get("blocks") or [])
        if problems:
            return _error("invalid_blocks", problems)
        ts = f"1700000000.{next(self._ts):06d}"
        message = {"type": "message", "text": params.get("text", ""), "ts": ts}
        return _Canned(200, {"ok": True, "channel": channel, "ts": ts, "message": message})


def _error(code: str, problems: list[str] | None = None) -> _Canned:
    body: dict[str, Any] = {"ok": False, "error": code}
    if problems:
        body["errors"] = problems
    return _Canned(200, body)


def _auth_test(team: Team) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://fake.slack.test/",
        "team": "Fake",
        "user": "newsdigest",
        "team_id": team.team_id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
    }


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return dict(json.loads(raw or "{}"))
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("blocks", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


# Signed requests, as Slack sends them


def signature_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class Response:
    status: int
    text: str
    seconds: float


class SlackSide:
    """Slack's side of the HTTP mode: signed requests to the app's request URL."""

    def __init__(self, host: str, port: int, secret: str = SIGNING_SECRET) -> None:
        self.host = host
        self.port = port
        self.secret = secret

    def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        path: str = "/slack/events",
    ) -> Response:
        headers = {
            "Content-Type": content_type,
            **signature_headers(secret or self.secret, body, timestamp),
        }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            started = time.monotonic()
            connection.request("POST", path, body.encode(), headers)
            response = connection.getresponse()
            text = response.read().decode()
            return Response(response.status, text, time.monotonic() - started)
        finally:
            connection.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[Response, Any]:
        """A browser's GET (the OAuth install pages): the response and its headers."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            started = time.monotonic()
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            text = response.read().decode()
            elapsed = time.monotonic() - started
            return Response(response.status, text, elapsed), response.headers
        finally:
            connection.close()

    def command(
        self,
        text: str,
        response_url: str,
        *,
        channel: str = "C123",
        user: str = "U123",
        team: str = TEAM,
        **signing: Any,
    ) -> Response:
        """`/news <text>` typed in `channel`."""
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "news",
            "user_id": user,
            "user_name": "someone",
            "command": "/news",
            "text": text,
            "api_app_id": "A111",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **signing)

    def event(self, event: dict[str, Any], *, team: str = TEAM, event_id: str = "") -> Response:
        envelope = event_envelope(event, team=team, event_id=event_id)
        return self.post(json.dumps(envelope), "application/json")

    def button(
        self,
        value: str,
        *,
        channel: str,
        message_ts: str,
        response_url: str,
        user: str = "U123",
        team: str = TEAM,
        action_id: str = "more",
    ) -> Response:
        """A click on a button (a More button unless `action_id` says otherwise) of the
        message `message_ts`."""
        payload = {
            "type": "block_actions",
            "team": {"id": team, "domain": "fake"},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A111",
            "token": "legacy",
            "trigger_id": "1.2.3",
            "channel": {"id": channel, "name": "news"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"type": "message", "ts": message_ts, "text": "digest"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "story",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        form = urlencode({"payload": json.dumps(payload)})
        return self.post(form, "application/x-www-form-urlencoded")


_event_ids = itertools.count(1)


def event_envelope(
    event: dict[str, Any], *, team: str = TEAM, event_id: str = ""
) -> dict[str, Any]:
    """An Events API envelope around `event`, as Slack posts it."""
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A111",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):06d}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
    }


class FakeSocketMode:
    """Slack's Socket Mode websocket on 127.0.0.1: says hello, sends the envelopes it is
    given, and collects what the app sends back (the acks)."""

    def __init__(self) -> None:
        self.outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self._server: Server = serve(self._session, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"
        self._thread = threading.Thread(target=self._server.serve_forever)

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def send(self, envelope: dict[str, Any]) -> None:
        self.outbox.put(envelope)

    def next_received(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.received.get(timeout=timeout)

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        self.connected.set()
        try:
            while True:
                with contextlib.suppress(queue.Empty):
                    connection.send(json.dumps(self.outbox.get_nowait()))
                try:
                    message = connection.recv(timeout=0.02)
                except TimeoutError:
                    continue
                self.received.put(json.loads(message))
        except ConnectionClosed:
            pass  # the client went away, with or without a close frame
