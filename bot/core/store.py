"""The store: the one place that reads and writes the database (SQLite or PostgreSQL).

Every write is one transaction, so nothing is ever half-written; uniqueness (one copy of
a document, one delivery of a story to a chat) is enforced by constraints, so two
processes racing cannot break it either.

The methods live beside what they store: documents, source files and summaries in
`document_store`, chats and subscriptions in `chat_store`, digests, their outbox and
deliveries in `digest_store`, feeds in `feed_store`. This module joins them into `Store`
and names everything other modules import from the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.chat_store import Chat, ChatRecords
from bot.core.database import make_engine, unavailable
from bot.core.digest_store import (
    FAILED,
    PENDING,
    SENT,
    DigestInfo,
    DigestItem,
    DigestRecords,
    Part,
)
from bot.core.document_store import DocumentRecords, Sentences, StoredDocument
from bot.core.feed_store import FeedRecords
from bot.core.story_store import StoryIndexes
from bot.core.timestamps import now

__all__ = [
    "FAILED",
    "PENDING",
    "SENT",
    "Chat",
    "DigestInfo",
    "DigestItem",
    "Part",
    "Sentences",
    "Store",
    "StoredDocument",
    "now",
]


class Store(DocumentRecords, ChatRecords, DigestRecords, FeedRecords):
    """Documents, summaries, chats, subscriptions, digests, deliveries and feeds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # The transaction `atomic` opened in this thread, which store calls join.
        self._local = threading.local()
        # The documents' band keys, which find a new document's near-duplicates.
        self._stories = StoryIndexes()

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
    def atomic(self) -> Iterator[None]:
        """Every store call in the block, in this thread, in one transaction: all of it is
        written or none of it. Many small writes together cost one commit instead of one
        each. Each call inside is a savepoint of its own, so a call that fails (and handles
        its failure, as a refused duplicate does) leaves the others standing."""
        if getattr(self._local, "session", None) is not None:
            with self._transaction():
                yield
            return
        with self._sessions.begin() as session:
            self._local.session = session
            try:
                yield
            finally:
                self._local.session = None

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            with session.begin_nested():
                yield session
            return
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
