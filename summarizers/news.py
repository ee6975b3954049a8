"""The news summarizer: central sentences, nudged towards the lead, without repeats.

News is written top-down: the opening sentences carry the story, and the rest adds detail,
quotes and background. Plain centrality (LexRank, TextRank) ignores that and picks long
sentences from anywhere; the lead alone misses the facts that come later. This ranker scores
each sentence with three factors and picks greedily:

    score = centrality × length factor × position factor

- centrality: cosine similarity between the sentence's TF-IDF vector and the centroid of the
  article (the sum of all sentence vectors); IDF is computed within the article, so words in
  every sentence count for little;
- length factor: min(1, words / FULL_LENGTH): fragments and captions carry less than a full
  sentence, and above that length nothing changes;
- position factor: 1 + exp(−position / POSITION_DECAY): the opening sentence counts double,
  the weight fades over the first couple of dozen sentences;
- picking: each next sentence's score is multiplied by (1 − REDUNDANCY × its greatest
  similarity to a sentence already picked), so a summary does not say the same thing twice.

Bylines, time stamps and web-page prompts are skipped (`summarizers.boilerplate`). Words are
stemmed with sumy's English stemmer and sumy's stop words are left out; the rest is numpy. The
four constants were chosen on half of the development data and checked on the other half
(see docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy
from numpy.typing import NDArray
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from summarizers.base import Article, Summarizer, word_count
from summarizers.boilerplate import boilerplate_mask
from summarizers.tokenize import LANGUAGE, WORD

__all__ = ["NewsSummarizer", "Vector", "pick", "score_sentences", "terms"]

# Sentences shorter than this many words have their score scaled down in proportion.
FULL_LENGTH = 25
# How fast the lead's advantage fades, in sentences: sentence 12 keeps e⁻¹ of the first's extra.
POSITION_DECAY = 12.0
# How strongly similarity to a sentence already picked lowers a candidate's score (0 to 1).
REDUNDANCY = 0.6

Vector = NDArray[numpy.float64]


class _Terms:
    """Word → stemmed term, or None for a stop word, remembered across articles.

    Stemming is most of the cost of tokenising, and news reuses its vocabulary, so each word
    is stemmed once; past `LIMIT` distinct words the memory starts afresh.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        self._stem = Stemmer(LANGUAGE)
        self._stop = frozenset(get_stop_words(LANGUAGE))
        self._known: dict[str, str | None] = {}

    def __call__(self, sentence: str) -> list[str]:
        known = self._known
        found: list[str] = []
        for word in WORD.findall(sentence.lower()):
            term = known.get(word, "")
            if term == "":
                if len(known) > self.LIMIT:
                    known.clear()
                term = known[word] = None if word in self._stop else str(self._stem(word))
            if term is not None:
                found.append(term)
        return found


terms = _Terms()
terms.__doc__ = "The content words of a sentence: lower-cased, stemmed, stop words left out."


def _unit_vectors(sentence_terms: Sequence[Sequence[str]]) -> Vector:
    """One row per sentence: TF-IDF over the article's own sentences, scaled to length 1."""
    vocabulary: dict[str, int] = {}
    columns = [
        vocabulary.setdefault(term, len(vocabulary))
        for sentence in sentence_terms
        for term in sentence
    ]
    count, width = len(sentence_terms), max(len(vocabulary), 1)
    rows = numpy.repeat(numpy.arange(count), [len(sentence) for sentence in sentence_terms])
    frequency = (
        numpy.bincount(
            rows * width + numpy.asarray(columns, dtype=numpy.intp), minlength=count * width
        )
        .reshape(count, width)
        .astype(numpy.float64)
    )
    in_sentences = numpy.count_nonzero(frequency, axis=0)
    weighted = frequency * numpy.log((count + 1) / (in_sentences + 0.5))
    norms = numpy.linalg.norm(weighted, axis=1, keepdims=True)
    return numpy.divide(weighted, norms, out=numpy.zeros_like(weighted), where=norms > 0)


def score_sentences(
    sentence_terms: Sequence[Sequence[str]],
    lengths: Sequence[int],
    positions: Sequence[int],
    eligible: Sequence[bool],
) -> tuple[Vector, Vector]:
    """Each sentence's score (see the module docstring) and its unit TF-IDF vector.

    `positions` count from 0 within the sentence's own document, boilerplate not counted;
    sentences that are not `eligible` score −1 and are never picked before the others.
    """
    vectors = _unit_vectors(sentence_terms)
    allowed = numpy.asarray(eligible, dtype=bool)
    centroid = vectors[allowed].sum(axis=0)
    norm = numpy.linalg.norm(centroid)
    centrality = vectors @ (centroid / norm) if norm > 0 else numpy.zeros(len(vectors))
    length = numpy.minimum(1.0, numpy.asarray(lengths, dtype=numpy.float64) / FULL_LENGTH)
    position = 1.0 + numpy.exp(-numpy.asarray(positions, dtype=numpy.float64) / POSITION_DECAY)
    scores = numpy.where(allowed, centrality * length * position, -1.0)
    return scores, vectors


def pick(
    scores: Vector,
    vectors: Vector,
    enough: Callable[[list[int]], bool],
    *,
    never_above: float = 1.0,
) -> list[int]:
    """Indices picked greedily by score, each discounted for repeating what is picked.

    Picking stops when `enough(picked)` is true or every sentence is picked. A candidate more
    similar than `never_above` to a picked sentence is taken only when nothing else is left.
    Ties go to the earlier sentence.
    """
    picked: list[int] = []
    closest = numpy.zeros(len(scores))
    while len(picked) < len(scores) and not enough(picked):
        discounted = numpy.where(scores > 0, scores * (1.0 - REDUNDANCY * closest), scores)
        discounted[closest > never_above] -= 10.0
        discounted[picked] = -numpy.inf
        best = int(numpy.argmax(discounted))
        picked.append(best)
        closest = numpy.maximum(closest, vectors @ vectors[best])
    return picked


class NewsSummarizer(Summarizer):
    """Central sentences with a lead bias and redundancy control (see the module docstring)."""

    name = "news"

    def ranking(self, article: Article, enough: Callable[[list[int]], bool]) -> list[int]:
        """Indices into `article.distinct_sentences`, best first, until `enough` says so."""
        sentences = article.distinct_sentences
        furniture = boilerplate_mask(sentences)
        if all(furniture):
            furniture = [False] * len(sentences)  # nothing but fragments: rank them all
        eligible = [not f for f in furniture]
        positions = numpy.cumsum(eligible) - 1
        scores, vectors = score_sentences(
            [terms(sentence) for sentence in sentences],
            [word_count(sentence) for sentence in sentences],
            positions.tolist(),
            eligible,
        )
        return pick(scores, vectors, enough)

    def summarize(self, article: Article, count: int) -> tuple[str, ...]:
        """The `count` best sentences, in text order."""
        sentences = article.distinct_sentences
        if count <= 0 or not sentences:
            return ()
        chosen = self.ranking(article, lambda picked: len(picked) >= count)
        return tuple(sentences[index] for index in sorted(chosen))

    def summarize_words(self, article: Article, budget: int) -> tuple[str, ...]:
        """The best sentences, in rank order, while they fit in `budget` words (at least one)."""
        sentences = article.distinct_sentences
        if not sentences:
            return ()
        lengths = [word_count(sentence) for sentence in sentences]

        def enough(picked: list[int]) -> bool:
            return bool(picked) and sum(lengths[i] for i in picked) >= budget

        chosen = self.ranking(article, enough)
        while len(chosen) > 1 and sum(lengths[i] for i in chosen) > budget:
            chosen.pop()
        return tuple(sentences[index] for index in sorted(chosen))
