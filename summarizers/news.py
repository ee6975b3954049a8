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
stemmed with the Snowball English stemmer, as sumy's stemmer does, but through PyStemmer's C
implementation, about 50 times faster than NLTK's in Python (the two differ on a few dozen
words in the development sets, "international" among them; docs/benchmarks.md has the effect),
and sumy's stop words are left out; the rest is numpy. The four constants were chosen on half
of the development data and checked on the other half (see docs/benchmarks.md).
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import accumulate, chain

import numpy
from numpy.typing import NDArray
from Stemmer import Stemmer as PyStemmer  # type: ignore[import-not-found]  # no type hints

from summarizers.base import Article, Summarizer, word_count
from summarizers.boilerplate import boilerplate_mask
from summarizers.tokenize import LANGUAGE, WORD, stop_words

__all__ = ["NewsSummarizer", "Vector", "pick", "score_sentences", "terms"]

# Sentences shorter than this many words have their score scaled down in proportion.
FULL_LENGTH = 25
# How fast the lead's advantage fades, in sentences: sentence 12 keeps e⁻¹ of the first's extra.
POSITION_DECAY = 12.0
# How strongly similarity to a sentence already picked lowers a candidate's score (0 to 1).
REDUNDANCY = 0.6

Vector = NDArray[numpy.float64]

# The apostrophes NLTK's Snowball stemmer straightens before stemming.
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘‛", "'"))
# Punctuation around a word, none of it a word character: stripping it leaves what `WORD` finds.
_PUNCTUATION = "".join(sorted(set(string.punctuation) - {"_"})) + "“”‘’«»…–—"


class _Terms(dict[str, int]):
    """Token → the id of its term, remembered across articles: 0 for a token without one.

    A token is a lower-cased run of characters between spaces, as written ("rose", "rose,",
    "(bbc)"); its term is its content word stemmed ("rose"), or, for the rare token holding
    several ("hiv/aids"), their stems joined by a space. Stop words, numbers and punctuation
    have none. Each token is turned into its term once, on first lookup, and remembered, so
    looking tokens up is all the work a sentence of known tokens needs; `stems[id]` is the
    term. Past `LIMIT` distinct tokens the memory starts afresh.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        super().__init__()
        # Without its own cache: this class remembers tokens, and the cache costs time.
        self._stem: Callable[[str], str] = PyStemmer(LANGUAGE, 0).stemWord
        self._stop = stop_words(LANGUAGE)
        self.forget()

    def __call__(self, sentence: str) -> list[str]:
        return [self.stems[i] for i in self.ids(sentence.lower().split()) if i]

    def ids(self, tokens: Iterable[str]) -> NDArray[numpy.intp]:
        """The term ids of lower-cased tokens, in order, as one array."""
        if len(self) > self.LIMIT:
            # Only here, between texts, so that no text mixes ids from before and after.
            self.forget()
        return numpy.fromiter(map(self.__getitem__, tokens), numpy.intp)

    def forget(self) -> None:
        """Drop every remembered token and term, as in a new process."""
        self.clear()
        self.stems = [""]  # term id → term; 0 is no term
        self._ids = {"": 0}  # term → term id

    def __missing__(self, token: str) -> int:
        # Most tokens are one plain word, perhaps between punctuation ("said.", "(bbc)"), which
        # needs no regular expression. PyStemmer, unlike NLTK's stemmer, does not straighten
        # curly apostrophes ("firm’s"): that is done here.
        word = token.strip(_PUNCTUATION)
        if word.isalpha():
            term = "" if word in self._stop else self._stem(word)
        else:
            found = WORD.findall(token.translate(_APOSTROPHES))
            term = " ".join([self._stem(word) for word in found if word not in self._stop])
        known = self._ids.get(term)
        if known is None:
            known = self._ids[term] = len(self.stems)
            self.stems.append(term)
        self[token] = known
        return known


terms = _Terms()
terms.__doc__ = "The content words of a sentence: lower-cased, stemmed, stop words left out."


def _unit_vectors(ids: NDArray[numpy.intp], counts: Sequence[int]) -> Vector:
    """One row per sentence: TF-IDF over the article's own sentences, scaled to length 1.

    `ids` are the term ids of every sentence in turn (0 where a token has no term), `counts`
    how many of them each sentence has.
    """
    count = len(counts)
    # Every id as a cell of a sentence × term matrix; counting the cells fills the matrix.
    # A few whole-array calls rather than a loop: each numpy call costs about a microsecond,
    # which matters at a few hundred tokens an article.
    vocabulary, local = numpy.unique(ids, return_inverse=True)
    width = len(vocabulary)
    cells = numpy.repeat(numpy.arange(count) * width, counts) + local
    frequency = numpy.bincount(cells, minlength=count * width).reshape(count, width)
    if width and vocabulary[0] == 0:
        frequency[:, 0] = 0  # tokens without a term
    weighted = frequency * _idf(count)[numpy.count_nonzero(frequency, axis=0)]
    norms = numpy.sqrt(numpy.einsum("ij,ij->i", weighted, weighted))
    norms[norms == 0] = 1.0  # a sentence without content words keeps its zeros
    weighted /= norms[:, None]
    return weighted


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

    `sentence_terms` are the sentences' terms (see `terms`); `positions` count from 0 within
    the sentence's own document, boilerplate not counted; sentences that are not `eligible`
    score −1 and are never picked before the others.
    """
    known: dict[str, int] = {}
    ids = [known.setdefault(term, len(known) + 1) for term in chain.from_iterable(sentence_terms)]
    vectors = _unit_vectors(numpy.array(ids, dtype=numpy.intp), list(map(len, sentence_terms)))
    return _scores(vectors, lengths, positions, eligible), vectors


def _scores(
    vectors: Vector, lengths: Sequence[int], positions: Sequence[int], eligible: Sequence[bool]
) -> Vector:
    """The scores of `score_sentences`, given the sentences' unit vectors."""
    centroid = numpy.array(eligible, dtype=numpy.float64) @ vectors
    norm = math.sqrt(centroid @ centroid) or 1.0  # no content words: every centrality is 0
    # Length and position factors, divided by the centroid's length to make centrality a
    # cosine: a few dozen numbers, cheaper in plain Python than in numpy calls.
    factors = [
        min(1.0, length / FULL_LENGTH) * (1.0 + math.exp(-position / POSITION_DECAY)) / norm
        for length, position in zip(lengths, positions, strict=True)
    ]
    scores = (vectors @ centroid) * factors
    if not all(eligible):
        scores[[not allowed for allowed in eligible]] = -1.0
    return scores


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
    discount = REDUNDANCY * numpy.maximum(scores, 0.0)
    discounted = left = scores.copy()  # picked sentences become −∞ in `left`
    while len(picked) < len(scores) and not enough(picked):
        if picked:
            numpy.maximum(closest, vectors @ vectors[picked[-1]], out=closest)
            discounted = left - discount * closest
            if never_above < 1.0:  # a cosine is never above 1
                discounted[closest > never_above] -= 10.0
        best = int(discounted.argmax())
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
        # Each sentence split once: its length, its furniture checks and its terms use it.
        tokens = [sentence.lower().split() for sentence in sentences]
        lengths = list(map(len, tokens))
        furniture = boilerplate_mask(sentences, tokens)
        if all(furniture):
            furniture = [False] * len(sentences)  # nothing but fragments: rank them all
        eligible = [not f for f in furniture]
        vectors = _unit_vectors(terms.ids(chain.from_iterable(tokens)), lengths)
        scores = _scores(vectors, lengths, [seen - 1 for seen in accumulate(eligible)], eligible)
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
