"""The article a summarizer reads and the interface every summarizer implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from summarizers.tokenize import split_sentences

__all__ = ["Article", "Summarizer", "word_count"]


def word_count(sentence: str) -> int:
    """The length of a sentence in words, as a reader counts them: runs of non-spaces."""
    return len(sentence.split())


@dataclass(frozen=True)
class Article:
    """What a summarizer reads: sentences grouped by paragraph, in text order, and the title if any.

    Every sentence is a non-empty string without surrounding whitespace, as `split_sentences`
    returns them; build articles from raw text with `Article.from_paragraphs`.
    """

    paragraphs: tuple[tuple[str, ...], ...]
    title: str = ""

    def __post_init__(self) -> None:
        for paragraph in self.paragraphs:
            for sentence in paragraph:
                if not sentence or sentence != sentence.strip():
                    raise ValueError(
                        f"sentences must be non-empty and stripped of whitespace: {sentence!r}"
                    )

    @property
    def sentences(self) -> tuple[str, ...]:
        """All sentences, flat, in text order."""
        return tuple(sentence for paragraph in self.paragraphs for sentence in paragraph)

    @property
    def distinct_sentences(self) -> tuple[str, ...]:
        """The sentences in text order with repeats left out: the first occurrence of each."""
        return tuple(dict.fromkeys(self.sentences))

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[str], title: str = "") -> Article:
        """An article of paragraph texts, each split into sentences; empty paragraphs dropped."""
        split = (split_sentences(paragraph) for paragraph in paragraphs)
        return cls(paragraphs=tuple(p for p in split if p), title=title.strip())


class Summarizer(ABC):
    """Picks the sentences of an article that best summarise it."""

    name: ClassVar[str]

    @abstractmethod
    def summarize(self, article: Article, count: int) -> tuple[str, ...]:
        """At most `count` sentences of the article, each as in `article.sentences`, in text order.

        No sentence is returned twice. An empty article or a `count` below 1 gives an empty tuple;
        a `count` at least the number of distinct sentences gives all of them.
        """

    def summarize_words(self, article: Article, budget: int) -> tuple[str, ...]:
        """Sentences of the article within about `budget` words, in text order.

        The generic cut: the largest summary of this method (1, 2, 3, … sentences) whose length
        stays within the budget, and always at least one sentence. A method that knows its own
        ranking overrides this with something cheaper.
        """
        best: tuple[str, ...] = ()
        count = 1
        while True:
            summary = self.summarize(article, count)
            if best and sum(word_count(s) for s in summary) > budget:
                return best
            if len(summary) <= len(best):
                return summary  # the whole article fits
            best = summary
            count += 1
