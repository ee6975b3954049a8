"""The web front's own routes, on each store: `/healthz` says what is wrong when something is,
`/metrics` counts what the outbox sent and reads what waits from the store; and the front
listens only when a port is set or an adapter takes requests over HTTP."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute, Route

import bot.runner
from bot.adapters.console import ConsoleAdapter
from bot.core.commands import CommandHandler, Options
from bot.core.database import make_engine
from bot.core.delivery import Outbox
from bot.core.store import Store
from bot.runner import web_front
from bot.web.health import LEADER, STANDBY, STOPPED, Checks, routes
from tests.adapters.conftest import free_port
from tests.contract.test_delivery import FakeSender, digest_for
from tests.contract.test_delivery import handler as handler
from tests.fronts import front_serving


def health(checks: Checks) -> httpx.Response:
    with front_serving(routes(checks)) as front:
        host, port = front.address
        return httpx.get(f"http://{host}:{port}/healthz")


def sample(text: str, name: str) -> float:
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    assert values, f"{name} is not in /metrics"
    return values[0]


def test_healthz_is_200_when_the_database_answers_and_the_scheduler_runs(store: Store) -> None:
    answer = health(Checks(store, scheduler=lambda: LEADER, senders=lambda: 0.5))
    assert answer.status_code == 200
    assert answer.json() == {
        "ok": True,
        "checks": {"database": "ok", "scheduler": "ok", "role": "leader", "senders": "ok"},
    }


def test_a_standby_process_is_healthy_and_says_so(store: Store) -> None:
    answer = health(Checks(store, scheduler=lambda: STANDBY))
    assert answer.status_code == 200 and answer.json()["checks"]["role"] == "standby"


def test_healthz_is_503_naming_an_unreachable_database() -> None:
    port = free_port()  # nothing listens there
    unreachable = Store(make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none"))
    answer = health(Checks(unreachable))
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("unreachable")


def test_healthz_is_503_when_the_scheduler_stopped(store: Store) -> None:
    answer = health(Checks(store, scheduler=lambda: STOPPED))
    assert answer.status_code == 503
    assert answer.json()["checks"]["scheduler"] == "not running"


class BlockingSender(FakeSender):
    """A platform whose sends hang until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str:
        self.entered.set()
        self.release.wait(30)
        return super().send_part(chat_id, payload)


def test_a_sender_stuck_in_a_send_makes_healthz_503(store: Store, handler: CommandHandler) -> None:
    digest_for(handler)
    sender = BlockingSender()
    outbox = Outbox(store, {"test": sender}, handler.summary)
    stop = threading.Event()
    thread = threading.Thread(target=outbox.run, args=(0, 1, stop), daemon=True)
    thread.start()
    try:
        assert sender.entered.wait(10)
        checks = Checks(store, senders=outbox.idle_for, stuck_after=0.3)
        threading.Event().wait(0.5)
        stuck = health(checks)
    finally:
        stop.set()
        sender.release.set()
        thread.join(10)
    assert stuck.status_code == 503
    assert stuck.json()["checks"]["senders"].startswith("stuck for")
    assert outbox.idle_for() is None  # no sender runs any more


def test_metrics_count_messages_sent_and_read_pending_deliveries_from_the_store(
    store: Store, handler: CommandHandler
) -> None:
    sender = FakeSender()
    outbox = Outbox(store, {"test": sender}, handler.summary)
    digest_id = digest_for(handler)
    with front_serving(routes(Checks(store))) as front:
        host, port = front.address
        before = httpx.get(f"http://{host}:{port}/metrics").text
        assert outbox.deliver(digest_id) == "sent"
        after = httpx.get(f"http://{host}:{port}/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    assert sample(before, "newsdigest_pending_deliveries") == 1
    assert sample(after.text, "newsdigest_pending_deliveries") == 0
    sent = 'newsdigest_messages_sent_total{platform="test"}'
    assert sample(after.text, sent) - (sample(before, sent) if sent in before else 0) == 3
    assert sample(after.text, 'newsdigest_outbox_messages{state="sent"}') == 3
    assert 'newsdigest_send_seconds_count{platform="test"}' in after.text


def settings(port: int | None) -> Any:
    return SimpleNamespace(settings=SimpleNamespace(host="127.0.0.1", port=port))


class HttpAdapter:
    """An adapter that takes requests over HTTP (as Slack over HTTP or a webhook does)."""

    platform = "http-test"

    def routes(self) -> list[BaseRoute]:
        return [Route("/hook", lambda request: None, methods=["POST"])]


def test_the_front_listens_only_when_a_port_is_set_or_an_adapter_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    console = ConsoleAdapter(CommandHandler(store, Options()), io.StringIO(), io.StringIO())
    checks = Checks(store)
    assert web_front(settings(None), [console], checks) is None  # plain `make run`

    port = free_port()
    front = web_front(settings(port), [console], checks)
    assert front is not None and front.address == ("127.0.0.1", port)
    front.stop()
    front.serve()  # stopped before it served: returns at once, closing its socket

    default = free_port()
    monkeypatch.setattr(bot.runner, "DEFAULT_PORT", default)
    needed = web_front(settings(None), [HttpAdapter()], checks)  # type: ignore[list-item]
    assert needed is not None and needed.address == ("127.0.0.1", default)
    paths = [getattr(route, "path", "") for route in needed.app.routes]
    assert paths == ["/hook", "/healthz", "/metrics"]
    needed.stop()
    needed.serve()
    store.close()
