"""Answers and search results, made from the candidates the search index found (`lookup`):
the stored sentences and stories that match what was asked.

An answer is extractive: the one to three stored sentences that cover the question's words
best, each with the story it came from. When no sentence covers enough of the question the
answer is empty, never a random sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.store import Scored, StoredDocument
from bot.core.stories import Source, in_order, source_of
from bot.core.terms import TermCache, content_stems
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


# The question's stems, each with its close stems and how close they are.
Close = Mapping[str, Mapping[str, float]]


def _candidates(
    documents: Sequence[StoredDocument],
    terms: TermCache,
    weights: Mapping[str, float],
    close: Close,
) -> list[_Candidate]:
    whole = sum(weights.values()) or 1.0
    found = []
    for document in documents:
        texts = [s for p in document.sentences for s in p]
        for position, sentence in enumerate(terms(document).sentences):
            present = frozenset(sentence)
            held = present.intersection(weights)
            coverage = sum(weights[q] for q in held) + sum(
                w * _covered(q, present, close)
                for q, w in weights.items()
                if q in close and q not in held
            )
            coverage /= whole
            if coverage >= MIN_COVERAGE:
                found.append(_Candidate(coverage, document, position, texts[position], present))
    # Best coverage first; then the newer story, then the earlier sentence (news puts the
    # essentials first).
    found.sort(
        key=lambda c: (-c.coverage, -c.document.published.toordinal(), c.position, c.document.id)
    )
    return found


def _covered(stem: str, present: frozenset[str], close: Close) -> float:
    """A close word's similarity when the sentence holds one of the stem's."""
    return max((similarity for c, similarity in close.get(stem, {}).items() if c in present),
               default=0.0)  # fmt: skip


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
    weights: Mapping[str, float],
    *,
    context: Sequence[StoredDocument] = (),
    close: Close | None = None,
) -> Answer:
    """Answer from `context` (the stories of the digest being discussed) first, else from
    `documents` (those the index found for the question). `weights`: how much each of the
    question's stems counts (its rarity); `close`: words that count for them, in part.

    Raises ValueError when the question has no words to look for.
    """
    if not content_stems(question):
        raise ValueError("no words to look for")
    for pool, from_context in ((context, True), (documents, False)):
        chosen = _choose(_candidates(pool, terms, weights, close or {}))
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


def best_of_stories(found: Sequence[Scored]) -> list[tuple[float, StoredDocument]]:
    """Each story of the documents `found` once, as its best-matching document, best first
    (score, then recency)."""
    best: dict[str, tuple[float, StoredDocument]] = {}
    for scored in found:
        document = scored.document
        story = document.story_id or document.id
        pair = (scored.score, document)
        if story not in best or _rank(pair) > _rank(best[story]):
            best[story] = pair
    return sorted(best.values(), key=_rank, reverse=True)


def search(
    query: Topic,
    ranked: Sequence[tuple[float, StoredDocument]],
    members: Mapping[str, Sequence[StoredDocument]],
    terms: TermCache,
) -> list[Hit]:
    """The hits of the stories `ranked` (`best_of_stories`) for `query`: each with the
    sentence that shows why, and its other sources (`members`: the documents of each
    story)."""
    wanted = query.stems()
    hits = []
    for score, document in ranked:
        sentences = [s for p in document.sentences for s in p]
        stems = terms(document).sentences
        chosen = max(
            range(len(stems)), key=lambda i: (len(wanted.intersection(stems[i])), -i), default=0
        )
        story = members.get(document.story_id or document.id, [document])
        sources = [document, *(d for d in in_order(story) if d.id != document.id)]
        hits.append(
            Hit(
                document.id,
                document.headline,
                document.published,
                document.source,
                sentences[chosen] if sentences else "",
                score,
                tuple(source_of(d) for d in sources),
            )
        )
    return hits


def _rank(pair: tuple[float, StoredDocument]) -> tuple[float, int, datetime]:
    score, document = pair
    return score, document.published.toordinal(), document.ingested_at
