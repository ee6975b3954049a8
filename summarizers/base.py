"""The article a summarizer reads and the interface every summarizer implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from summarizers.tokenize import split_sentences

__all__ = ["Article", "Summarizer"]


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
