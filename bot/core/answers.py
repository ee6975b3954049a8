"""Answers and search: finding the stored sentences and stories that match what was asked.

An answer is extractive: the one to three stored sentences that cover the question's words
best, each with the story it came from. When no sentence covers enough of the question the
answer is empty, never a random sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.store import StoredDocument
from bot.core.stories import Source, in_order, source_of
from bot.core.terms import DocumentTerms, TermCache, content_stems
from bot.core.topics import Topic

MAX_SENTENCES = 3
# The share of the question's weight (by rarity of its words) a sentence must contain.
MIN_COVERAGE = 0.6
# Further sentences must come this close to the best one.
FOLLOW_UP = 0.8
# Sentences sharing more than this share of their words say the same thing.
SAME_THING = 0.6


@dataclass(frozen=True)
class Evidence:
    """A sentence given as (part of) an answer, and the story it came from."""

    text: str
    doc_id: str
    headline: str
    published: date
    source: str


@dataclass(frozen=True)
class Answer:
    """The sentences answering a question; empty when nothing stored is relevant enough."""

    question: str
    evidence: tuple[Evidence, ...]
    from_context: bool = False

    @property
    def found(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True)
class _Candidate:
    coverage: float
    document: StoredDocument
    position: int
    text: str
    stems: frozenset[str]


def _weights(all_terms: Sequence[DocumentTerms], query: Sequence[str]) -> dict[str, float]:
    """Inverse sentence frequency of each query stem: rare words weigh more."""
    frequency: Counter[str] = Counter()
    total = 0
    wanted = set(query)
    for terms in all_terms:
        for sentence in terms.sentences:
            total += 1
            frequency.update(wanted.intersection(sentence))
    return {q: math.log((total + 1) / (frequency[q] + 0.5)) for q in query}


def _candidates(
    documents: Sequence[StoredDocument], terms: TermCache, weights: dict[str, float]
) -> list[_Candidate]:
    whole = sum(weights.values())
    found = []
    for document in documents:
        texts = [s for p in document.sentences for s in p]
        for position, sentence in enumerate(terms(document).sentences):
            present = frozenset(sentence)
            coverage = sum(w for q, w in weights.items() if q in present) / whole
            if coverage >= MIN_COVERAGE:
                found.append(_Candidate(coverage, document, position, texts[position], present))
    # Best coverage first; then the newer story, then the earlier sentence (news puts the
    # essentials first).
    found.sort(
        key=lambda c: (-c.coverage, -c.document.published.toordinal(), c.position, c.document.id)
    )
    return found


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    chosen: list[_Candidate] = []
    for candidate in candidates:
        if len(chosen) == MAX_SENTENCES:
            break
        if chosen and candidate.coverage < chosen[0].coverage * FOLLOW_UP:
            break
        if any(_overlap(candidate.stems, c.stems) > SAME_THING for c in chosen):
            continue
        chosen.append(candidate)
    return chosen


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def answer(
    question: str,
    documents: Sequence[StoredDocument],
    terms: TermCache,
    *,
    context: Sequence[StoredDocument] = (),
) -> Answer:
    """Answer from `context` (the stories of the digest being discussed) first, else from all.

    Raises ValueError when the question has no words to look for.
    """
    query = content_stems(question)
    if not query:
        raise ValueError("no words to look for")
    weights = _weights([terms(d) for d in documents], query)
    for pool, from_context in ((context, True), (documents, False)):
        chosen = _choose(_candidates(pool, terms, weights))
        if chosen:
            evidence = tuple(
                Evidence(
                    c.text,
                    c.document.id,
                    c.document.headline,
                    c.document.published,
                    c.document.source,
                )
                for c in chosen
            )
            return Answer(question, evidence, from_context)
    return Answer(question, ())


@dataclass(frozen=True)
class Hit:
    """A story found by a search, with the sentence that shows why."""

    doc_id: str
    headline: str
    published: date
    source: str
    snippet: str
    score: float
    # Every source of the story among those searched, this one first (several: copies of it).
    sources: tuple[Source, ...] = ()


def search(
    query: Topic, documents: Sequence[StoredDocument], terms: TermCache, limit: int
) -> list[Hit]:
    """The stories matching `query`, best first (score, then recency): each story once, as
    the best-matching of its documents, with its other sources."""
    members: dict[str, list[StoredDocument]] = {}
    for document in documents:
        members.setdefault(document.story_id or document.id, []).append(document)
    scored = []
    for story in members.values():
        found = [(score, d) for d in story if (score := query.score(terms(d))) is not None]
        if found:
            scored.append(max(found, key=_rank))
    scored.sort(key=_rank, reverse=True)
    wanted = {
        stem for alternative in query.alternatives for phrase in alternative for stem in phrase
    }
    hits = []
    for score, document in scored[:limit]:
        sentences = [s for p in document.sentences for s in p]
        stems = terms(document).sentences
        best = max(
            range(len(stems)), key=lambda i: (len(wanted.intersection(stems[i])), -i), default=0
        )
        hits.append(
            Hit(
                document.id,
                document.headline,
                document.published,
                document.source,
                sentences[best] if sentences else "",
                score,
                tuple(source_of(d) for d in _head_first(document, members)),
            )
        )
    return hits


def _rank(pair: tuple[float, StoredDocument]) -> tuple[float, int, datetime]:
    score, document = pair
    return score, document.published.toordinal(), document.ingested_at


def _head_first(
    document: StoredDocument, members: dict[str, list[StoredDocument]]
) -> list[StoredDocument]:
    story = members.get(document.story_id or document.id, [document])
    return [document, *(d for d in in_order(story) if d.id != document.id)]
