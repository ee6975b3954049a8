"""Digests as plain data: which stories, in which order, under which topic.

Rendering (text, HTML, Block Kit) is the adapters' job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.core import messages
from bot.core.store import DigestItem, Scored, Store, StoredDocument
from bot.core.stories import Source, in_order, source_of, update_of
from bot.core.topics import Topic

# A story's summary, from its documents (the one that heads it first).
Summarize = Callable[[Sequence[StoredDocument]], tuple[str, ...]]


@dataclass(frozen=True)
class Story:
    """One story of a digest, numbered as the reader sees it: the headline, date and link of
    the source that heads it, and every source of it in the digest (that one first).

    An `update` is a story the chat had before: its summary is what its new `sources` add.
    """

    number: int
    doc_id: str
    headline: str
    summary: tuple[str, ...]
    published: date
    source: str
    topic: str | None = None
    sources: tuple[Source, ...] = ()
    update: bool = False

    @classmethod
    def of(
        cls,
        number: int,
        document: StoredDocument,
        summary: tuple[str, ...],
        topic: str | None,
        *,
        sources: Sequence[StoredDocument] = (),
        update: bool = False,
    ) -> Story:
        """The story headed by `document`; its `sources` are that one alone unless given."""
        return cls(
            number=number,
            doc_id=document.id,
            headline=document.headline,
            summary=summary,
            published=document.published,
            source=document.source,
            topic=topic,
            sources=tuple(source_of(d) for d in (sources or (document,))),
            update=update,
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
    # False when the topic matched only in close words: it ranks after every exact match.
    exact: bool = True


@dataclass(frozen=True)
class StoryPick:
    """A story chosen for a digest: the document that heads it, the documents it brings
    to the chat (that one first, for a story new to the chat), and for a story the chat had,
    what those add."""

    head: StoredDocument
    documents: tuple[StoredDocument, ...]
    topic: Topic | None
    update: tuple[str, ...] | None = None
    # Of `documents`, those the chat had in an earlier version (edited since): not delivered
    # again.
    edited: frozenset[str] = frozenset()

    def item(self, topic: str | None) -> DigestItem:
        brought = tuple(d.id for d in self.documents if d.id not in self.edited)
        return DigestItem(self.head.id, topic, brought, self.update)


def _recency(document: StoredDocument) -> tuple[int, float]:
    return document.published.toordinal(), document.ingested_at.timestamp()


def pick(found: Sequence[tuple[Topic, Sequence[Scored]]]) -> list[Pick]:
    """The documents each topic found (`found`: the topics in the chat's order), best first:
    exact matches before close ones, by score, then recency. A document several topics found
    goes under the one it matches best (the earlier topic on a tie)."""
    best: dict[str, Pick] = {}
    for topic, scored in found:
        for item in scored:
            held = best.get(item.document.id)
            if held is None or (item.exact, item.score) > (held.exact, held.score):
                best[item.document.id] = Pick(item.document, topic, item.score, item.exact)
    return sorted(
        best.values(), key=lambda p: (p.exact, p.score, *_recency(p.document)), reverse=True
    )


def newest(documents: Sequence[StoredDocument]) -> list[Pick]:
    """Every document, as a digest without topics takes them: the newest first."""
    return [Pick(d, None, 0.0) for d in sorted(documents, key=_recency, reverse=True)]


def story_picks(
    store: Store,
    picks: Sequence[Pick],
    limit: int,
    *,
    chat: int | None = None,
    edited: Mapping[str, tuple[StoredDocument, StoredDocument]] | None = None,
) -> list[StoryPick]:
    """The best `limit` stories of `picks` (documents, best first), each with all its stored
    documents; for a `chat`, a story it had only when they add something to it (`edited`:
    documents it had that were edited since, as they are and as they were when it had
    them)."""
    stories = list(dict.fromkeys(chosen.document.story_id for chosen in picks))
    told = store.told(chat, stories) if chat is not None else {}
    # Every story told before might add nothing: read enough for the updates to drop out.
    wanted = stories[: limit + len(told)]
    was = {doc_id: before for doc_id, (_, before) in (edited or {}).items()}
    return pick_stories(picks, store.story_documents(wanted), limit, told, was)


def pick_stories(
    picks: Sequence[Pick],
    documents: Mapping[str, Sequence[StoredDocument]],
    limit: int,
    told: Mapping[str, set[str]] | None = None,
    edited: Mapping[str, StoredDocument] | None = None,
) -> list[StoryPick]:
    """The best `limit` stories of `picks` (documents, best first): each story once, where
    its best document stands. `documents` are every document of each story, as shown (the
    picks may be documents read without their text); `told`, the
    documents of each story the chat has had; `edited`, those of them edited since, as the
    chat had them.

    A story the chat had comes back only when its other documents, or the edits of its own,
    add something to what it was told (an update); with nothing new it is left out."""
    edited = edited or {}
    chosen: list[StoryPick] = []
    seen: set[str] = set()
    for best in picks:
        story = best.document.story_id or best.document.id
        if story in seen:
            continue
        seen.add(story)
        members = in_order(documents.get(story, ()))
        if not members:  # deleted since it was found
            continue
        had = (told or {}).get(story)
        if not had:
            chosen.append(StoryPick(members[0], tuple(members), best.topic))
        else:
            old = [edited.get(d.id, d) for d in members if d.id in had]
            new = [d for d in members if d.id not in had or d.id in edited]
            update = update_of(old, new) if new and old else ()
            if not update:
                continue
            again = frozenset(d.id for d in new if d.id in edited)
            chosen.append(StoryPick(old[0], tuple(new), best.topic, update, again))
        if len(chosen) == limit:
            break
    return chosen


def arrange(
    picks: Sequence[StoryPick],
    topics: Sequence[Topic],
    summarize: Summarize,
    digest_id: int | None,
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
            stories.append(_story(number, chosen.item(label), chosen.head, chosen.documents,
                                  summarize))  # fmt: skip
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
    items = store.digest_entries(digest_id)
    wanted = {doc_id for item in items for doc_id in (item.document_id, *item.documents)}
    documents = store.get_documents(sorted(wanted))
    for number, item in enumerate(items, start=1):
        head = documents.get(item.document_id)
        if head is None:
            continue  # deleted since; the rest of the digest still goes
        sources = [documents[d] for d in item.documents if d in documents]
        if stories and item.topic != current:
            sections.append(Section(current, tuple(stories)))
            stories = []
        current = item.topic
        stories.append(_story(number, item, head, sources, summarize))
    if stories:
        sections.append(Section(current, tuple(stories)))
    covered = {section.topic for section in sections}
    followed = [info.query] if info.query else store.topics(info.chat_id)
    nothing = tuple(t for t in followed if t not in covered)
    return Digest(tuple(sections), nothing, digest_id)


def _story(
    number: int,
    item: DigestItem,
    head: StoredDocument,
    sources: Sequence[StoredDocument],
    summarize: Summarize,
) -> Story:
    """A digest's story as the reader sees it: an update says what its sources add; a new
    story is summarised from all its sources."""
    if item.update is not None:
        # The sources the news comes from (copies that came with them add nothing).
        told = [d for d in sources if any(s in p for p in d.sentences for s in item.update)]
        return Story.of(number, head, item.update, item.topic, sources=told or sources,
                        update=True)  # fmt: skip
    members = sources or (head,)
    return Story.of(number, head, summarize(members), item.topic, sources=members)
