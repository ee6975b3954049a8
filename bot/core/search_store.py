"""Searching the store: the search index's findings as stored documents (`Store` inherits
it). Every search first brings the index up to date, so a document is found as soon as it
is stored, whichever process stored it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import tantivy
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.core.document_store import StoredDocument, reading
from bot.core.models import DocumentRow, StoryPrintRow, chunks, table
from bot.core.search_index import Found, Progress, SearchIndex

# Documents read from the index for each story wanted: a story may have several.
STORY_DOCUMENTS = 5


def index_folder(url: str) -> Path | None:
    """Where the index of the database at `url` lives by default: beside an SQLite file
    (`news.db` → `news.search`); for other databases, a folder of the process's own (None)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).with_suffix(".search")


@dataclass(frozen=True)
class Scored:
    """A stored document a search found, with its score (higher: better)."""

    document: StoredDocument
    score: float
    # False when it matched only in words close to those asked for.
    exact: bool = True


class SearchRecords:
    """Search through the index. Mixed into `Store`, whose transactions it uses."""

    _transaction: Callable[[], AbstractContextManager[Session]]
    search_index: SearchIndex

    def find(
        self,
        query: tantivy.Query,
        limit: int,
        *,
        days: tuple[date | None, date | None] | None = None,
        ingested_after: datetime | None = None,
        among: Sequence[str] | None = None,
        stories: bool = False,
        text: bool = True,
        caught_up: bool = False,
    ) -> list[Scored]:
        """The best `limit` stored documents for `query`, best first: published within
        `days`, stored after `ingested_after`, among the documents `among` (ids); with
        `stories`, the best document of each of the best `limit` stories (the newer on a tie),
        only those read from the store; without `text`, the documents without their text
        (`listed`), for a ranking that reads the text of the few it keeps. `caught_up`: a
        lookup of the same command has just brought the index up to date."""
        with self._transaction() as session:
            if not caught_up:
                self.search_index.catch_up(session)
            numbers = None if among is None else self._numbers(session, among)
            asked = limit * STORY_DOCUMENTS if stories else limit
            found = self.search_index.search(
                query, asked, days=days, ingested_after=ingested_after, numbers=numbers
            )
            if stories:
                best: dict[int, Found] = {}
                for f in sorted(found, key=lambda f: (f.score, f.day), reverse=True):
                    best.setdefault(f.story, f)
                found = list(best.values())[:limit]
            documents = _numbered_documents(session, [f.number for f in found], text=text)
        for gone in (f.number for f in found if f.number not in documents):
            # Deleted by another process since the index read it.
            self.search_index.forget(gone)
        return [Scored(documents[f.number], f.score) for f in found if f.number in documents]

    def document_frequencies(self, terms: Sequence[str]) -> tuple[int, list[int]]:
        """How many documents the index holds, and how many of them hold each of the index
        terms `terms`: the index as the last lookup (`find`) brought it up to date."""
        index = self.search_index
        return len(index), [index.document_frequency(term) if term else 0 for term in terms]

    def update_index(self, progress: Progress | None = None) -> int:
        """Bring the search index up to date with the store; how many documents it holds."""
        with self._transaction() as session:
            self.search_index.catch_up(session, progress)
        return len(self.search_index)

    def reindex(self, progress: Progress | None = None) -> int:
        """Make the search index anew from the stored documents; how many it holds."""
        with self._transaction() as session:
            return self.search_index.rebuild(session, progress)

    @staticmethod
    def _numbers(session: Session, doc_ids: Sequence[str]) -> list[int]:
        numbers: list[int] = []
        for chunk in chunks(list(doc_ids)):
            query = select(StoryPrintRow.id).where(StoryPrintRow.document_id.in_(chunk))
            numbers.extend(session.scalars(query))
        return numbers


def _numbered_documents(
    session: Session, numbers: Sequence[int], *, text: bool = True
) -> dict[int, StoredDocument]:
    """The stored documents numbered `numbers` (by their `story_prints` row), by number;
    without `text`, as `listed` (their text left out)."""
    found: dict[int, StoredDocument] = {}
    documents = table(DocumentRow)
    columns, make = reading(text)
    for chunk in chunks(list(numbers)):
        # Plain rows, not ORM objects: a search reads a few dozen at a time.
        query = (
            select(StoryPrintRow.id.label("number"), *columns)
            .join(documents, documents.c.id == StoryPrintRow.document_id)
            .where(StoryPrintRow.id.in_(chunk))
        )
        for row in session.execute(query):
            found[row.number] = make(row)
    return found
