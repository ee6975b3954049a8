"""The store: the one place that reads and writes the database (SQLite or PostgreSQL).

Every write is one transaction, so nothing is ever half-written; uniqueness (one copy of
a document, one delivery of a story to a chat) is enforced by constraints, so two
processes racing cannot break it either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy import update as sqlalchemy_update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.database import make_engine, unavailable
from bot.core.documents import Document
from bot.core.feed_store import FeedRecords
from bot.core.models import (
    ChatRow,
    DeliveryRow,
    DigestItemRow,
    DigestMessageRow,
    DigestPartRow,
    DigestRow,
    DocumentRow,
    SourceFileRow,
    SubscriptionRow,
    SummaryRow,
)

Sentences = tuple[tuple[str, ...], ...]


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without their zone; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored, with its sentences split per paragraph."""

    id: str
    published: date
    headline: str
    paragraphs: tuple[str, ...]
    headings: tuple[str, ...]
    sentences: Sentences
    source: str
    ingested_at: datetime
    author: str = ""
    outlet: str = ""


@dataclass(frozen=True)
class Chat:
    """A chat on a platform and its digest settings."""

    id: int
    platform: str
    platform_chat_id: str
    timezone: str
    digest_time: str
    paused: bool
    active: bool
    settings: dict[str, Any]
    created_at: datetime


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
        _aware(row.next_attempt_at) if row.next_attempt_at else None,
        row.message_id,
    )


@dataclass(frozen=True)
class DigestInfo:
    """A stored digest's identity and when it was built."""

    id: int
    chat_id: int
    created_at: datetime
    query: str | None


def _document(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        id=row.id,
        published=row.published,
        headline=row.headline,
        paragraphs=tuple(row.body.split("\n\n")),
        headings=tuple(row.headings),
        sentences=tuple(tuple(p) for p in row.sentences),
        source=row.source,
        ingested_at=_aware(row.ingested_at),
        author=row.author or "",
        outlet=row.outlet or "",
    )


def _chat(row: ChatRow) -> Chat:
    return Chat(
        id=row.id,
        platform=row.platform,
        platform_chat_id=row.platform_chat_id,
        timezone=row.timezone,
        digest_time=row.digest_time,
        paused=row.paused,
        active=row.active,
        settings=dict(row.settings or {}),
        created_at=_aware(row.created_at),
    )


class Store(FeedRecords):
    """Documents, summaries, chats, subscriptions, digests and deliveries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to `url` and bring its schema up to date; DatabaseUnavailable with the
        reason when the database cannot be reached, created or written."""
        try:
            store = cls(make_engine(url))
            store.migrate()
        except (OperationalError, OSError) as error:
            raise unavailable(url, error) from error
        return store

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied."""
        config = Config()
        config.set_main_option("script_location", "bot:migrations")
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _add_new(self, rows: Sequence[Any], present: Callable[[], bool]) -> bool:
        """Insert `rows` in one transaction; False when a unique constraint refused them
        because they are `present` already (another writer got there first)."""
        try:
            with self._transaction() as session:
                session.add_all(rows)
        except IntegrityError:
            if not present():
                raise
            return False
        return True

    # Documents

    def add_document(
        self, document: Document, sentences: Sentences, ingested_at: datetime | None = None
    ) -> bool:
        """Store a document; False when a document with the same content is already stored."""
        row = self._document_row(document, sentences, ingested_at or now())
        return self._add_new([row], lambda: self.get_document(document.doc_id) is not None)

    def replace_document(self, previous: str, document: Document, sentences: Sentences) -> bool:
        """Put `document` in the place of `previous`, the document its file held before the
        file was edited; False, changing nothing, when `previous` is gone, another file holds
        it too, or `document` is stored already as it is.

        The id follows the content, so that copies of the new text elsewhere stay one
        document; the deliveries and digests of `previous` follow the id, so a chat that had
        the story does not get it again. Its summaries go: they summarised the old text (or
        were titled with the old headline).
        """
        holders = (
            select(func.count())
            .select_from(SourceFileRow)
            .where(SourceFileRow.document_id == previous)
        )
        try:
            with self._transaction() as session:
                old = session.get(DocumentRow, previous)
                if old is None or (session.scalar(holders) or 0) > 1:
                    return False
                if previous == document.doc_id:
                    # The same text under another date or other headings.
                    new = (document.published, document.headline[:300], list(document.headings))
                    if (old.published, old.headline, old.headings) == new:
                        return False
                    old.published, old.headline, old.headings = new
                    session.execute(delete(SummaryRow).where(SummaryRow.document_id == previous))
                    return True
                if session.get(DocumentRow, document.doc_id) is not None:
                    return False
                session.add(self._document_row(document, sentences, now()))
                session.flush()
                for table in (DeliveryRow, DigestItemRow, SourceFileRow):
                    session.execute(
                        sqlalchemy_update(table)
                        .where(table.document_id == previous)
                        .values(document_id=document.doc_id)
                    )
                session.execute(delete(DocumentRow).where(DocumentRow.id == previous))
        except IntegrityError:
            # Another writer stored this content first.
            if self.get_document(document.doc_id) is None:
                raise
            return False
        return True

    @staticmethod
    def _document_row(
        document: Document, sentences: Sentences, ingested_at: datetime
    ) -> DocumentRow:
        return DocumentRow(
            id=document.doc_id,
            published=document.published,
            headline=document.headline[:300],
            body=document.text,
            headings=list(document.headings),
            sentences=[list(p) for p in sentences],
            source=document.source[:2000],
            ingested_at=ingested_at,
            author=document.author[:300] or None,
            outlet=document.outlet[:300] or None,
        )

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, StoredDocument]:
        """The stored documents among `doc_ids`, by id, in one query."""
        query = select(DocumentRow).where(DocumentRow.id.in_(list(doc_ids)))
        with self._transaction() as session:
            return {row.id: _document(row) for row in session.scalars(query)}

    def get_document(self, doc_id: str) -> StoredDocument | None:
        with self._transaction() as session:
            row = session.get(DocumentRow, doc_id)
            return _document(row) if row else None

    def documents(
        self,
        *,
        since: datetime | None = None,
        limit: int | None = None,
        new_to_chat: int | None = None,
    ) -> list[StoredDocument]:
        """Stored documents, newest first (by publication date, then ingestion); ingested
        after `since`, and with `new_to_chat` only those that chat has not had."""
        query = select(DocumentRow).order_by(
            DocumentRow.published.desc(), DocumentRow.ingested_at.desc(), DocumentRow.id
        )
        if since is not None:
            query = query.where(DocumentRow.ingested_at > since)
        if new_to_chat is not None:
            had = select(DeliveryRow.document_id).where(DeliveryRow.chat_id == new_to_chat)
            query = query.where(DocumentRow.id.not_in(had))
        if limit is not None:
            query = query.limit(limit)
        with self._transaction() as session:
            return [_document(row) for row in session.scalars(query)]

    def count_documents(self) -> int:
        with self._transaction() as session:
            return session.scalar(select(func.count()).select_from(DocumentRow)) or 0

    # Source files

    def file_unchanged(self, path: str, size: int, mtime_ns: int) -> bool:
        """True when `path` was read before with this size and modification time."""
        with self._transaction() as session:
            row = session.get(SourceFileRow, path)
            return row is not None and row.size == size and row.mtime_ns == mtime_ns

    def file_document(self, path: str) -> str | None:
        """The id of the document `path` held when it was last read, if it was."""
        with self._transaction() as session:
            row = session.get(SourceFileRow, path)
            return row.document_id if row else None

    def remember_file(self, path: str, size: int, mtime_ns: int, doc_id: str) -> None:
        """Record that `path`, as it is now, holds the document `doc_id`."""
        with self._transaction() as session:
            session.merge(
                SourceFileRow(path=path, size=size, mtime_ns=mtime_ns, document_id=doc_id)
            )

    # Summaries

    def summary(self, doc_id: str, method: str, count: int) -> tuple[str, ...] | None:
        """The cached summary, or None when it has not been computed."""
        with self._transaction() as session:
            row = session.get(SummaryRow, (doc_id, method, count))
            return tuple(row.sentences) if row else None

    def save_summary(self, doc_id: str, method: str, count: int, sentences: Sequence[str]) -> None:
        """Cache a summary; a concurrent writer of the same summary is harmless."""
        row = SummaryRow(
            document_id=doc_id, method=method, sentences_count=count, sentences=list(sentences)
        )
        self._add_new([row], lambda: self.summary(doc_id, method, count) is not None)

    # Chats and subscriptions

    def chat(
        self, platform: str, platform_chat_id: str, *, timezone: str, digest_time: str
    ) -> Chat:
        """The chat, created with the given defaults the first time it is seen."""
        query = select(ChatRow).where(
            ChatRow.platform == platform, ChatRow.platform_chat_id == platform_chat_id
        )
        with self._transaction() as session:
            row = session.scalars(query).first()
            if row:
                return _chat(row)
        try:
            with self._transaction() as session:
                row = ChatRow(
                    platform=platform,
                    platform_chat_id=platform_chat_id,
                    timezone=timezone,
                    digest_time=digest_time,
                    paused=False,
                    active=True,
                    settings={},
                    created_at=now(),
                )
                session.add(row)
                session.flush()
                return _chat(row)
        except IntegrityError:
            with self._transaction() as session:
                return _chat(session.scalars(query).one())

    def get_chat(self, chat_id: int) -> Chat | None:
        with self._transaction() as session:
            row = session.get(ChatRow, chat_id)
            return _chat(row) if row else None

    def chats(self, platform: str | None = None) -> list[Chat]:
        """All chats, or those of one platform, oldest first."""
        query = select(ChatRow).order_by(ChatRow.id)
        if platform is not None:
            query = query.where(ChatRow.platform == platform)
        with self._transaction() as session:
            return [_chat(row) for row in session.scalars(query)]

    def update_chat(
        self,
        chat_id: int,
        *,
        timezone: str | None = None,
        digest_time: str | None = None,
        paused: bool | None = None,
        active: bool | None = None,
    ) -> Chat:
        """Change a chat's schedule or state; arguments left as None stay as they are."""
        with self._transaction() as session:
            row = session.get(ChatRow, chat_id)
            if row is None:
                raise KeyError(f"no chat with id {chat_id}")
            if timezone is not None:
                row.timezone = timezone
            if digest_time is not None:
                row.digest_time = digest_time
            if paused is not None:
                row.paused = paused
            if active is not None:
                row.active = active
            return _chat(row)

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Follow `topic`; False when the chat already follows it."""
        row = SubscriptionRow(chat_id=chat_id, topic=topic, created_at=now())
        return self._add_new([row], lambda: topic in self.topics(chat_id))

    def unsubscribe(self, chat_id: int, topic: str) -> bool:
        """Stop following `topic`; False when the chat did not follow it."""
        with self._transaction() as session:
            result = session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.chat_id == chat_id, SubscriptionRow.topic == topic
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def topics(self, chat_id: int) -> list[str]:
        """The chat's topics in the order they were added."""
        query = (
            select(SubscriptionRow.topic)
            .where(SubscriptionRow.chat_id == chat_id)
            .order_by(SubscriptionRow.id)
        )
        with self._transaction() as session:
            return list(session.scalars(query))

    # Digests and deliveries

    def save_digest(
        self, chat_id: int, items: Sequence[tuple[str, str | None]], *, query: str | None = None
    ) -> int:
        """Store a digest's items (document id, topic) in order, and record each story as
        delivered to the chat, in one transaction; returns the digest's id.

        Raises IntegrityError, storing nothing, when one of the stories had already reached
        the chat (another digest built at the same moment).
        """
        # Plain inserts rather than ORM objects: this runs once per chat per day, thousands
        # of times in a row at a popular digest time.
        moment = now()
        with self.engine.begin() as connection:
            digest_id = connection.execute(
                insert(DigestRow)
                .values(chat_id=chat_id, created_at=moment, query=query, state=PENDING)
                .returning(DigestRow.id)
            ).scalar_one()
            if items:
                connection.execute(
                    insert(DigestItemRow),
                    [
                        {"digest_id": digest_id, "position": i, "document_id": d, "topic": t}
                        for i, (d, t) in enumerate(items)
                    ],
                )
                connection.execute(
                    insert(DeliveryRow),
                    [
                        {
                            "chat_id": chat_id,
                            "document_id": d,
                            "digest_id": digest_id,
                            "sent_at": moment,
                        }
                        for d, _ in items
                    ],
                )
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
            return DigestInfo(row.id, row.chat_id, _aware(row.created_at), row.query)

    def get_digest(self, digest_id: int) -> DigestInfo | None:
        with self._transaction() as session:
            row = session.get(DigestRow, digest_id)
            if row is None:
                return None
            return DigestInfo(row.id, row.chat_id, _aware(row.created_at), row.query)

    # The outbox

    def digest_and_chat(self, digest_id: int) -> tuple[DigestInfo, Chat] | None:
        """A digest and the chat it is for, in one query."""
        query = select(DigestRow, ChatRow).join(ChatRow, DigestRow.chat_id == ChatRow.id)
        with self._transaction() as session:
            found = session.execute(query.where(DigestRow.id == digest_id)).first()
            if found is None:
                return None
            digest, chat = found
            info = DigestInfo(digest.id, digest.chat_id, _aware(digest.created_at), digest.query)
            return info, _chat(chat)

    def pending_digests(
        self,
        *,
        shard: int = 0,
        shards: int = 1,
        platforms: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[int]:
        """Ids of digests not yet wholly sent, oldest first: `shard` of `shards` by chat,
        for chats on `platforms` (all when None)."""
        query = (
            select(DigestRow.id)
            .where(DigestRow.state == PENDING, DigestRow.chat_id % shards == shard)
            .order_by(DigestRow.id)
            .limit(limit)
        )
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
