"""One summary of a story told by several documents, without saying anything twice.

Reports of one event from different sources repeat each other, often word for word. The
summary is drawn from all of them with the news ranker's scores: each sentence keeps its
position within its own document (every source's lead counts as a lead), centrality is
measured against the whole story, and a sentence that is a near-duplicate of one already
chosen (cosine similarity of content words at or above `NEAR_DUPLICATE`) is never chosen while
anything else is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from summarizers.base import Article, word_count
from summarizers.boilerplate import boilerplate_mask
from summarizers.news import Vector, pick, score_sentences, terms

__all__ = ["NEAR_DUPLICATE", "summarize_story", "what_is_new"]

# Two sentences this similar in content words say the same thing ("… said on Monday" against
# "… said Monday", or one source's copy of another's sentence).
NEAR_DUPLICATE = 0.7
# A sentence shorter than this ("Read more.", "Updated 10:42.") is no news by itself.
NEWS_WORDS = 6


def summarize_story(articles: Sequence[Article], count: int) -> tuple[str, ...]:
    """At most `count` sentences drawn from all the articles, no two saying the same thing.

    The sentences come back in reading order: by article, then by place in the article.
    """
    located = _located(articles)
    if count <= 0 or not located:
        return ()
    texts, scores, vectors = _scored(located)
    chosen = pick(
        scores,
        vectors,
        lambda picked: len(picked) >= count or _only_repeats_left(vectors, picked),
        never_above=NEAR_DUPLICATE - 1e-9,
    )
    return tuple(texts[index] for index in sorted(chosen))


def what_is_new(told: Sequence[Article], new: Sequence[Article], count: int) -> tuple[str, ...]:
    """At most `count` sentences of the `new` articles that say something none of the `told`
    ones says (none of its sentences is a near-duplicate), no two saying the same thing, the
    story's most central first, in reading order; none when they add nothing.

    What a story's new sources add to what a reader was already told."""
    old = {sentence for _, _, sentence in _located(told)}
    located = _located([*told, *new])
    if count <= 0 or not located:
        return ()
    texts, scores, vectors = _scored(located)
    is_new = numpy.array([sentence not in old for sentence in texts])
    covered = numpy.zeros(len(texts), dtype=bool)
    if not is_new.all():
        covered = (vectors @ vectors[~is_new].T).max(axis=1) >= NEAR_DUPLICATE
    long_enough = numpy.array([word_count(sentence) >= NEWS_WORDS for sentence in texts])
    (candidates,) = numpy.nonzero(is_new & ~covered & long_enough)
    if not len(candidates):
        return ()
    # Scored against the whole story, picked among the candidates only.
    chosen = pick(
        scores[candidates],
        vectors[candidates],
        lambda picked: len(picked) >= count or _only_repeats_left(vectors[candidates], picked),
        never_above=NEAR_DUPLICATE - 1e-9,
    )
    return tuple(texts[candidates[index]] for index in sorted(chosen))


def _scored(located: list[tuple[int, int, str]]) -> tuple[list[str], Vector, Vector]:
    """The located sentences' texts, their scores against the whole story, and their unit
    vectors."""
    texts = [sentence for _, _, sentence in located]
    scores, vectors = score_sentences(
        [terms(sentence) for sentence in texts],
        [word_count(sentence) for sentence in texts],
        [position for _, position, _ in located],
        [True] * len(texts),
    )
    return texts, scores, vectors


def _located(articles: Sequence[Article]) -> list[tuple[int, int, str]]:
    """The articles' sentences as (article, position, sentence), in reading order: page
    furniture and repeats left out, each position counted within its own article."""
    located: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for number, article in enumerate(articles):
        sentences = article.distinct_sentences
        furniture = boilerplate_mask(sentences)
        position = 0
        for sentence, skip in zip(sentences, furniture, strict=True):
            if skip or sentence in seen:
                continue
            seen.add(sentence)
            located.append((number, position, sentence))
            position += 1
    return located


def _only_repeats_left(vectors: Vector, picked: list[int]) -> bool:
    """Whether every sentence not yet picked nearly repeats one that is."""
    if not picked:
        return False
    closest = (vectors @ vectors[picked].T).max(axis=1)
    closest[picked] = numpy.inf
    return bool((closest >= NEAR_DUPLICATE).all())
