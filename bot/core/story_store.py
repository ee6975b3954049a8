"""Which story each stored document tells: the part of the store that writes a new document
with its story and fingerprint, and reads and writes the `story_bands` table.

A new document joins the story of its best near-duplicate (`near_duplicates`) among the
stored documents and the ones stored with it, else starts a story of its own, named by its
id. The candidates come from the band keys stored beside each document, so finding them
costs a few indexed lookups however many documents are stored, and nothing is held in memory
or rebuilt at a restart. Everything happens in the transaction that stores the document:
a document is never stored without its story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.core.models import DocumentRow, StoryBandRow, chunks, table
from bot.core.near_duplicates import Fingerprint, band_keys, best_match

_DOCUMENTS, _BANDS = table(DocumentRow), table(StoryBandRow)


@dataclass(frozen=True)
class NewDocument:
    """A document's row to insert (`document_values`) and the fingerprint of its text."""

    values: dict[str, Any]
    print_: Fingerprint

    @property
    def id(self) -> str:
        return str(self.values["id"])


def insert_documents(
    session: Session, documents: Sequence[NewDocument], *, story: str | None = None
) -> dict[str, str]:
    """Insert `documents`, each with its story (`story` for all of them when given: a new
    version of a document stays in its story) and its band keys; the story of each, by id."""
    keys = {document.id: sorted(set(band_keys(document.print_))) for document in documents}
    if story is not None:
        stories = {document.id: story for document in documents}
    else:
        stories = _stories(session, documents, keys)
    rows = [
        {**document.values, "story_id": stories[document.id],
         "fingerprint": document.print_.to_bytes()}
        for document in documents
    ]  # fmt: skip
    if rows:
        session.execute(insert(_DOCUMENTS), rows)
    bands = [{"key": key, "document_id": doc_id} for doc_id, found in keys.items() for key in found]
    for chunk in chunks(bands):
        session.execute(insert(_BANDS), chunk)
    return stories


def _stories(
    session: Session, documents: Sequence[NewDocument], keys: dict[str, list[int]]
) -> dict[str, str]:
    """The story each of `documents` joins, in order: each may join one stored before it in
    the same call."""
    holders: dict[int, list[str]] = defaultdict(list)  # band key → documents that have it
    for band_chunk in chunks(sorted({key for found in keys.values() for key in found})):
        bands = select(StoryBandRow.key, StoryBandRow.document_id).where(
            StoryBandRow.key.in_(band_chunk)
        )
        for key, doc_id in session.execute(bands):
            holders[key].append(doc_id)
    known: dict[str, tuple[str, Fingerprint]] = {}  # document → (its story, its fingerprint)
    stored = sorted({doc_id for found in holders.values() for doc_id in found})
    for chunk in chunks(stored):
        query = select(DocumentRow.id, DocumentRow.story_id, DocumentRow.fingerprint).where(
            DocumentRow.id.in_(chunk)
        )
        for doc_id, story, data in session.execute(query):
            if data is not None:
                known[doc_id] = (story or doc_id, Fingerprint.from_bytes(data))
    stories: dict[str, str] = {}
    for document in documents:
        candidates = {doc_id for key in keys[document.id] for doc_id in holders.get(key, ())}
        match = best_match(
            document.print_,
            ((doc_id, known[doc_id][1]) for doc_id in sorted(candidates) if doc_id in known),
        )
        story = known[match[0]][0] if match else document.id
        stories[document.id] = story
        known[document.id] = (story, document.print_)
        for key in keys[document.id]:
            holders[key].append(document.id)
    return stories
