"""Which story each stored document tells: the part of the store that writes a new document
with its story and fingerprint, and the band keys that find its near-duplicates (the
`story_prints` table, and the index of them kept in memory).

A new document joins the story of its best near-duplicate (`near_duplicates`) among the
stored documents and the ones stored with it, else that of another outlet's write-up of the
same event (`same_event`), else starts a story of its own, named by its id; it is written with
its story, band keys and words in the same transaction, never without them.

The candidates come from the documents' LSH band keys. Each document's keys are stored in
one row, appended in order; the index of all of them lives in memory, as sorted arrays (12
bytes a key: about 75 MB at 100,000 documents), read from the store when it is first needed
and brought up to date with the rows stored since (by this process or another) before each
use. Kept in the database as an indexed table instead, every new document dirtied some 60
random pages of it, and storing a feed's entries cost ten times as much.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.core.models import DocumentRow, StoryPrintRow, chunks, table
from bot.core.near_duplicates import Fingerprint, best_match, fingerprint
from bot.core.postings import RECENT, Postings
from bot.core.same_event import EventIndex, EventPrint, event_print

_DOCUMENTS, _PRINTS = table(DocumentRow), table(StoryPrintRow)
# The candidates of a new document checked, those sharing the most band keys with it first:
# a copy shares many, a text with one phrase in common one or two.
CANDIDATES = 30
# On PostgreSQL, transactions may commit out of the order of their row numbers: the index
# reads this many rows back from the highest it has seen, so that none is skipped.
_LOOK_BACK = {"sqlite": 0}
_DEFAULT_LOOK_BACK = 1000


@dataclass(frozen=True)
class NewDocument:
    """A document's row to insert (`document_values`) and the fingerprint of its text."""

    values: dict[str, Any]
    print_: Fingerprint
    event: EventPrint | None

    @property
    def id(self) -> str:
        return str(self.values["id"])


class BandIndex:
    """The band keys of the stored documents, in memory (`postings`): which documents have a
    key. Documents are numbered as they come."""

    BULK = 1_000  # documents read at once from which they are sorted in together

    def __init__(self, recent: int = RECENT) -> None:
        self._keys = Postings(recent)
        self._ids: list[str] = []
        self._numbers: dict[str, int] = {}
        self._read = 0  # the highest `story_prints` row read
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def catch_up(self, session: Session) -> list[str] | None:
        """Add the rows stored since the index last read them (all of them the first time);
        the documents they were of (None the first time)."""
        look_back = _LOOK_BACK.get(session.get_bind().dialect.name, _DEFAULT_LOOK_BACK)
        if not self._ids:  # the first reading: every row, keys and all, in one go
            everything = select(StoryPrintRow.id, StoryPrintRow.document_id, StoryPrintRow.keys)
            rows = session.execute(everything.order_by(StoryPrintRow.id)).all()
            if rows:
                self._read = rows[-1][0]
            self._hold([(doc_id, data) for _, doc_id, data in rows])
            return None
        listed = session.execute(
            select(StoryPrintRow.id, StoryPrintRow.document_id)
            .where(StoryPrintRow.id > self._read - look_back)
            .order_by(StoryPrintRow.id)
        ).all()
        if listed:
            self._read = max(self._read, listed[-1][0])
        # The keys only of the documents not held yet (rows read back are mostly held).
        wanted = [number for number, doc_id in listed if doc_id not in self._numbers]
        fresh: list[tuple[str, bytes]] = []
        for chunk in chunks(wanted):
            query = select(StoryPrintRow.document_id, StoryPrintRow.keys).where(
                StoryPrintRow.id.in_(chunk)
            )
            fresh.extend((doc_id, data) for doc_id, data in session.execute(query))
        self._hold(fresh)
        return [doc_id for doc_id, _ in fresh]

    def _hold(self, fresh: list[tuple[str, bytes]]) -> None:
        """Hold documents read from the store: (id, keys as stored) each."""
        fresh = [(doc_id, data) for doc_id, data in fresh if doc_id not in self._numbers]
        if len(fresh) < self.BULK:
            for doc_id, data in fresh:
                self.add(doc_id, numpy.frombuffer(data, dtype="<i8").tolist())
            return
        # Many at once (the first reading, after a restart): sorted in one go.
        first = len(self._ids)
        for number, (doc_id, _) in enumerate(fresh, start=first):
            self._numbers[doc_id] = number
            self._ids.append(doc_id)
        keys = numpy.frombuffer(b"".join(data for _, data in fresh), dtype="<i8")
        counts = [len(data) // 8 for _, data in fresh]
        holders = numpy.repeat(numpy.arange(first, len(self._ids), dtype=numpy.int32), counts)
        self._keys.add_many(keys.astype(numpy.int64), holders)

    def add(self, doc_id: str, keys: Iterable[int]) -> None:
        """Hold a document's keys (once: a document held already is left as it is)."""
        if doc_id in self._numbers:
            return
        number = self._numbers[doc_id] = len(self._ids)
        self._ids.append(doc_id)
        self._keys.add(number, keys)

    def candidates(self, keys: Sequence[int], limit: int = CANDIDATES) -> list[str]:
        """The documents that share a key with `keys`, those sharing the most first."""
        found = self._keys.holders(keys)
        if not found:
            return []
        return [self._ids[number] for number, _ in Counter(found).most_common(limit)]


def new_document(values: dict[str, Any]) -> NewDocument:
    """A document's row to insert, with the prints of its text made here."""
    body = values["body"]
    return NewDocument(
        values, fingerprint(body), event_print(values["headline"], body, values["published"])
    )


@dataclass
class StoryIndexes:
    """What finds the story of a new document: the band keys of its near-duplicates, and the
    key words of recent documents that may tell the same event."""

    bands: BandIndex = field(default_factory=BandIndex)
    events: EventIndex = field(default_factory=EventIndex)


def insert_documents(
    session: Session,
    documents: Sequence[NewDocument],
    indexes: StoryIndexes,
    *,
    story: str | None = None,
) -> dict[str, str]:
    """Insert `documents`, each with its story (`story` for all of them when given: a new
    version of a document stays in its story) and its band keys; the story of each, by id."""
    keys = {document.id: sorted(set(document.print_.band_keys)) for document in documents}
    index = indexes.bands
    with index.lock, indexes.events.lock:
        indexes.events.catch_up(session, index.catch_up(session))
        stories = _stories(session, documents, keys, indexes, story)
        rows = [
            {**document.values, "story_id": stories[document.id],
             "fingerprint": document.print_.to_bytes()}
            for document in documents
        ]  # fmt: skip
        if rows:
            session.execute(insert(_DOCUMENTS), rows)
            prints = [
                {"document_id": document.id,
                 "keys": numpy.array(keys[document.id], dtype="<i8").tobytes(),
                 "words": document.event.to_bytes() if document.event else None}
                for document in documents
            ]  # fmt: skip
            session.execute(insert(_PRINTS), prints)
    return stories


def _stories(
    session: Session,
    documents: Sequence[NewDocument],
    keys: dict[str, list[int]],
    indexes: StoryIndexes,
    story: str | None,
) -> dict[str, str]:
    """The story each of `documents` joins, in order: each may join one placed before it in
    the same call (a near-duplicate's story, else the story of a write-up of the same event,
    else its own). Each is held by the indexes as it is placed."""
    index, events = indexes.bands, indexes.events
    candidates = {document.id: index.candidates(keys[document.id]) for document in documents}
    if story is None and len(documents) > 1:
        events.prefetch(session, (document.event for document in documents))
    known: dict[str, tuple[str, Fingerprint]] = {}  # document → (its story, its fingerprint)
    wanted = sorted({doc_id for found in candidates.values() for doc_id in found})
    for chunk in chunks(wanted):
        query = select(DocumentRow.id, DocumentRow.story_id, DocumentRow.fingerprint).where(
            DocumentRow.id.in_(chunk)
        )
        for doc_id, its_story, data in session.execute(query):
            if data is not None:
                known[doc_id] = (its_story or doc_id, Fingerprint.from_bytes(data))
    stories: dict[str, str] = {}
    earlier: dict[int, list[str]] = {}  # band key → documents placed before in this call
    for document in documents:
        found = list(candidates[document.id])
        for key in keys[document.id]:
            found.extend(earlier.get(key, ()))
            earlier.setdefault(key, []).append(document.id)
        if story is None:
            match = best_match(
                document.print_,
                ((doc_id, known[doc_id][1]) for doc_id in dict.fromkeys(found) if doc_id in known),
            )
            stories[document.id] = (
                known[match[0]][0]
                if match
                else events.story_of(document.event, session) or document.id
            )
        else:
            stories[document.id] = story
        known[document.id] = (stories[document.id], document.print_)
        index.add(document.id, keys[document.id])
        events.add(document.id, stories[document.id], document.event)
    return stories
