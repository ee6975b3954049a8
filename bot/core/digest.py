"""Digests as plain data: which stories, in which order, under which topic.

Rendering (text, HTML, Block Kit) is the adapters' job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.core import messages
from bot.core.store import Store, StoredDocument
from bot.core.terms import TermCache
from bot.core.topics import Topic

Summarize = Callable[[StoredDocument], tuple[str, ...]]


@dataclass(frozen=True)
class Story:
    """One story of a digest, numbered as the reader sees it."""

    number: int
    doc_id: str
    headline: str
    summary: tuple[str, ...]
    published: date
    source: str
    topic: str | None = None

    @classmethod
    def of(
        cls, number: int, document: StoredDocument, summary: tuple[str, ...], topic: str | None
    ) -> Story:
        return cls(
            number=number,
            doc_id=document.id,
            headline=document.headline,
            summary=summary,
            published=document.published,
            source=document.source,
            topic=topic,
        )


@dataclass(frozen=True)
class Section:
    """The stories of a digest under one topic (None: a digest without topics)."""

    topic: str | None
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class Digest:
    """A digest: sections in the chat's topic order, and the topics with nothing new.

    `nothing` is what it says when it is empty. A `preview` belongs to no chat (nothing
    was recorded as sent), so it invites no follow-up and says what it looked for instead
    of "since your last digest".
    """

    sections: tuple[Section, ...]
    nothing_new_on: tuple[str, ...] = ()
    digest_id: int | None = None
    nothing: str = messages.NOTHING_NEW
    preview: bool = False

    @property
    def stories(self) -> tuple[Story, ...]:
        return tuple(story for section in self.sections for story in section.stories)

    @property
    def empty(self) -> bool:
        return not self.sections


@dataclass(frozen=True)
class Pick:
    """A document chosen for a digest, with the topic that matched it best."""

    document: StoredDocument
    topic: Topic | None
    score: float


def _recency(document: StoredDocument) -> tuple[int, float]:
    return document.published.toordinal(), document.ingested_at.timestamp()


def pick(
    documents: Sequence[StoredDocument], topics: Sequence[Topic], terms: TermCache, limit: int
) -> list[Pick]:
    """The best `limit` documents: by score against the topics, then recency.

    Without topics every document qualifies and the newest come first. A document matching
    several topics goes under the one it matches best (the earlier topic on a tie).
    """
    if not topics:
        newest = sorted(documents, key=_recency, reverse=True)
        return [Pick(d, None, 0.0) for d in newest[:limit]]
    picks = []
    for document in documents:
        best: Pick | None = None
        for topic in topics:
            score = topic.score(terms(document))
            if score is not None and (best is None or score > best.score):
                best = Pick(document, topic, score)
        if best is not None:
            picks.append(best)
    picks.sort(key=lambda p: (p.score, *_recency(p.document)), reverse=True)
    return picks[:limit]


def arrange(
    picks: Sequence[Pick], topics: Sequence[Topic], summarize: Summarize, digest_id: int | None
) -> Digest:
    """The digest of `picks`: grouped by topic in the chat's order, best first in each."""
    order: list[Topic | None] = list(topics) if topics else [None]
    sections = []
    number = 0
    for topic in order:
        stories = []
        for chosen in picks:
            if chosen.topic is not topic:
                continue
            number += 1
            label = topic.text if topic else None
            stories.append(Story.of(number, chosen.document, summarize(chosen.document), label))
        if stories:
            sections.append(Section(topic.text if topic else None, tuple(stories)))
    covered = {s.topic for s in sections}
    nothing = tuple(t.text for t in topics if t.text not in covered)
    return Digest(tuple(sections), nothing, digest_id)


def load_digest(store: Store, digest_id: int, summarize: Summarize) -> Digest:
    """A stored digest as it was built: its stories in order, grouped by topic.

    Topics of the chat's that had nothing new are those it follows now without a section.
    """
    info = store.get_digest(digest_id)
    if info is None:
        raise KeyError(f"no digest {digest_id}")
    sections: list[Section] = []
    stories: list[Story] = []
    current: str | None = None
    items = store.digest_items(digest_id)
    documents = store.get_documents([doc_id for doc_id, _ in items])
    for number, (doc_id, topic) in enumerate(items, start=1):
        document = documents.get(doc_id)
        if document is None:
            continue  # deleted since; the rest of the digest still goes
        if stories and topic != current:
            sections.append(Section(current, tuple(stories)))
            stories = []
        current = topic
        stories.append(Story.of(number, document, summarize(document), topic))
    if stories:
        sections.append(Section(current, tuple(stories)))
    covered = {section.topic for section in sections}
    followed = [info.query] if info.query else store.topics(info.chat_id)
    nothing = tuple(t for t in followed if t not in covered)
    return Digest(tuple(sections), nothing, digest_id)
