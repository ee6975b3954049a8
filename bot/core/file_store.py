"""The files the bot has read: which document each held when it was last read, and its size
and modification time then, so that a folder read again skips what is unchanged (the
`source_files` table) (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.models import SourceFileRow, chunks, table

_FILES = table(SourceFileRow)


class FileRecords:
    """The files read. Mixed into `Store`, whose transactions it uses."""

    _transaction: Callable[[], AbstractContextManager[Session]]

    def file_unchanged(self, path: str, size: int, mtime_ns: int) -> bool:
        """True when `path` was read before with this size and modification time."""
        with self._transaction() as session:
            row = session.get(SourceFileRow, path)
            return row is not None and row.size == size and row.mtime_ns == mtime_ns

    def file_records(self, paths: Sequence[str]) -> dict[str, tuple[int, int, str]]:
        """Of the files `paths`, those read before: (size, modification time, the document it
        held) by path, in one query."""
        found: dict[str, tuple[int, int, str]] = {}
        with self._transaction() as session:
            for chunk in chunks(list(paths)):
                query = select(SourceFileRow).where(SourceFileRow.path.in_(chunk))
                for row in session.scalars(query):
                    found[row.path] = (row.size, row.mtime_ns, row.document_id)
        return found

    def file_document(self, path: str) -> str | None:
        """The id of the document `path` held when it was last read, if it was."""
        with self._transaction() as session:
            row = session.get(SourceFileRow, path)
            return row.document_id if row else None

    def remember_file(self, path: str, size: int, mtime_ns: int, doc_id: str) -> None:
        """Record that `path`, as it is now, holds the document `doc_id`."""
        self.remember_files([(path, size, mtime_ns, doc_id)])

    def remember_files(self, files: Sequence[tuple[str, int, int, str]]) -> None:
        """Record for each of `files` (path, size, modification time, document) that the
        file, as it is now, holds the document: one statement for them all."""
        rows = {
            path: {"path": path, "size": size, "mtime_ns": mtime_ns, "document_id": doc_id}
            for path, size, mtime_ns, doc_id in files
        }  # a path given twice: the last holds
        if not rows:
            return
        with self._transaction() as session:
            dialect = session.get_bind().dialect.name
            if dialect not in ("postgresql", "sqlite"):  # another database: row by row
                for row in rows.values():
                    session.merge(SourceFileRow(**row))
                return
            statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_FILES)
            changed = {
                name: statement.excluded[name] for name in ("size", "mtime_ns", "document_id")
            }
            upsert = statement.on_conflict_do_update(index_elements=[_FILES.c.path], set_=changed)
            session.execute(upsert, list(rows.values()))
