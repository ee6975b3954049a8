"""The feeds the bot polls and the entries it has stored from each: the part of the store
that reads and writes the `feeds` and `feed_entries` tables (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.models import FeedEntryRow, FeedRow
from bot.core.timestamps import as_utc

CONFIG, CHAT, CLI = "config", "chat", "cli"


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
            row = session.get(FeedRow, feed_id)
            if row is None:
                return  # removed while it was being polled
            row.polled_at = row.succeeded_at = polled_at
            row.next_poll_at = next_poll_at
            row.etag, row.last_modified = etag, last_modified
            row.failures, row.last_error = 0, None
            row.entries += new_entries
            if name and row.origin != CONFIG:
                row.name = name[:300]
            if url and url != row.url:
                taken = session.scalar(select(FeedRow.id).where(FeedRow.url == url))
                if taken is None:
                    row.url = url

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

    def entry_documents(self, feed_id: int, keys: Sequence[str]) -> dict[str, str]:
        """The stored document of each of `keys` this feed has had: key → document id."""
        found: dict[str, str] = {}
        with self._transaction() as session:
            for batch in _batches(list(keys), 500):
                query = select(FeedEntryRow.key, FeedEntryRow.document_id).where(
                    FeedEntryRow.feed_id == feed_id, FeedEntryRow.key.in_(batch)
                )
                found.update({key: doc for key, doc in session.execute(query)})
        return found

    def remember_entry(self, feed_id: int, key: str, doc_id: str, seen_at: datetime) -> None:
        """Note that the feed's entry `key` is stored as `doc_id` (after an edit, its new id)."""
        try:
            with self._transaction() as session:
                row = session.get(FeedEntryRow, (feed_id, key))
                if row is None:
                    session.add(
                        FeedEntryRow(feed_id=feed_id, key=key, document_id=doc_id, seen_at=seen_at)
                    )
                else:
                    row.document_id, row.seen_at = doc_id, seen_at
        except IntegrityError:
            # Another process stored the entry first, or the feed was removed meanwhile.
            pass


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
