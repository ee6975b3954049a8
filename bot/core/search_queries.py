"""Queries to the search index: a topic with its exact syntax, and the words of a question
or of a search that matched too little as typed, or their close words. A headline match
counts double: it says more about what a story is about than one in the body."""

from __future__ import annotations

import math
from collections.abc import Sequence

import tantivy

from bot.core.close_words import close_words
from bot.core.search_index import SCHEMA, index_terms
from bot.core.terms import IRREGULAR, STOP_WORDS
from bot.core.topics import Phrase, Topic

HEADLINE_BOOST = 2.0
# A close word (`close_words`) counts this much of the word, times its similarity.
CLOSE_BOOST = 0.5
_FIELDS = (("body", 1.0), ("headline", HEADLINE_BOOST))


def _verb_forms() -> dict[str, tuple[str, ...]]:
    """Each form's index term → the terms of every form of its verb."""
    verbs: dict[str, set[str]] = {}
    for past, verb in IRREGULAR.items():
        verbs.setdefault(verb, {verb}).add(past)
    forms: dict[str, tuple[str, ...]] = {}
    for verb, written in verbs.items():
        terms = tuple(dict.fromkeys(t for form in sorted(written) for t in index_terms(form)))
        for term in terms:
            forms[term] = tuple(dict.fromkeys((*forms.get(term, ()), *terms)))
        forms.setdefault(index_terms(verb)[0], terms)
    return forms


_FORMS = _verb_forms()


def word_terms(word: str) -> tuple[str, ...]:
    """The index terms a typed word stands for: its own, and those of its verb's other
    forms ("falling": fell, fallen), which no stemmer joins."""
    terms = index_terms(word)
    if len(terms) != 1:
        return tuple(terms)
    return _FORMS.get(terms[0], (terms[0],))


def _either_field(terms: Sequence[str]) -> tantivy.Query:
    """The terms in order (a phrase when several) in the body or the headline."""
    clauses = []
    for field, boost in _FIELDS:
        if len(terms) == 1:
            query = tantivy.Query.term_query(SCHEMA, field, terms[0])
        else:
            query = tantivy.Query.phrase_query(SCHEMA, field, list(terms))
        if boost != 1.0:
            query = tantivy.Query.boost_query(query, boost)
        clauses.append((tantivy.Occur.Should, query))
    return tantivy.Query.boolean_query(clauses)


def phrase_query(phrase: Phrase, *, close: float = 0.0) -> tantivy.Query:
    """A topic's phrase: one word in any of its forms (or a word at least `close` similar in
    meaning, counting less; none when 0), or several words in order. Only a word typed in
    lower case has close words: one with a capital is a name."""
    if len(phrase) == 1:
        alternatives = [_either_field([term]) for term in word_terms(phrase[0])]
        if close and phrase[0][:1].islower():  # a name ("Idlib") has no synonyms
            alternatives += [
                tantivy.Query.boost_query(_either_field([term]), CLOSE_BOOST * similarity)
                for word, similarity in close_words(phrase[0])
                if similarity >= close
                for term in index_terms(word)
            ]
        if len(alternatives) == 1:
            return alternatives[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])
    terms = [term for word in phrase for term in index_terms(word)]
    return _either_field(terms)


def _common(phrase: Phrase) -> bool:
    """Whether a phrase is one common word ("the", "of"; not "US" or "IT"), which nearly every
    story has: it narrows nothing and takes the longest to look up."""
    return len(phrase) == 1 and phrase[0].lower() in STOP_WORDS and not phrase[0].isupper()


def _telling(phrases: Sequence[Phrase]) -> list[Phrase]:
    """The phrases that narrow a search: all but the common words, unless there is no other."""
    return [phrase for phrase in phrases if not _common(phrase)] or list(phrases)


def _required(phrase: Phrase, close: float) -> tantivy.Query:
    """A phrase a topic requires. A common word is looked for in the text alone: a story has
    it there if anywhere, and one list of nearly every story is read rather than two."""
    if not _common(phrase):
        return phrase_query(phrase, close=close)
    forms = [tantivy.Query.term_query(SCHEMA, "body", term) for term in word_terms(phrase[0])]
    if len(forms) == 1:
        return forms[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, form) for form in forms])


def topic_query(topic: Topic, *, close: float = 0.0) -> tantivy.Query:
    """Documents matching the topic: every phrase of one of its alternatives (or, for a
    one-word phrase, a word at least `close` similar in meaning), and none of its excluded
    ones."""
    clauses = [
        (
            tantivy.Occur.Should,
            tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, _required(phrase, close)) for phrase in alternative]
            ),
        )
        for alternative in topic.alternatives
    ]
    clauses += [(tantivy.Occur.MustNot, phrase_query(phrase)) for phrase in topic.excluded]
    return tantivy.Query.boolean_query(clauses)


def words_query(
    typed: Sequence[str],
    *,
    share: float = 0.0,
    excluded: Sequence[Phrase] = (),
    close: float = 0.0,
) -> tantivy.Query:
    """Documents holding any of the words `typed` (at least `share` of them, common words
    left out: nearly every document has them, and matching them would read nearly every
    document; or words at least `close` similar in meaning), ranked by how many and how
    rare; none holding an `excluded` phrase."""
    telling = _telling([(word,) for word in dict.fromkeys(typed)])
    clauses = [(tantivy.Occur.Should, phrase_query(phrase, close=close)) for phrase in telling]
    clauses += [(tantivy.Occur.MustNot, phrase_query(phrase)) for phrase in excluded]
    at_least = max(1, math.ceil(share * len(telling)))
    return tantivy.Query.boolean_query(clauses, minimum_number_should_match=at_least)


def topic_words(topic: Topic) -> list[str]:
    """Every word a topic looks for, in order, once each."""
    found = (w for alternative in topic.alternatives for phrase in alternative for w in phrase)
    return list(dict.fromkeys(found))
