"""The documents the bot has read and the summaries made of them: the part of the store that
reads and writes the `documents` and `summaries` tables (a new document's story:
`story_store`; the files read: `file_store`) (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy import update as sqlalchemy_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.documents import Document
from bot.core.models import (
    DeliveryRow,
    DigestItemRow,
    DocumentRow,
    DocumentVersionRow,
    FeedEntryRow,
    SourceFileRow,
    SummaryRow,
    chunks,
    table,
)
from bot.core.near_duplicates import Fingerprint
from bot.core.same_event import EventPrint
from bot.core.story_store import NewDocument, StoryIndexes, insert_documents, new_document
from bot.core.timestamps import as_utc, now

Sentences = tuple[tuple[str, ...], ...]
_COLUMNS = table(DocumentRow)


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
    # The story it tells (the id of the story's first document); see `story_store`.
    story_id: str = ""


@dataclass(frozen=True)
class Opening:
    """The start of a stored document: enough to tell what its story is about."""

    doc_id: str
    story_id: str
    ingested_at: datetime
    headline: str
    # The first characters of its text (`openings` says how many).
    text: str


def _document(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        id=row.id,
        published=row.published,
        headline=row.headline,
        paragraphs=tuple(row.body.split("\n\n")),
        headings=tuple(row.headings),
        sentences=tuple(tuple(p) for p in row.sentences),
        source=row.source,
        ingested_at=as_utc(row.ingested_at),
        author=row.author or "",
        outlet=row.outlet or "",
        story_id=row.story_id or row.id,
    )


# A document's columns but its text: what ranking candidates needs of them.
_LISTED = ("id", "story_id", "published", "headline", "source", "ingested_at", "author", "outlet")


def reading(text: bool) -> tuple[list[Any], Callable[[Any], StoredDocument]]:
    """The columns to read of a document and what makes it of the row read: whole, or
    without its text (`listed`)."""
    if text:
        return list(_COLUMNS.columns), _document
    return [_COLUMNS.c[name] for name in _LISTED], listed


def listed(row: Any) -> StoredDocument:
    """A document read without its text: it may be ranked, not shown."""
    return StoredDocument(
        id=row.id,
        published=row.published,
        headline=row.headline,
        paragraphs=(),
        headings=(),
        sentences=(),
        source=row.source,
        ingested_at=as_utc(row.ingested_at),
        author=row.author or "",
        outlet=row.outlet or "",
        story_id=row.story_id or row.id,
    )


def _stored(values: dict[str, Any], story: str) -> StoredDocument:
    """A document as it was just stored, from the values written (`document_values`)."""
    return _document(SimpleNamespace(**values, story_id=story))  # type: ignore[arg-type]


def document_values(
    document: Document, sentences: Sentences, ingested_at: datetime
) -> dict[str, Any]:
    """A document's row in the `documents` table, as column values."""
    return {
        "id": document.doc_id,
        "published": document.published,
        "headline": document.headline[:300],
        "body": document.text,
        "headings": list(document.headings),
        "sentences": [list(p) for p in sentences],
        "source": document.source[:2000],
        "ingested_at": ingested_at,
        "author": document.author[:300] or None,
        "outlet": document.outlet[:300] or None,
    }


# A document's prints (`story_store`), when they were made elsewhere (a worker process).
Prints = tuple[Fingerprint, EventPrint | None]


def _new(
    document: Document, sentences: Sentences, ingested_at: datetime, prints: Prints | None = None
) -> NewDocument:
    values = document_values(document, sentences, ingested_at)
    return new_document(values) if prints is None else NewDocument(values, *prints)


class DocumentRecords:
    """Documents, their source files and their summaries. Mixed into `Store`, whose
    transactions it uses."""

    _transaction: Callable[[], AbstractContextManager[Session]]
    _add_new: Callable[[Sequence[Any], Callable[[], bool]], bool]
    _stories: StoryIndexes

    def add_document(
        self,
        document: Document,
        sentences: Sentences,
        ingested_at: datetime | None = None,
        prints: Prints | None = None,
    ) -> bool:
        """Store a document in its story (with its `prints` when they were made already);
        False when a document with the same content is already stored."""
        new = _new(document, sentences, ingested_at or now(), prints)
        try:
            with self._transaction() as session:
                insert_documents(session, [new], self._stories)
        except IntegrityError:
            if self.get_document(document.doc_id) is None:
                raise
            return False
        return True

    def add_documents(
        self, read: Sequence[tuple[Document, Sentences, Prints | None]]
    ) -> list[StoredDocument | None]:
        """Store many documents in their stories at once (a statement for them all, with
        their `prints` when made already); each one as stored, None for one whose content is
        stored already or comes earlier in `read`."""
        ingested = now()
        news = [_new(document, sentences, ingested, prints) for document, sentences, prints in read]
        wanted = [new.id for new in news]
        try:
            with self._transaction() as session:
                present = {
                    doc_id
                    for chunk in chunks(wanted)
                    for doc_id in session.scalars(
                        select(DocumentRow.id).where(DocumentRow.id.in_(chunk))
                    )
                }
                fresh: dict[str, NewDocument] = {}
                for new in news:
                    if new.id not in present:
                        fresh.setdefault(new.id, new)
                stories = insert_documents(session, list(fresh.values()), self._stories)
        except IntegrityError:  # another writer stored one of them meanwhile: one at a time
            return [
                self.get_document(document.doc_id)
                if self.add_document(document, sentences, ingested, prints)
                else None
                for document, sentences, prints in read
            ]
        return [
            _stored(new.values, stories[new.id]) if fresh.pop(new.id, None) else None
            for new in news
        ]

    def replace_document(
        self, previous: str, document: Document, sentences: Sentences, prints: Prints | None = None
    ) -> bool:
        """Put `document` in the place of `previous`, the document its file held before the
        file was edited; False, changing nothing, when `previous` is gone, another file holds
        it too, or `document` is stored already as it is.

        The id follows the content, so that copies of the new text elsewhere stay one
        document; the deliveries and digests of `previous` follow the id, so a chat that had
        the story does not get it again. Its summaries go: they summarised the old text (or
        were titled with the old headline).
        """
        try:
            with self._transaction() as session:
                return self._replace(session, previous, document, sentences, prints=prints)
        except IntegrityError:
            # Another writer stored this content first.
            if self.get_document(document.doc_id) is None:
                raise
            return False

    def _replace(
        self,
        session: Session,
        previous: str,
        document: Document,
        sentences: Sentences,
        entry: tuple[int, str] | None = None,
        prints: Prints | None = None,
    ) -> bool:
        """`replace_document` within the transaction `session`; for a feed's `entry` (feed,
        key), that entry follows it too."""
        holders = (
            select(func.count())
            .select_from(SourceFileRow)
            .where(SourceFileRow.document_id == previous)
        )
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
        insert_documents(
            session,
            [_new(document, sentences, now(), prints)],
            self._stories,
            story=old.story_id or old.id,
        )
        had = select(DeliveryRow.id).where(DeliveryRow.document_id == previous).limit(1)
        if session.scalar(had) is not None:
            # A chat had it: what it said then is kept, for what the edit adds.
            session.add(DocumentVersionRow(document_id=document.doc_id, headline=old.headline,
                                           sentences=old.sentences, replaced_at=now()))  # fmt: skip
        for holder in (DeliveryRow, DigestItemRow, SourceFileRow, DocumentVersionRow):
            session.execute(
                sqlalchemy_update(holder)
                .where(holder.document_id == previous)
                .values(document_id=document.doc_id)
            )
        if entry is not None:
            session.execute(
                sqlalchemy_update(FeedEntryRow)
                .where(FeedEntryRow.feed_id == entry[0], FeedEntryRow.key == entry[1])
                .values(document_id=document.doc_id)
            )
        session.execute(delete(DocumentRow).where(DocumentRow.id == previous))
        return True

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, StoredDocument]:
        """The stored documents among `doc_ids`, by id, in one query."""
        query = select(_COLUMNS).where(_COLUMNS.c.id.in_(list(doc_ids)))
        with self._transaction() as session:
            # Plain rows rather than ORM objects: the same fields, less work a row.
            return {row.id: _document(row) for row in session.execute(query)}  # type: ignore[arg-type]

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

    def openings(self, since: datetime, chars: int) -> list[Opening]:
        """The documents ingested after `since`, oldest first, each with its headline and
        the first `chars` characters of its text: a week of news in one light query."""
        query = (
            select(
                DocumentRow.id,
                DocumentRow.story_id,
                DocumentRow.ingested_at,
                DocumentRow.headline,
                func.substr(DocumentRow.body, 1, chars),
            )
            .where(DocumentRow.ingested_at > since)
            .order_by(DocumentRow.ingested_at, DocumentRow.id)
        )
        with self._transaction() as session:
            return [
                Opening(doc_id, story or doc_id, as_utc(at), headline, text)
                for doc_id, story, at, headline, text in session.execute(query)
            ]

    def story_documents(
        self, story_ids: Sequence[str], *, text: bool = True
    ) -> dict[str, list[StoredDocument]]:
        """Every stored document of each of the stories `story_ids`, by story; without
        `text`, as `listed` (their sources, say)."""
        found: dict[str, list[StoredDocument]] = {}
        columns, make = reading(text)
        with self._transaction() as session:
            for chunk in chunks(sorted(set(story_ids))):
                query = select(*columns).where(_COLUMNS.c.story_id.in_(chunk))
                for row in session.execute(query):
                    document = make(row)
                    found.setdefault(document.story_id, []).append(document)
        return found

    def told(self, chat_id: int, story_ids: Sequence[str]) -> dict[str, set[str]]:
        """The documents of each of `story_ids` that have reached the chat, by story (the
        stories it has not had are left out)."""
        found: dict[str, set[str]] = {}
        with self._transaction() as session:
            for chunk in chunks(sorted(set(story_ids))):
                query = (
                    select(DocumentRow.story_id, DocumentRow.id)
                    .join(DeliveryRow, DeliveryRow.document_id == DocumentRow.id)
                    .where(DeliveryRow.chat_id == chat_id, DocumentRow.story_id.in_(chunk))
                )
                for story, doc_id in session.execute(query):
                    found.setdefault(story or doc_id, set()).add(doc_id)
        return found

    def edited_versions(
        self, chat_id: int, since: datetime
    ) -> dict[str, tuple[StoredDocument, StoredDocument]]:
        """The documents the chat had whose text was edited since `since`, by id: each as it
        is now and as it was before the first of those edits (what the chat was told)."""
        query = (
            select(DocumentVersionRow)
            .join(DeliveryRow, DeliveryRow.document_id == DocumentVersionRow.document_id)
            .where(DeliveryRow.chat_id == chat_id, DocumentVersionRow.replaced_at > since)
            .order_by(DocumentVersionRow.replaced_at.desc(), DocumentVersionRow.id.desc())
        )
        with self._transaction() as session:
            earliest = {row.document_id: row for row in session.scalars(query)}
            if not earliest:
                return {}
            current = session.scalars(select(DocumentRow).where(DocumentRow.id.in_(earliest)))
            found = {}
            for row in current:
                now, was = _document(row), earliest[row.id]
                sentences = tuple(tuple(p) for p in was.sentences)
                found[row.id] = (now, replace(now, headline=was.headline, sentences=sentences))
            return found

    def count_documents(self) -> int:
        with self._transaction() as session:
            return session.scalar(select(func.count()).select_from(DocumentRow)) or 0

    # Summaries

    def summary(self, doc_id: str, method: str, count: int) -> tuple[str, ...] | None:
        """The cached summary, or None when it has not been computed."""
        with self._transaction() as session:
            row = session.get(SummaryRow, (doc_id, method, count))
            return tuple(row.sentences) if row else None

    def save_summaries(
        self, method: str, count: int, summaries: Sequence[tuple[str, Sequence[str]]]
    ) -> None:
        """Cache many summaries, (document id, sentences) each, in one transaction; those
        cached already (by a concurrent writer) and those of documents gone meanwhile are
        left out."""
        if not summaries:
            return
        wanted = {doc_id: list(sentences) for doc_id, sentences in summaries}
        try:
            with self._transaction() as session:
                ids = list(wanted)
                cached = set(
                    session.scalars(
                        select(SummaryRow.document_id).where(
                            SummaryRow.document_id.in_(ids),
                            SummaryRow.method == method,
                            SummaryRow.sentences_count == count,
                        )
                    )
                )
                stored = set(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(ids))))
                rows = [
                    {"document_id": doc_id, "method": method, "sentences_count": count,
                     "sentences": sentences}
                    for doc_id, sentences in wanted.items()
                    if doc_id in stored and doc_id not in cached
                ]  # fmt: skip
                if rows:
                    session.execute(insert(table(SummaryRow)), rows)
        except IntegrityError:
            # Another writer cached some of them (or removed a document) meanwhile.
            for doc_id, sentences in wanted.items():
                if self.summary(doc_id, method, count) is None and self.get_document(doc_id):
                    self.save_summary(doc_id, method, count, sentences)

    def save_summary(self, doc_id: str, method: str, count: int, sentences: Sequence[str]) -> None:
        """Cache a summary; a concurrent writer of the same summary is harmless."""
        row = SummaryRow(
            document_id=doc_id, method=method, sentences_count=count, sentences=list(sentences)
        )
        self._add_new([row], lambda: self.summary(doc_id, method, count) is not None)
