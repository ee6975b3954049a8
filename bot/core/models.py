"""The database tables (SQLAlchemy 2). Only the store (`bot.core.store` and the record modules
it is made of) reads and writes them.

Schema changes go through Alembic migrations in `bot/migrations/`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TOPIC_CHARS = 200
# The largest id an Integer column holds on every database (PostgreSQL's is 32-bit): a number
# a client sends that is larger cannot name a stored row.
MAX_ID = 2**31 - 1
T = TypeVar("T")
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements: writing many rows at once, or thousands of
    one-row updates, costs no per-row ORM work."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """`items` in runs of `size`: as many ids or keys as one `IN (…)` takes, well under every
    database's limit on a statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DocumentRow(Base):
    """A stored story; its sentences (per paragraph) are split once, at ingest."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    published: Mapped[date] = mapped_column(Date, index=True)
    headline: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headings: Mapped[list[Any]] = mapped_column(JSON)
    sentences: Mapped[list[Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(2000))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # From a feed: the entry's author and the feed's name ("Kellshore Courier").
    author: Mapped[str | None] = mapped_column(String(300), nullable=True)
    outlet: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # The story it tells: the id of the first document of the story (a near-duplicate joins
    # the story of the document it copies). Its fingerprint finds its near-duplicates.
    story_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class StoryPrintRow(Base):
    """A document's LSH band keys (`near_duplicates.band_keys`) and the words the same-event
    rule compares, numbered in the order they were stored, so that a process can read those
    stored since it last looked (every document has one: the search index knows documents
    by this number)."""

    __tablename__ = "story_prints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), unique=True
    )
    keys: Mapped[bytes] = mapped_column(LargeBinary)
    # Its words, hashed and counted (`same_event.EventPrint.to_bytes`); None when its text is
    # too short to judge.
    words: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class DocumentVersionRow(Base):
    """What a document said before its text was edited (its file, or its feed entry), kept
    when a chat had it: a later digest tells that chat what the edit added."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The document as it is now (moved along when it is edited again).
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    headline: Mapped[str] = mapped_column(String(300))
    sentences: Mapped[list[Any]] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SummaryRow(Base):
    """A document's summary by one method and length, computed once."""

    __tablename__ = "summaries"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(40), primary_key=True)
    sentences_count: Mapped[int] = mapped_column(Integer, primary_key=True)
    sentences: Mapped[list[Any]] = mapped_column(JSON)


class SourceFileRow(Base):
    """A file already read, so that re-reading a folder skips what has not changed."""

    __tablename__ = "source_files"

    path: Mapped[str] = mapped_column(String(1000), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))


class ChatRow(Base):
    """A chat on some platform, with its digest schedule and settings."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_chat_id: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    digest_time: Mapped[str] = mapped_column(String(5))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubscriptionRow(Base):
    """A topic a chat follows."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestRow(Base):
    """A digest built for a chat; its items are stored in order."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The topic asked for (`/digest <topic>`); None for a digest of all the chat's topics.
    query: Mapped[str | None] = mapped_column(String(TOPIC_CHARS), nullable=True)
    # pending: not all of it has reached the chat yet; sent; failed (see its parts).
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)


class DigestItemRow(Base):
    """One story of a digest, at its position, under the topic that matched it; the
    document is the story's lead source (its headline and link head the story)."""

    __tablename__ = "digest_items"

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    topic: Mapped[str | None] = mapped_column(String(TOPIC_CHARS), nullable=True)
    # For a story the chat had before: what its new sources add, the sentences it was sent as.
    update_sentences: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class DeliveryRow(Base):
    """A story delivered to a chat. The unique constraint makes a second delivery impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("digests.id", ondelete="SET NULL"), nullable=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DigestMessageRow(Base):
    """A platform message that carried (part of) a digest: a reply to it is about that digest."""

    __tablename__ = "digest_messages"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))


class DigestPartRow(Base):
    """One message of a digest on its way to a chat: the outbox.

    A digest's parts are made (rendered for the chat's platform) when it is first sent; each
    part is pending until it is sent (with the platform's message id) or has failed for good
    (with the last error and the number of attempts).
    """

    __tablename__ = "digest_parts"

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FeedRow(Base):
    """A feed the bot polls, with what it needs to poll politely and to say how it went.

    `origin` says who added it: "config" (the settings' list, kept in step with it), "chat",
    or "cli". `etag`/`last_modified` make the next poll conditional. After a failure,
    `failures` counts them in a row and `next_poll_at` backs off; `last_error` is a sentence.
    """

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    interval_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_poll_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class FeedEntryRow(Base):
    """An entry of a feed already stored, by its key (guid, normalised link or hash), so that
    the next poll skips it, or updates its document when its text changed."""

    __tablename__ = "feed_entries"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
