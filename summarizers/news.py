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

import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import accumulate, chain

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


class _Terms(dict[str, tuple[str, ...]]):
    """Token → its stemmed content words, remembered across articles.

    Stemming is most of the cost of tokenising, and news reuses its vocabulary, so each token
    (a lower-cased run of characters between spaces, as written: "rose", "rose,", "(bbc)") is
    turned into its terms once, on first lookup, and remembered; past `LIMIT` distinct tokens
    the memory starts afresh. Words never span spaces, so a sentence's terms are those of its
    tokens, in order, and looking them up is all the work a sentence of known tokens needs.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        super().__init__()
        self._stem = Stemmer(LANGUAGE)
        self._stop = frozenset(get_stop_words(LANGUAGE))
        # Word → stem, or None for a stop word: stemming is the costly part, done once a word.
        self._stems: dict[str, str | None] = {}

    def __call__(self, sentence: str) -> list[str]:
        return self.of_tokens(sentence.lower().split())

    def of_tokens(self, tokens: Iterable[str]) -> list[str]:
        """The terms of a sentence already lower-cased and split at whitespace."""
        return list(chain.from_iterable(map(self.__getitem__, tokens)))

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) > self.LIMIT:
            self.clear()
            self._stems.clear()
        found: list[str] = []
        # Most tokens are one plain word, which needs no regular expression.
        for word in (token,) if token.isalpha() else WORD.findall(token):
            stem = self._stems.get(word, "")
            if stem == "":
                stem = self._stems[word] = None if word in self._stop else str(self._stem(word))
            if stem is not None:
                found.append(stem)
        self[token] = known = tuple(found)
        return known


terms = _Terms()
terms.__doc__ = "The content words of a sentence: lower-cased, stemmed, stop words left out."


def _unit_vectors(sentence_terms: Sequence[Sequence[str]]) -> Vector:
    """One row per sentence: TF-IDF over the article's own sentences, scaled to length 1."""
    count = len(sentence_terms)
    vocabulary: dict[str, int] = {}
    # Every term occurrence as a cell of a term × sentence matrix laid out term by term, whose
    # index is known before the vocabulary is complete; counting the cells fills the matrix.
    cells = [
        vocabulary.setdefault(term, len(vocabulary)) * count + row
        for row, sentence in enumerate(sentence_terms)
        for term in sentence
    ]
    width = max(len(vocabulary), 1)
    frequency = numpy.bincount(cells, minlength=width * count).reshape(width, count)
    weighted = frequency * _idf(count)[numpy.count_nonzero(frequency, axis=1)][:, None]
    norms = numpy.sqrt(numpy.einsum("ij,ij->j", weighted, weighted))
    norms[norms == 0] = 1.0  # a sentence without content words keeps its zeros
    return (weighted / norms).T


@lru_cache(maxsize=1024)
def _idf(count: int) -> Vector:
    """IDF by the number of sentences a term is in (0 to `count`), in an article of `count`."""
    idf = numpy.log((count + 1) / (numpy.arange(count + 1) + 0.5))
    idf.flags.writeable = False  # shared between calls
    return idf


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
    centroid = numpy.array(eligible, dtype=numpy.float64) @ vectors
    norm = math.sqrt(centroid @ centroid) or 1.0  # no content words: every centrality is 0
    # Length and position factors, divided by the centroid's length to make centrality a
    # cosine: a few dozen numbers, cheaper in plain Python than in numpy calls.
    factors = [
        min(1.0, length / FULL_LENGTH) * (1.0 + math.exp(-position / POSITION_DECAY)) / norm
        for length, position in zip(lengths, positions, strict=True)
    ]
    scores = (vectors @ centroid) * factors
    scores[[not allowed for allowed in eligible]] = -1.0
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
    # score × (1 − REDUNDANCY × closest) for positive scores, written as score − discount ×
    # closest; scores at or below 0 (sentences not eligible) are not discounted.
    discount = numpy.where(scores > 0, REDUNDANCY * scores, 0.0)
    left = scores.copy()  # picked sentences become −∞ here
    while len(picked) < len(scores) and not enough(picked):
        if picked:
            closest = numpy.maximum(closest, vectors @ vectors[picked[-1]])
            discounted = left - discount * closest
            if never_above < 1.0:  # a cosine is never above 1
                discounted[closest > never_above] -= 10.0
        else:
            discounted = left
        best = int(numpy.argmax(discounted))
        picked.append(best)
        left[best] = -numpy.inf
    return picked


class NewsSummarizer(Summarizer):
    """Central sentences with a lead bias and redundancy control (see the module docstring)."""

    name = "news"

    def ranking(self, article: Article, enough: Callable[[list[int]], bool]) -> list[int]:
        """Indices into `article.distinct_sentences`, best first, until `enough` says so."""
        return self._ranking(article.distinct_sentences, enough)

    def _ranking(self, sentences: Sequence[str], enough: Callable[[list[int]], bool]) -> list[int]:
        """Like `ranking`, given the article's distinct sentences."""
        furniture = boilerplate_mask(sentences)
        if all(furniture):
            furniture = [False] * len(sentences)  # nothing but fragments: rank them all
        eligible = [not f for f in furniture]
        # Each sentence split once: its length in words and its terms both come from it.
        tokens = [sentence.lower().split() for sentence in sentences]
        scores, vectors = score_sentences(
            [terms.of_tokens(words) for words in tokens],
            [len(words) for words in tokens],
            [seen - 1 for seen in accumulate(eligible)],
            eligible,
        )
        return pick(scores, vectors, enough)

    def summarize(self, article: Article, count: int) -> tuple[str, ...]:
        """The `count` best sentences, in text order."""
        sentences = article.distinct_sentences
        if count <= 0 or not sentences:
            return ()
        chosen = self._ranking(sentences, lambda picked: len(picked) >= count)
        return tuple(sentences[index] for index in sorted(chosen))

    def summarize_words(self, article: Article, budget: int) -> tuple[str, ...]:
        """The best sentences, in rank order, while they fit in `budget` words (at least one)."""
        sentences = article.distinct_sentences
        if not sentences:
            return ()
        lengths = [word_count(sentence) for sentence in sentences]

        def enough(picked: list[int]) -> bool:
            return bool(picked) and sum(lengths[i] for i in picked) >= budget

        chosen = self._ranking(sentences, enough)
        while len(chosen) > 1 and sum(lengths[i] for i in chosen) > budget:
            chosen.pop()
        return tuple(sentences[index] for index in sorted(chosen))
