"""The store: the one place that reads and writes the database (SQLite or PostgreSQL).

Every write is one transaction, so nothing is ever half-written; uniqueness (one copy of
a document, one delivery of a story to a chat) is enforced by constraints, so two
processes racing cannot break it either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.documents import Document
from bot.core.models import (
    ChatRow,
    DeliveryRow,
    DigestItemRow,
    DigestMessageRow,
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
    )


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


class Store:
    """Documents, summaries, chats, subscriptions, digests and deliveries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to `url` and bring its schema up to date."""
        store = cls(make_engine(url))
        store.migrate()
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

    # Documents

    def add_document(
        self, document: Document, sentences: Sentences, ingested_at: datetime | None = None
    ) -> bool:
        """Store a document; False when a document with the same content is already stored."""
        row = DocumentRow(
            id=document.doc_id,
            published=document.published,
            headline=document.headline[:300],
            body=document.text,
            headings=list(document.headings),
            sentences=[list(p) for p in sentences],
            source=document.source[:1000],
            ingested_at=ingested_at or now(),
        )
        try:
            with self._transaction() as session:
                session.add(row)
        except IntegrityError:
            if self.get_document(document.doc_id) is None:
                raise
            return False
        return True

    def get_document(self, doc_id: str) -> StoredDocument | None:
        with self._transaction() as session:
            row = session.get(DocumentRow, doc_id)
            return _document(row) if row else None

    def documents(
        self, *, since: datetime | None = None, limit: int | None = None
    ) -> list[StoredDocument]:
        """Stored documents, newest first (by publication date, then ingestion)."""
        query = select(DocumentRow).order_by(
            DocumentRow.published.desc(), DocumentRow.ingested_at.desc(), DocumentRow.id
        )
        if since is not None:
            query = query.where(DocumentRow.ingested_at > since)
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
        try:
            with self._transaction() as session:
                session.add(
                    SummaryRow(
                        document_id=doc_id,
                        method=method,
                        sentences_count=count,
                        sentences=list(sentences),
                    )
                )
        except IntegrityError:
            if self.summary(doc_id, method, count) is None:
                raise

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
        try:
            with self._transaction() as session:
                session.add(SubscriptionRow(chat_id=chat_id, topic=topic, created_at=now()))
        except IntegrityError:
            if topic not in self.topics(chat_id):
                raise
            return False
        return True

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
        with self._transaction() as session:
            digest = DigestRow(chat_id=chat_id, created_at=now(), query=query)
            session.add(digest)
            session.flush()
            session.add_all(
                DigestItemRow(digest_id=digest.id, position=i, document_id=doc_id, topic=topic)
                for i, (doc_id, topic) in enumerate(items)
            )
            session.add_all(
                DeliveryRow(chat_id=chat_id, document_id=doc_id, digest_id=digest.id, sent_at=now())
                for doc_id, _ in items
            )
            return digest.id

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
        try:
            with self._transaction() as session:
                session.add(
                    DeliveryRow(
                        chat_id=chat_id,
                        document_id=doc_id,
                        digest_id=digest_id,
                        sent_at=now(),
                        platform_message_id=message_id,
                    )
                )
        except IntegrityError:
            if doc_id not in self.delivered(chat_id):
                raise
            return False
        return True

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
