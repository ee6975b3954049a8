"""A stored document's summary: computed once per method and length, then read from the store."""

from __future__ import annotations

import summarizers
from bot.core.store import Store, StoredDocument


def article_of(document: StoredDocument) -> summarizers.Article:
    """The summarizers' view of a stored document: its sentences per paragraph and headline."""
    return summarizers.Article(paragraphs=document.sentences, title=document.headline)


def summary_of(store: Store, document: StoredDocument, method: str, count: int) -> tuple[str, ...]:
    """The document's `count`-sentence summary by `method`, from the cache when it is there."""
    cached = store.summary(document.id, method, count)
    if cached is not None:
        return cached
    sentences = summarizers.get(method).summarize(article_of(document), count)
    store.save_summary(document.id, method, count, sentences)
    return sentences
