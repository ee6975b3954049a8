"""A stored document's summary: computed once per method and length, then read from the store."""

from __future__ import annotations

from collections.abc import Sequence

import summarizers
from bot.core.store import Store, StoredDocument
from bot.core.stories import article_of, story_summary


def summary_of(store: Store, document: StoredDocument, method: str, count: int) -> tuple[str, ...]:
    """The document's `count`-sentence summary by `method`, from the cache when it is there."""
    cached = store.summary(document.id, method, count)
    if cached is not None:
        return cached
    sentences = summarizers.get(method).summarize(article_of(document), count)
    store.save_summary(document.id, method, count, sentences)
    return sentences


def story_summary_of(
    store: Store, documents: Sequence[StoredDocument], method: str, count: int
) -> tuple[str, ...]:
    """A story's summary: of its one document (computed once), or drawn from all its
    sources (the first heads it)."""
    if len(documents) == 1:
        return summary_of(store, documents[0], method, count)
    return story_summary(documents, count)


class Summaries:
    """Summaries by one method and length, kept in memory as well as in the store.

    A stored summary never changes, so once read it is served from memory: building and
    sending thousands of digests of the same stories reads each summary once.
    """

    LIMIT = 50_000

    def __init__(self, store: Store, method: str, count: int) -> None:
        self.store = store
        self.method = method
        self.count = count
        self._known: dict[str, tuple[str, ...]] = {}

    def __call__(self, document: StoredDocument) -> tuple[str, ...]:
        found = self._known.get(document.id)
        if found is None:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            found = self._known[document.id] = summary_of(
                self.store, document, self.method, self.count
            )
        return found
