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
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
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
from bot.core.file_store import FileRecords
from bot.core.search_index import SearchIndex
from bot.core.search_store import Scored, SearchRecords, index_folder
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
    "Scored",
    "Sentences",
    "Store",
    "StoredDocument",
    "now",
]


def latest_migration() -> str:
    """The revision of the newest migration: its file is named after it (`0007_….py`)."""
    names = resources.files("bot.migrations.versions").iterdir()
    return max(name.name.split("_", 1)[0] for name in names if name.name[:4].isdigit())


class Store(DocumentRecords, FileRecords, SearchRecords, ChatRecords, DigestRecords, FeedRecords):
    """Documents, summaries, chats, subscriptions, digests, deliveries and feeds, and the
    search index of the documents (in `search_folder`; a folder of its own when None)."""

    def __init__(self, engine: Engine, search_folder: Path | None = None) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # The transaction `atomic` opened in this thread, which store calls join.
        self._local = threading.local()
        # The documents' band keys, which find a new document's near-duplicates.
        self._stories = StoryIndexes()
        self.search_index = SearchIndex(search_folder)

    @classmethod
    def open(cls, url: str, search_folder: Path | None = None) -> Store:
        """Connect to `url` and bring its schema up to date; DatabaseUnavailable with the
        reason when the database cannot be reached, created or written. The search index is
        in `search_folder`, by default beside an SQLite file."""
        try:
            store = cls(make_engine(url), search_folder or index_folder(url))
            store.migrate()
        except (OperationalError, OSError) as error:
            raise unavailable(url, error) from error
        return store

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied (Alembic is imported only when the
        schema is behind: a command that reads starts faster)."""
        if self._schema_version() == latest_migration():
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "bot:migrations")
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _schema_version(self) -> str | None:
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))

    def close(self) -> None:
        self.engine.dispose()
        self.search_index.close()

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
