"""A story told by several documents: its sources, which of them heads it, and what a story's
newer sources add to what a chat was already told.

Documents join stories as they are stored (`story_store`); here a story is the list of its
documents, read back from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from urllib.parse import urlsplit

import summarizers
from bot.core.store import StoredDocument
from summarizers.multi import summarize_story, what_is_new

# An update says what is new in a sentence or two.
UPDATE_SENTENCES = 2


@dataclass(frozen=True)
class Source:
    """One source of a story: who published it, where (a link, or a folder document's file
    path), and when."""

    name: str
    link: str
    published: date


def source_name(link: str) -> str:
    """A source in a word or two: a web address by its host, a file by its name."""
    if "://" in link:
        try:
            return urlsplit(link).hostname or link
        except ValueError:
            return link
    return PurePath(link).name


def source_of(document: StoredDocument) -> Source:
    """A document as a source: named by its feed (its outlet), else by its host or file."""
    return Source(document.outlet or source_name(document.source), document.source,
                  document.published)  # fmt: skip


def _words(document: StoredDocument) -> int:
    return sum(len(sentence.split()) for paragraph in document.sentences for sentence in paragraph)


def in_order(documents: Iterable[StoredDocument]) -> list[StoredDocument]:
    """A story's documents with the one that heads it first, then the rest oldest first.

    The head is the source with the most text, the earliest of those on a tie: the full
    article rather than a teaser of it, whose headline was written for the whole story."""
    by_age = sorted(documents, key=lambda d: (d.published, d.ingested_at, d.id))
    if not by_age:
        return []
    head = max(by_age, key=_words)  # the first of the longest: the earliest
    return [head, *(d for d in by_age if d is not head)]


def article_of(document: StoredDocument) -> summarizers.Article:
    """The summarizers' view of a stored document: its sentences per paragraph and headline."""
    return summarizers.Article(paragraphs=document.sentences, title=document.headline)


def story_summary(documents: Sequence[StoredDocument], count: int) -> tuple[str, ...]:
    """One summary of a story told by several documents, no sentence repeating another."""
    return summarize_story([article_of(d) for d in documents], count)


def update_of(told: Sequence[StoredDocument], new: Sequence[StoredDocument]) -> tuple[str, ...]:
    """What the `new` documents of a story add to the `told` ones: up to
    `UPDATE_SENTENCES` sentences that none of them says; none when they add nothing."""
    return what_is_new([article_of(d) for d in told], [article_of(d) for d in new],
                       UPDATE_SENTENCES)  # fmt: skip
