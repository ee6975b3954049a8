"""The lead summarizer: the opening sentences, the baseline news writing is built around."""

from __future__ import annotations

from summarizers.base import Article, Summarizer

__all__ = ["LeadSummarizer"]


class LeadSummarizer(Summarizer):
    """Takes the first sentences of the article; news puts the essentials first."""

    name = "lead"

    def summarize(self, article: Article, count: int) -> tuple[str, ...]:
        """The first `count` distinct sentences of the article, in text order."""
        return article.distinct_sentences[: max(count, 0)]
