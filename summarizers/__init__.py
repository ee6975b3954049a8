"""Extractive summarisation of news articles, offline: sumy's methods and a lead baseline.

    >>> from summarizers import Article, summarize
    >>> article = Article.from_paragraphs(["First sentence. Second one.", "A third."])
    >>> summarize(article, 2, method="lead")
    ('First sentence.', 'Second one.')

`names()` lists the methods, `get(name)` returns one; `split_sentences` and `words` are the
tokenisation every method uses, which needs no NLTK data.
"""

from __future__ import annotations

from summarizers.base import Article, Summarizer
from summarizers.registry import DEFAULT, UnknownSummarizerError, get, names
from summarizers.tokenize import split_sentences, words

__all__ = [
    "DEFAULT",
    "Article",
    "Summarizer",
    "UnknownSummarizerError",
    "get",
    "names",
    "split_sentences",
    "summarize",
    "words",
]


def summarize(article: Article, count: int, method: str = DEFAULT) -> tuple[str, ...]:
    """At most `count` sentences of the article, in text order, chosen by the named method."""
    return get(method).summarize(article, count)
