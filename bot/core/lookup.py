"""What the commands look up in the search index, then rank: the stories a search finds,
the candidates of a digest, and the sentences that answer a question."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

import tantivy

from bot.core.answers import Answer, Hit, answer, best_of_stories, search
from bot.core.close_words import SIMILARITY, close_words
from bot.core.digest import Pick, newest, pick
from bot.core.search_index import index_terms
from bot.core.search_queries import topic_query, topic_words, words_query
from bot.core.store import Store, StoredDocument
from bot.core.terms import STOP_WORDS, TermCache, stem, words
from bot.core.time_words import DateRange, time_filter
from bot.core.topics import Topic

# A search whose words do not all occur together finds stories with this share of them.
RELAXED_SHARE = 0.6
# A topic also picks stories in words this close to its own ("automaker" for "carmaker"),
# after every exact match: closer than a search or a question asks, as a topic's stories
# come unasked every day.
TOPIC_SIMILARITY = 0.85
# Stories whose sentences an answer is chosen from (the best-matching document of each).
ANSWER_CANDIDATES = 20


def find_stories(store: Store, query: Topic, terms: TermCache, limit: int) -> list[Hit]:
    """The stories matching `query`, best first. When fewer than `limit` match it exactly,
    those holding most of its words follow; then those holding words close to them in
    meaning ("automaker" for "carmaker"). Never one with an excluded word. (Close words
    mixed into the partial matches lost: measured, they let in stories of related words,
    "rate" for "inflation", ahead of the right one.)"""
    typed, excluded = topic_words(query), query.excluded
    # Made only when needed: close words are read when first asked for.
    stages: tuple[Callable[[], tantivy.Query], ...] = (
        lambda: topic_query(query),
        lambda: words_query(typed, share=RELAXED_SHARE, excluded=excluded),
        lambda: words_query(typed, share=RELAXED_SHARE, excluded=excluded, close=SIMILARITY),
    )
    ranked: list[tuple[float, StoredDocument]] = []  # the best document of each story
    shown: set[str] = set()  # stories
    for number, stage in enumerate(stages):
        if len(ranked) >= limit:
            break
        looked = store.find(stage(), limit + len(shown), stories=True, caught_up=number > 0)
        found = [s for s in looked if s.document.story_id not in shown]
        shown |= {s.document.story_id for s in found}
        ranked += best_of_stories(found)[: limit - len(ranked)]
    # Of the other documents of each story, the sources only.
    members = store.story_documents([document.story_id for _, document in ranked], text=False)
    return search(query, ranked, members, terms)


def digest_candidates(
    store: Store,
    topics: Sequence[Topic],
    wanted: int,
    *,
    since: datetime | None = None,
    published_from: date | None = None,
    new_to_chat: int | None = None,
    also: Sequence[StoredDocument] = (),
) -> list[Pick]:
    """A digest's candidate documents, best first: of the `wanted` best stories of each topic
    stored after `since` and published from `published_from`, the best document of each
    (without its text: `story_picks` reads the stories it keeps);
    without topics, the newest `wanted` documents new to the chat `new_to_chat`, and `also`
    (documents it had, edited since)."""
    if not topics:
        documents = store.documents(since=since, new_to_chat=new_to_chat, limit=wanted)
        documents += also
        return newest([d for d in documents if not published_from or d.published >= published_from])
    days = (published_from, None) if published_from else None
    found = []
    for number, topic in enumerate(topics):
        exact = store.find(topic_query(topic), wanted, days=days, ingested_after=since,
                           stories=True, text=False, caught_up=number > 0)  # fmt: skip
        if TOPIC_SIMILARITY and len(exact) < wanted:
            # Close words fill in after every exact match: needed only when those run short.
            held = {s.document.id for s in exact}
            close = store.find(topic_query(topic, close=TOPIC_SIMILARITY), wanted, days=days,
                               ingested_after=since, stories=True, text=False,
                               caught_up=True)  # fmt: skip
            exact += [replace(s, exact=False) for s in close if s.document.id not in held]
        found.append((topic, exact))
    return pick(found)


def find_answer(
    store: Store,
    question: str,
    terms: TermCache,
    *,
    today: date,
    context: Sequence[StoredDocument] = (),
) -> Answer:
    """An extractive answer to `question` from the `context` stories first, else from the
    stories the index finds for it; its time words ("yesterday", "in March") keep only the
    stories published then. A year alone ("in 2005") may be what the news is about rather
    than when it was published: when nothing of that year answers, it is a word of the
    question. ValueError when it has no words to look for."""
    asked = time_filter(question, today)
    found = _answer(store, asked.question, asked.dates, terms, context)
    if not found.found and asked.dates and asked.said.isdigit():
        return _answer(store, question, None, terms, context)
    return found


def _answer(
    store: Store,
    question: str,
    dates: DateRange | None,
    terms: TermCache,
    context: Sequence[StoredDocument],
) -> Answer:
    """The answer from the stories published within `dates`: in the question's own words,
    else in words close to them ("jobless": unemployment)."""
    said = words(question)
    if said and said[0][:1].isupper() and not said[0].isupper():
        said[0] = said[0].lower()  # capitalised as the question's first word, not as a name
    typed = [w for w in said if w.lower() not in STOP_WORDS and len(w) > 1]
    if not typed:
        raise ValueError("no words to look for")
    days = (dates.first, dates.last) if dates else None
    if dates:
        context = [d for d in context if d.published in dates]
    found = store.find(words_query(typed), ANSWER_CANDIDATES, days=days, stories=True)
    # Read from the index as that lookup left it (brought up to date).
    total, frequencies = store.document_frequencies([next(iter(index_terms(w)), "") for w in typed])
    weights: dict[str, float] = {}
    for word, frequency in zip(typed, frequencies, strict=True):
        weights.setdefault(stem(word), math.log((total + 1) / (frequency + 0.5)))
    lexical = answer(question, [s.document for s in found], terms, weights, context=context)
    if lexical.found:
        return lexical
    close = {
        stem(word): {stem(other): similarity for other, similarity in close_words(word)}
        for word in typed
        if word[:1].islower()
    }
    found = store.find(words_query(typed, close=SIMILARITY), ANSWER_CANDIDATES, days=days,
                       stories=True, caught_up=True)  # fmt: skip
    return answer(question, [s.document for s in found], terms, weights,
                  context=context, close=close)  # fmt: skip
