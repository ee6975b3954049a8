"""The feeds the bot polls and the entries it has stored from each: the part of the store
that reads and writes the `feeds` and `feed_entries` tables (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.core.document_store import Sentences, document_values
from bot.core.documents import Document
from bot.core.models import DocumentRow, FeedEntryRow, FeedRow, chunks, table
from bot.core.near_duplicates import Fingerprint
from bot.core.same_event import EventPrint
from bot.core.story_store import NewDocument, StoryIndexes, insert_documents, new_document
from bot.core.timestamps import as_utc

CONFIG, CHAT, CLI = "config", "chat", "cli"
_FEEDS, _ENTRIES = table(FeedRow), table(FeedEntryRow)


@dataclass(frozen=True)
class EntryDocument:
    """A feed entry ready to store: its key in the feed, the story it is, the story's
    sentences, and when it counts as ingested (digests take what was ingested since they
    last ran)."""

    key: str
    document: Document
    sentences: Sentences
    ingested_at: datetime
    # The prints of its text, made where the entry was made ready (a worker process).
    prints: tuple[Fingerprint, EventPrint | None] | None = None

    def new_document(self) -> NewDocument:
        values = document_values(self.document, self.sentences, self.ingested_at)
        if self.prints is None:
            return new_document(values)
        return NewDocument(values, *self.prints)


@dataclass(frozen=True)
class Feed:
    """A feed as stored: where it is, what it is called, how its polls went."""

    id: int
    url: str
    name: str
    interval_minutes: int | None
    origin: str
    added_at: datetime
    etag: str | None
    last_modified: str | None
    polled_at: datetime | None
    succeeded_at: datetime | None
    next_poll_at: datetime | None
    failures: int
    last_error: str | None
    entries: int


def _feed(row: FeedRow) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        name=row.name,
        interval_minutes=row.interval_minutes,
        origin=row.origin,
        added_at=as_utc(row.added_at),
        etag=row.etag,
        last_modified=row.last_modified,
        polled_at=as_utc(row.polled_at),
        succeeded_at=as_utc(row.succeeded_at),
        next_poll_at=as_utc(row.next_poll_at),
        failures=row.failures,
        last_error=row.last_error,
        entries=row.entries,
    )


class FeedRecords:
    """Feeds and their stored entries. Mixed into `Store`, whose transactions it uses."""

    _transaction: Callable[[], AbstractContextManager[Session]]
    _add_new: Callable[[Sequence[Any], Callable[[], bool]], bool]
    # From `DocumentRecords`, beside it in `Store`.
    _replace: Callable[[Session, str, Document, Sentences, tuple[int, str] | None], bool]
    _stories: StoryIndexes

    def add_feed(
        self,
        url: str,
        name: str,
        *,
        origin: str,
        added_at: datetime,
        interval_minutes: int | None = None,
    ) -> Feed | None:
        """Start polling `url` (at once); None when it is polled already."""
        row = FeedRow(
            url=url,
            name=name[:300],
            origin=origin,
            added_at=added_at,
            interval_minutes=interval_minutes,
            failures=0,
            entries=0,
        )
        if not self._add_new([row], lambda: self.feed_by_url(url) is not None):
            return None
        return self.feed_by_url(url)

    def feed_by_url(self, url: str) -> Feed | None:
        with self._transaction() as session:
            row = session.scalar(select(FeedRow).where(FeedRow.url == url))
            return _feed(row) if row else None

    def get_feed(self, feed_id: int) -> Feed | None:
        with self._transaction() as session:
            row = session.get(FeedRow, feed_id)
            return _feed(row) if row else None

    def feeds(self) -> list[Feed]:
        """Every feed, in the order they were added."""
        with self._transaction() as session:
            return [_feed(r) for r in session.scalars(select(FeedRow).order_by(FeedRow.id))]

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling a feed; its stories stay stored. False when there was no such feed."""
        with self._transaction() as session:
            result = session.execute(delete(FeedRow).where(FeedRow.id == feed_id))
            return bool(getattr(result, "rowcount", 0))

    def due_feeds(self, now: datetime) -> list[Feed]:
        """The feeds whose next poll is due, the longest overdue first (new ones first of all)."""
        query = (
            select(FeedRow)
            .where(or_(FeedRow.next_poll_at.is_(None), FeedRow.next_poll_at <= now))
            .order_by(FeedRow.next_poll_at.is_not(None), FeedRow.next_poll_at, FeedRow.id)
        )
        with self._transaction() as session:
            return [_feed(r) for r in session.scalars(query)]

    def update_listed_feed(self, feed_id: int, *, name: str, interval_minutes: int | None) -> None:
        """A feed from the settings takes the name and interval the settings give it now."""
        with self._transaction() as session:
            row = session.get(FeedRow, feed_id)
            if row is not None:
                row.name, row.interval_minutes = name[:300], interval_minutes

    def feed_polled(
        self,
        feed_id: int,
        *,
        polled_at: datetime,
        next_poll_at: datetime,
        etag: str | None,
        last_modified: str | None,
        new_entries: int = 0,
        name: str | None = None,
        url: str | None = None,
    ) -> None:
        """Record a poll that worked: the validators for next time, and when that is.

        `url` moves the feed (a page that named its feed); it stays put when another feed
        is at that address already."""
        with self._transaction() as session:
            # A Core statement rather than the row loaded and changed: most polls answer 304,
            # and a round records thousands of them.
            session.execute(
                update(_FEEDS)
                .where(_FEEDS.c.id == feed_id)
                .values(
                    polled_at=polled_at,
                    succeeded_at=polled_at,
                    next_poll_at=next_poll_at,
                    etag=etag,
                    last_modified=last_modified,
                    failures=0,
                    last_error=None,
                    entries=_FEEDS.c.entries + new_entries,
                )
            )
            if name:
                session.execute(
                    update(FeedRow)
                    .where(FeedRow.id == feed_id, FeedRow.origin != CONFIG)
                    .values(name=name[:300])
                )
            if url:
                other = aliased(FeedRow)
                taken = select(other.id).where(other.url == url).exists()
                session.execute(
                    update(FeedRow)
                    .where(FeedRow.id == feed_id, FeedRow.url != url, ~taken)
                    .values(url=url)
                )

    def feed_failed(
        self, feed_id: int, *, polled_at: datetime, next_poll_at: datetime, error: str
    ) -> int:
        """Record a failed poll; how many have failed in a row now."""
        with self._transaction() as session:
            row = session.get(FeedRow, feed_id)
            if row is None:
                return 0
            row.polled_at = polled_at
            row.next_poll_at = next_poll_at
            row.failures += 1
            row.last_error = error[:2000]
            return row.failures

    def store_entries(
        self, feed_id: int, entries: Sequence[EntryDocument], seen_at: datetime
    ) -> tuple[list[str], list[str]]:
        """Store a feed's entries in one transaction: (ids of new stories, ids of new versions).

        An entry seen before keeps its document, with no write, unless its text or headline
        changed, which updates the document in place (`replace_document`). A new entry whose
        text is stored already (the same story from another feed) is remembered, not stored
        again. An entry listed twice counts once."""
        try:
            return self._store_entries(feed_id, entries, seen_at)
        except IntegrityError:
            # Another process stored some of them meanwhile: once more, seeing what it stored.
            return self._store_entries(feed_id, entries, seen_at)

    def _store_entries(
        self, feed_id: int, entries: Sequence[EntryDocument], seen_at: datetime
    ) -> tuple[list[str], list[str]]:
        first_of_key: dict[str, EntryDocument] = {}
        for entry in entries:
            first_of_key.setdefault(entry.key, entry)
        unique = list(first_of_key.values())
        new: list[str] = []
        updated: list[str] = []
        with self._transaction() as session:
            known = _known_entries(session, feed_id, [entry.key for entry in unique])
            fresh = [entry for entry in unique if entry.key not in known]
            present = _present_documents(session, [entry.document.doc_id for entry in fresh])
            documents = []
            for entry in fresh:
                doc_id = entry.document.doc_id
                if doc_id not in present:
                    documents.append(entry.new_document())
                    present.add(doc_id)
                    new.append(doc_id)
            # Many rows in a statement, not an object each: a first poll stores thousands.
            insert_documents(session, documents, self._stories)
            if fresh:
                session.execute(
                    insert(_ENTRIES),
                    [
                        {"feed_id": feed_id, "key": e.key, "document_id": e.document.doc_id,
                         "seen_at": seen_at}
                        for e in fresh
                    ],
                )  # fmt: skip
            for entry in unique:
                stored = known.get(entry.key)
                if stored is None or stored == _version(entry.document):
                    continue
                if self._replace(session, stored[0], entry.document, entry.sentences,
                                 (feed_id, entry.key)):  # fmt: skip
                    updated.append(entry.document.doc_id)
                    row = session.get(FeedEntryRow, (feed_id, entry.key))
                    if row is not None:
                        row.seen_at = seen_at
        return new, updated


Version = tuple[str, str, date]


def _version(document: Document) -> Version:
    return (document.doc_id, document.headline[:300], document.published)


def _known_entries(session: Session, feed_id: int, keys: list[str]) -> dict[str, Version]:
    """The stored version (document id, headline, date) of each of `keys` the feed has had."""
    found: dict[str, Version] = {}
    for batch in chunks(keys):
        query = (
            select(
                FeedEntryRow.key, FeedEntryRow.document_id, DocumentRow.headline,
                DocumentRow.published,
            )
            .join(DocumentRow, DocumentRow.id == FeedEntryRow.document_id)
            .where(FeedEntryRow.feed_id == feed_id, FeedEntryRow.key.in_(batch))
        )  # fmt: skip
        found.update(
            {key: (doc, headline, day) for key, doc, headline, day in session.execute(query)}
        )
    return found


def _present_documents(session: Session, doc_ids: list[str]) -> set[str]:
    present: set[str] = set()
    for batch in chunks(doc_ids):
        present.update(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(batch))))
    return present
