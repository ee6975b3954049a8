"""The outbox: a digest is stored before anything is sent, and sent part by part.

A built digest is pending for its chat. When it is first sent, the chat's platform renders
it into messages (parts), which are stored before the first one goes out; each part is then
pending until it is sent (with the platform's message id) or has failed for good. A failed
attempt is retried with exponential backoff; a chat that blocked the bot fails at once.
Parts of one digest go out in order, and a restart resumes whatever was pending: a message
is repeated only if it was on its way when the process died.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.digest import Digest, Summarize, load_digest
from bot.core.metrics import MESSAGES_FAILED, MESSAGES_SENT, SEND_SECONDS
from bot.core.store import FAILED, PENDING, SENT, Part, Store, now

log = logging.getLogger(__name__)

Payload = dict[str, Any]


class ChatUnreachable(Exception):
    """The chat blocked or removed the bot: sending again would not help."""


class PartSender(Protocol):
    """A platform's side of the outbox."""

    platform: str

    def parts(self, digest: Digest) -> list[Payload]:
        """The digest as this platform's messages (JSON-able), in order."""
        ...

    def send_part(self, chat_id: str, payload: Payload) -> str:
        """Send one message; its platform message id. Raises ChatUnreachable, or anything
        else for a failure worth retrying."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a message is retried."""

    attempts: int = 6
    first_delay: float = 2.0
    factor: float = 3.0
    max_delay: float = 900.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return min(self.first_delay * self.factor ** (attempts - 1), self.max_delay)


class Outbox:
    """Sends pending digests through the platforms' senders."""

    def __init__(
        self,
        store: Store,
        senders: Mapping[str, PartSender],
        summarize: Summarize,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store
        self.senders = senders
        self.summarize = summarize
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.wake = threading.Event()
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._rounds: dict[int, float] = {}  # sender → when it last came round its loop

    def deliver(self, digest_id: int) -> str:
        """Send what is due of a digest; its state afterwards (pending, sent or failed).

        Safe to call from several threads: a digest another thread is sending is left to it.
        """
        with self._lock:
            if digest_id in self._busy:
                return PENDING
            self._busy.add(digest_id)
        try:
            return self._deliver(digest_id)
        finally:
            with self._lock:
                self._busy.discard(digest_id)

    def _deliver(self, digest_id: int) -> str:
        found = self.store.digest_and_chat(digest_id)
        if found is None:
            return FAILED
        _, chat = found
        sender = self.senders.get(chat.platform)
        if sender is None:
            return PENDING  # its platform is not running here; it waits
        parts = self.store.parts(digest_id)
        if not parts:
            digest = load_digest(self.store, digest_id, self.summarize)
            parts = self.store.add_parts(digest_id, chat.id, sender.parts(digest))
        for index, part in enumerate(parts):
            if part.state == SENT:
                continue
            if part.state == FAILED:
                break
            if part.next_attempt_at and part.next_attempt_at > self.clock():
                return PENDING  # not due yet; later parts wait for it
            started = time.perf_counter()
            try:
                message_id = sender.send_part(chat.platform_chat_id, part.payload)
            except ChatUnreachable as error:
                MESSAGES_FAILED.labels(chat.platform).inc()
                where = f"{chat.platform}:{chat.platform_chat_id}"
                log.warning(
                    "chat %s is unreachable: %s", where, error,
                    extra={"event": "unreachable", "platform": chat.platform,
                           "chat": chat.platform_chat_id},
                )  # fmt: skip
                self.store.part_failed(digest_id, part.part, str(error), retry_at=None)
                self.store.update_chat(chat.id, active=False)
                break
            except Exception as error:
                MESSAGES_FAILED.labels(chat.platform).inc()
                if not self._failed(digest_id, part, chat.platform, chat.platform_chat_id, error):
                    return PENDING
                break
            SEND_SECONDS.labels(chat.platform).observe(time.perf_counter() - started)
            MESSAGES_SENT.labels(chat.platform).inc()
            last = index == len(parts) - 1
            self.store.part_sent(
                digest_id,
                part.part,
                message_id,
                platform=chat.platform,
                chat=chat.platform_chat_id,
                last=last,
            )
            if last:
                log.info(
                    "digest %d delivered to %s:%s (%d message%s)",
                    digest_id, chat.platform, chat.platform_chat_id, len(parts),
                    "" if len(parts) == 1 else "s",
                    extra={"event": "delivered", "platform": chat.platform,
                           "chat": chat.platform_chat_id, "digest": digest_id},
                )  # fmt: skip
                return SENT
        self.store.fail_pending_parts(digest_id, "an earlier message of this digest failed")
        return self.store.finish_digest(digest_id)

    def _failed(
        self, digest_id: int, part: Part, platform: str, chat: str, error: Exception
    ) -> bool:
        """Record a failed attempt; True when it was the last one allowed."""
        attempts = part.attempts + 1
        final = attempts >= self.policy.attempts
        delay = timedelta(seconds=self.policy.delay(attempts))
        log.warning(
            "sending part %d of digest %d to %s:%s failed (attempt %d%s): %r",
            part.part,
            digest_id,
            platform,
            chat,
            attempts,
            ", giving up" if final else "",
            error,
            extra={"event": "send failed", "platform": platform, "chat": chat},
        )
        retry_at = None if final else self.clock() + delay
        self.store.part_failed(digest_id, part.part, repr(error), retry_at=retry_at)
        return final

    def run(self, shard: int, shards: int, stop: threading.Event, idle: float = 1.0) -> None:
        """A sender: works through the pending digests of its share of chats until `stop`.

        Each sender sends one message at a time, so at most one message per sender can be on
        its way when the process dies.
        """
        try:
            while not stop.is_set():
                self._rounds[shard] = time.monotonic()
                if not self._send_round(shard, shards, stop):
                    self.wake.wait(idle)
                    self.wake.clear()
        finally:
            self._rounds.pop(shard, None)

    def _send_round(self, shard: int, shards: int, stop: threading.Event) -> bool:
        """Deliver what is due of the sender's share; whether anything was done."""
        worked = False
        try:
            pending = self.store.pending_digests(
                shard=shard, shards=shards, platforms=list(self.senders)
            )
            for digest_id in pending:
                if stop.is_set():
                    break
                self._rounds[shard] = time.monotonic()
                worked = self.deliver(digest_id) != PENDING or worked
        except Exception:
            # A failing send or a database hiccup never stops the sender.
            log.exception("sender %d of %d failed; carrying on", shard, shards)
        return worked

    def idle_for(self) -> float | None:
        """Seconds since the sender heard from least recently began its last delivery or
        round (None when no sender runs): one that stays in a send for minutes is stuck."""
        rounds = list(self._rounds.values())
        return time.monotonic() - min(rounds) if rounds else None
