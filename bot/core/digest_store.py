"""The digests built for chats and what became of them: the part of the store that reads
and writes the `digests`, `digest_items`, `digest_parts` (the outbox), `deliveries` and
`digest_messages` tables (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy import update as sqlalchemy_update
from sqlalchemy.orm import Session

from bot.core.chat_store import Chat, chat_from_row
from bot.core.models import (
    ChatRow,
    DeliveryRow,
    DigestItemRow,
    DigestMessageRow,
    DigestPartRow,
    DigestRow,
    DocumentRow,
)
from bot.core.timestamps import as_utc, now

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Part:
    """One message of a digest in the outbox."""

    digest_id: int
    part: int
    chat_id: int
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    message_id: str | None


def _part(row: DigestPartRow) -> Part:
    return Part(
        row.digest_id,
        row.part,
        row.chat_id,
        dict(row.payload),
        row.state,
        row.attempts,
        row.last_error,
        as_utc(row.next_attempt_at),
        row.message_id,
    )


@dataclass(frozen=True)
class DigestItem:
    """One story of a stored digest: the document that heads it, the topic it came under,
    the documents it brought to the chat (the head alone when empty), and for a story the
    chat had before, the sentences its new documents added (an update)."""

    document_id: str
    topic: str | None
    documents: tuple[str, ...] = ()
    update: tuple[str, ...] | None = None

    @property
    def delivered(self) -> tuple[str, ...]:
        """The documents it brings to the chat: an update only its new ones (none when it
        tells what an edit of a document the chat had added)."""
        if self.update is not None:
            return self.documents
        return self.documents or (self.document_id,)


@dataclass(frozen=True)
class DigestInfo:
    """A stored digest's identity and when it was built."""

    id: int
    chat_id: int
    created_at: datetime
    query: str | None


class DigestRecords:
    """Digests, their messages in the outbox and the deliveries they made. Mixed into
    `Store`, whose engine and transactions it uses."""

    engine: Engine
    _transaction: Callable[[], AbstractContextManager[Session]]
    _add_new: Callable[[Sequence[Any], Callable[[], bool]], bool]

    def save_digest(
        self,
        chat_id: int,
        items: Sequence[DigestItem | tuple[str, str | None]],
        *,
        query: str | None = None,
    ) -> int:
        """Store a digest's items (or (document id, topic) pairs) in order, and record the
        documents each brings as delivered to the chat, in one transaction; returns the
        digest's id.

        Raises IntegrityError, storing nothing, when one of the documents had already reached
        the chat (another digest built at the same moment).
        """
        entries = [item if isinstance(item, DigestItem) else DigestItem(*item) for item in items]
        # Plain inserts rather than ORM objects: this runs once per chat per day, thousands
        # of times in a row at a popular digest time.
        moment = now()
        with self.engine.begin() as connection:
            digest_id = connection.execute(
                insert(DigestRow)
                .values(chat_id=chat_id, created_at=moment, query=query, state=PENDING)
                .returning(DigestRow.id)
            ).scalar_one()
            if entries:
                connection.execute(
                    insert(DigestItemRow),
                    [
                        {"digest_id": digest_id, "position": i, "document_id": e.document_id,
                         "topic": e.topic,
                         "update_sentences": list(e.update) if e.update is not None else None}
                        for i, e in enumerate(entries)
                    ],
                )  # fmt: skip
                delivered = [
                    {"chat_id": chat_id, "document_id": d, "digest_id": digest_id,
                     "sent_at": moment}
                    for e in entries for d in e.delivered
                ]  # fmt: skip
                if delivered:
                    connection.execute(insert(DeliveryRow), delivered)
        from bot.core.metrics import (
            DIGESTS_BUILT,  # prometheus-client: only where digests are built
        )

        DIGESTS_BUILT.inc()
        return int(digest_id)

    def last_digest(self, chat_id: int, *, full: bool = False) -> DigestInfo | None:
        """The chat's most recent digest; with `full`, the most recent of all its topics."""
        query = (
            select(DigestRow)
            .where(DigestRow.chat_id == chat_id)
            .order_by(DigestRow.created_at.desc(), DigestRow.id.desc())
            .limit(1)
        )
        if full:
            query = query.where(DigestRow.query.is_(None))
        with self._transaction() as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            return DigestInfo(row.id, row.chat_id, as_utc(row.created_at), row.query)

    def get_digest(self, digest_id: int) -> DigestInfo | None:
        with self._transaction() as session:
            row = session.get(DigestRow, digest_id)
            if row is None:
                return None
            return DigestInfo(row.id, row.chat_id, as_utc(row.created_at), row.query)

    # The outbox

    def digest_and_chat(self, digest_id: int) -> tuple[DigestInfo, Chat] | None:
        """A digest and the chat it is for, in one query."""
        query = select(DigestRow, ChatRow).join(ChatRow, DigestRow.chat_id == ChatRow.id)
        with self._transaction() as session:
            found = session.execute(query.where(DigestRow.id == digest_id)).first()
            if found is None:
                return None
            digest, chat = found
            info = DigestInfo(digest.id, digest.chat_id, as_utc(digest.created_at), digest.query)
            return info, chat_from_row(chat)

    def pending_digests(
        self,
        *,
        shard: int = 0,
        shards: int = 1,
        platforms: Sequence[str] | None = None,
        limit: int = 100,
        due: datetime | None = None,
    ) -> list[int]:
        """Ids of digests not yet wholly sent, oldest first: `shard` of `shards` by chat,
        for chats on `platforms` (all when None); with `due`, only those with no message
        waiting to be tried again after that moment."""
        query = (
            select(DigestRow.id)
            .where(DigestRow.state == PENDING, DigestRow.chat_id % shards == shard)
            .order_by(DigestRow.id)
            .limit(limit)
        )
        if due is not None:
            waiting = select(DigestPartRow.digest_id).where(
                DigestPartRow.digest_id == DigestRow.id,
                DigestPartRow.state == PENDING,
                DigestPartRow.next_attempt_at > due,
            )
            query = query.where(~waiting.exists())
        if platforms is not None:
            query = query.join(ChatRow, DigestRow.chat_id == ChatRow.id).where(
                ChatRow.platform.in_(list(platforms))
            )
        with self._transaction() as session:
            return list(session.scalars(query))

    def parts(self, digest_id: int) -> list[Part]:
        """A digest's messages in the outbox, in order (none before it is first sent)."""
        query = select(DigestPartRow).where(DigestPartRow.digest_id == digest_id)
        with self._transaction() as session:
            return [_part(row) for row in session.scalars(query.order_by(DigestPartRow.part))]

    def add_parts(
        self, digest_id: int, chat_id: int, payloads: Sequence[dict[str, Any]]
    ) -> list[Part]:
        """Put a digest's messages in the outbox, pending, and return them; if they were
        there already (another sender got there first), those are returned."""
        rows = [
            DigestPartRow(
                digest_id=digest_id,
                part=number,
                chat_id=chat_id,
                payload=dict(payload),
                state=PENDING,
                attempts=0,
            )
            for number, payload in enumerate(payloads)
        ]
        if not self._add_new(rows, lambda: bool(self.parts(digest_id))):
            return self.parts(digest_id)
        return [
            Part(digest_id, number, chat_id, dict(payload), PENDING, 0, None, None, None)
            for number, payload in enumerate(payloads)
        ]

    def part_sent(
        self,
        digest_id: int,
        part: int,
        message_id: str,
        *,
        platform: str,
        chat: str,
        last: bool = False,
    ) -> None:
        """Record a message as sent and which digest it carried, together; with `last`,
        the digest as wholly sent too."""
        with self._transaction() as session:
            row = session.get(DigestPartRow, (digest_id, part))
            if row is None:
                raise KeyError(f"no part {part} of digest {digest_id}")
            row.state, row.message_id, row.sent_at = SENT, message_id, now()
            row.attempts += 1
            session.merge(
                DigestMessageRow(
                    platform=platform, chat_id=chat, message_id=message_id, digest_id=digest_id
                )
            )
            if last:
                session.execute(
                    sqlalchemy_update(DigestRow).where(DigestRow.id == digest_id).values(state=SENT)
                )

    def part_failed(
        self, digest_id: int, part: int, error: str, *, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: to be retried at `retry_at`, or failed for good (None)."""
        with self._transaction() as session:
            row = session.get(DigestPartRow, (digest_id, part))
            if row is None:
                raise KeyError(f"no part {part} of digest {digest_id}")
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = retry_at
            if retry_at is None:
                row.state = FAILED

    def fail_pending_parts(self, digest_id: int, error: str) -> None:
        """Give up on every part not sent yet (the chat is gone, or an earlier part failed)."""
        with self._transaction() as session:
            rows = session.scalars(
                select(DigestPartRow).where(
                    DigestPartRow.digest_id == digest_id, DigestPartRow.state == PENDING
                )
            )
            for row in rows:
                row.state, row.last_error = FAILED, row.last_error or error[:2000]

    def finish_digest(self, digest_id: int) -> str:
        """Settle a digest's state from its parts: sent, failed, or still pending."""
        with self._transaction() as session:
            states = set(
                session.scalars(
                    select(DigestPartRow.state).where(DigestPartRow.digest_id == digest_id)
                )
            )
            # A digest that came to no message at all has nothing left to send.
            state = PENDING if PENDING in states else FAILED if FAILED in states else SENT
            row = session.get(DigestRow, digest_id)
            if row is not None:
                row.state = state
            return state

    def outbox_counts(self) -> dict[str, int]:
        """How many digest messages are pending, sent and failed."""
        query = select(DigestPartRow.state, func.count()).group_by(DigestPartRow.state)
        with self._transaction() as session:
            counts = {state: int(n) for state, n in session.execute(query)}
            counts["digests pending"] = int(
                session.scalar(
                    select(func.count()).select_from(DigestRow).where(DigestRow.state == PENDING)
                )
                or 0
            )
            return counts

    def failed_parts(self, limit: int = 20) -> list[Part]:
        """The most recent messages that failed for good, with their errors."""
        query = (
            select(DigestPartRow)
            .where(DigestPartRow.state == FAILED)
            .order_by(DigestPartRow.digest_id.desc(), DigestPartRow.part)
            .limit(limit)
        )
        with self._transaction() as session:
            return [_part(row) for row in session.scalars(query)]

    def digest_items(self, digest_id: int) -> list[tuple[str, str | None]]:
        """A digest's (document id, topic) pairs, in order."""
        query = (
            select(DigestItemRow.document_id, DigestItemRow.topic)
            .where(DigestItemRow.digest_id == digest_id)
            .order_by(DigestItemRow.position)
        )
        with self._transaction() as session:
            return [(doc_id, topic) for doc_id, topic in session.execute(query)]

    def digest_entries(self, digest_id: int) -> list[DigestItem]:
        """A digest's items in order, each with the documents it brought to the chat."""
        items = (
            select(DigestItemRow, DocumentRow.story_id)
            .outerjoin(DocumentRow, DocumentRow.id == DigestItemRow.document_id)
            .where(DigestItemRow.digest_id == digest_id)
            .order_by(DigestItemRow.position)
        )
        brought = (
            select(DeliveryRow.document_id, DocumentRow.story_id)
            .join(DocumentRow, DocumentRow.id == DeliveryRow.document_id)
            .where(DeliveryRow.digest_id == digest_id)
            .order_by(DeliveryRow.id)
        )
        with self._transaction() as session:
            by_story: dict[str, list[str]] = {}
            for doc_id, story in session.execute(brought):
                by_story.setdefault(story or doc_id, []).append(doc_id)
            entries = []
            for row, story in session.execute(items):
                documents = by_story.get(story or row.document_id, [])
                update = tuple(row.update_sentences) if row.update_sentences is not None else None
                entries.append(DigestItem(row.document_id, row.topic, tuple(documents), update))
            return entries

    def record_delivery(
        self,
        chat_id: int,
        doc_id: str,
        *,
        digest_id: int | None = None,
        message_id: str | None = None,
    ) -> bool:
        """Record that a story reached a chat; False when it had already reached it."""
        row = DeliveryRow(
            chat_id=chat_id,
            document_id=doc_id,
            digest_id=digest_id,
            sent_at=now(),
            platform_message_id=message_id,
        )
        return self._add_new([row], lambda: doc_id in self.delivered(chat_id))

    def remember_digest_message(
        self, platform: str, chat_id: str, message_id: str, digest_id: int
    ) -> None:
        """Record that a platform message carried a digest, so replies to it find the digest."""
        with self._transaction() as session:
            session.merge(
                DigestMessageRow(
                    platform=platform, chat_id=chat_id, message_id=message_id, digest_id=digest_id
                )
            )

    def digest_of_message(self, platform: str, chat_id: str, message_id: str) -> int | None:
        """The digest a platform message carried, if it carried one."""
        with self._transaction() as session:
            row = session.get(DigestMessageRow, (platform, chat_id, message_id))
            return row.digest_id if row else None

    def delivered(self, chat_id: int) -> set[str]:
        """Ids of the stories already delivered to the chat."""
        query = select(DeliveryRow.document_id).where(DeliveryRow.chat_id == chat_id)
        with self._transaction() as session:
            return set(session.scalars(query))
