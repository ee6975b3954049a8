"""The outbox, on each store: digests stored before they are sent, sent part by part, retried
with backoff, resumed after a restart, failures kept and reported."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.commands import CommandHandler, Message, Options
from bot.core.delivery import ChatUnreachable, Outbox, RetryPolicy
from bot.core.digest import Digest
from bot.core.ingest import ingest
from bot.core.replies import DigestReply
from bot.core.store import Store
from tests.conftest import SEEDS


class FakeSender:
    """A platform that sends a digest as one message per story and can fail on demand."""

    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.failures: list[Exception] = []
        self.lock = threading.Lock()

    def parts(self, digest: Digest) -> list[dict[str, Any]]:
        return [{"story": s.number, "headline": s.headline} for s in digest.stories]

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((chat_id, payload))
            return f"m{len(self.sent)}"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def handler(store: Store) -> CommandHandler:
    ingest(store, [SEEDS], max_bytes=2_000_000, method="lead", sentences=2)
    return CommandHandler(store, Options(method="lead", sentences=2, digest_size=3))


def outbox_for(store: Store, handler: CommandHandler, sender: FakeSender, **kw: Any) -> Outbox:
    return Outbox(store, {"test": sender}, handler.summary, **kw)


def digest_for(handler: CommandHandler, chat_id: str = "c1") -> int:
    digest = handler.build_digest(handler.chat("test", chat_id))
    assert digest.digest_id is not None
    return digest.digest_id


def test_a_digest_is_stored_pending_before_anything_is_sent(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    assert store.pending_digests() == [digest_id]
    assert store.parts(digest_id) == []  # nothing rendered, nothing sent yet
    sender = FakeSender()
    assert outbox_for(store, handler, sender).deliver(digest_id) == "sent"
    parts = store.parts(digest_id)
    assert [(p.state, p.message_id) for p in parts] == [
        ("sent", "m1"),
        ("sent", "m2"),
        ("sent", "m3"),
    ]
    assert [payload["story"] for _, payload in sender.sent] == [1, 2, 3]
    assert store.pending_digests() == []
    # A reply to any of its messages leads back to the digest.
    assert store.digest_of_message("test", "c1", "m2") == digest_id


def test_a_failed_message_is_retried_with_backoff_and_then_goes(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    sender, clock = FakeSender(), Clock()
    sender.failures = [TimeoutError("slow"), ConnectionError("reset")]
    outbox = outbox_for(
        store, handler, sender, clock=clock, policy=RetryPolicy(first_delay=10, factor=2)
    )
    assert outbox.deliver(digest_id) == "pending"
    first = store.parts(digest_id)[0]
    assert (first.attempts, first.next_attempt_at) == (1, clock.now + timedelta(seconds=10))
    assert "slow" in (first.last_error or "")
    assert outbox.deliver(digest_id) == "pending"  # not due yet: nothing is tried
    assert store.parts(digest_id)[0].attempts == 1
    clock.now += timedelta(seconds=10)
    assert outbox.deliver(digest_id) == "pending"
    second = store.parts(digest_id)[0]
    assert (second.attempts, second.next_attempt_at) == (2, clock.now + timedelta(seconds=20))
    clock.now += timedelta(seconds=20)
    assert outbox.deliver(digest_id) == "sent"
    assert [payload["story"] for _, payload in sender.sent] == [1, 2, 3]


def test_a_message_that_keeps_failing_ends_failed_and_is_reported(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    sender, clock = FakeSender(), Clock()
    sender.failures = [RuntimeError("500 Internal Server Error")] * 3
    outbox = outbox_for(store, handler, sender, clock=clock, policy=RetryPolicy(attempts=3))
    for _ in range(3):
        outbox.deliver(digest_id)
        clock.now += timedelta(hours=1)
    parts = store.parts(digest_id)
    assert [p.state for p in parts] == ["failed", "failed", "failed"]
    assert parts[0].attempts == 3 and "500 Internal Server Error" in (parts[0].last_error or "")
    assert "earlier message" in (parts[1].last_error or "")
    assert store.pending_digests() == []
    counts = store.outbox_counts()
    assert (counts.get("failed"), counts.get("sent", 0)) == (3, 0)
    assert [p.digest_id for p in store.failed_parts()][:1] == [digest_id]
    assert sender.sent == []


def test_a_chat_that_blocked_the_bot_fails_at_once_and_becomes_inactive(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    sender = FakeSender()
    sender.failures = [ChatUnreachable("Forbidden: bot was blocked by the user")]
    assert outbox_for(store, handler, sender).deliver(digest_id) == "failed"
    assert all(p.state == "failed" for p in store.parts(digest_id))
    chat = handler.chat("test", "c1")
    assert not chat.active


def test_a_restart_resumes_where_sending_stopped_without_repeating(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    first = FakeSender()
    crashed = outbox_for(store, handler, first)
    # The first process sends one message, then dies before the second.
    original = first.send_part
    calls = 0

    def dies_after_one(chat_id: str, payload: dict[str, Any]) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise SystemExit("killed")
        return original(chat_id, payload)

    first.send_part = dies_after_one  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        crashed.deliver(digest_id)
    assert [p.state for p in store.parts(digest_id)] == ["sent", "pending", "pending"]
    second = FakeSender()
    assert outbox_for(store, handler, second).deliver(digest_id) == "sent"
    assert [payload["story"] for _, payload in second.sent] == [2, 3]


def test_two_threads_delivering_one_digest_send_each_message_once(
    store: Store, handler: CommandHandler
) -> None:
    digest_id = digest_for(handler)
    sender = FakeSender()
    outbox = outbox_for(store, handler, sender)
    threads = [threading.Thread(target=outbox.deliver, args=(digest_id,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outbox.deliver(digest_id)
    assert [payload["story"] for _, payload in sender.sent] == [1, 2, 3]


def test_senders_work_through_the_outbox_and_stop_when_asked(
    store: Store, handler: CommandHandler
) -> None:
    ids = [digest_for(handler, f"c{n}") for n in range(6)]
    sender = FakeSender()
    outbox = outbox_for(store, handler, sender)
    stop = threading.Event()
    workers = [
        threading.Thread(target=outbox.run, args=(n, 3, stop), kwargs={"idle": 0.05})
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while store.pending_digests() and datetime.now(UTC) < deadline:
        stop.wait(0.05)
    stop.set()
    outbox.wake.set()
    for worker in workers:
        worker.join(5)
    assert not any(worker.is_alive() for worker in workers)
    assert store.pending_digests() == []
    assert len(sender.sent) == 3 * len(ids)
    assert len({(chat, p["story"]) for chat, p in sender.sent}) == 3 * len(ids)


def test_digest_asked_for_in_a_chat_goes_out_through_the_outbox(
    store: Store, handler: CommandHandler
) -> None:
    sender = FakeSender()
    handler.deliver = outbox_for(store, handler, sender).deliver
    reply = handler.handle(Message("test", "c9", "/digest"))
    assert isinstance(reply, DigestReply) and reply.delivered
    assert [payload["story"] for _, payload in sender.sent] == [1, 2, 3]
    digest_id = reply.digest.digest_id
    assert digest_id is not None
    assert [p.state for p in store.parts(digest_id)] == ["sent"] * 3
