"""Topics: a small query language, and how well a document matches one.

A topic is words (case-insensitive, stemmed), "quoted phrases", -excluded words or
-"phrases", and OR between alternatives: `Idlib OR "Syrian border" -football`. Terms next
to each other must all occur; OR separates alternatives; an excluded term rules a document
out whatever else it matches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.core.terms import DocumentTerms, contains_phrase, content_stems, stems

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# A match in the headline says more about what a story is about than one in the body.
HEADLINE_WEIGHT = 2.0


class TopicError(ValueError):
    """A topic that cannot be searched for; the message says why."""


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """A parsed topic: alternatives (each a set of phrases that must all occur) and exclusions."""

    text: str
    alternatives: tuple[tuple[Phrase, ...], ...]
    excluded: tuple[Phrase, ...] = ()

    def score(self, terms: DocumentTerms) -> float | None:
        """How well a document matches; None when it does not match at all."""
        body = terms.body
        if any(
            contains_phrase(body, p) or contains_phrase(terms.headline, p) for p in self.excluded
        ):
            return None
        best: float | None = None
        for phrases in self.alternatives:
            total = 0.0
            for phrase in phrases:
                in_body = (
                    terms.counts[phrase[0]] if len(phrase) == 1 else contains_phrase(body, phrase)
                )
                in_headline = contains_phrase(terms.headline, phrase)
                if not in_body and not in_headline:
                    break
                total += (1 + math.log(in_body) if in_body else 0) + HEADLINE_WEIGHT * bool(
                    in_headline
                )
            else:
                best = total if best is None else max(best, total)
        return best


def parse_topic(text: str, *, common_words: bool = False) -> Topic:
    """A Topic from what a user typed, or TopicError saying what to type instead.

    An alternative made only of common words ("the of and") would match nearly every story,
    so it is refused, as a question without words to look for is; `common_words` lets
    through the topics stored before that rule, so that their chats still get digests.
    """
    text = " ".join(text.split())
    alternatives: list[tuple[Phrase, ...]] = []
    current: list[Phrase] = []
    excluded: list[Phrase] = []
    # Per alternative: whether it has a word that is not a common one.
    meaningful: list[bool] = []
    for match in _TOKEN.finditer(text):
        minus, quoted, bare = match.groups()
        if bare == "OR":
            if current:
                alternatives.append(tuple(current))
            current = []
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            minus, bare = "-", bare[1:]
        words = quoted if quoted is not None else bare or ""
        phrase = stems(words)
        if not phrase:
            continue
        if minus:
            excluded.append(phrase)
            continue
        if not current:
            meaningful.append(False)
        current.append(phrase)
        meaningful[-1] = meaningful[-1] or bool(content_stems(words))
    if current:
        alternatives.append(tuple(current))
    if not alternatives:
        if excluded:
            raise TopicError("a topic needs a word to look for, not only -excluded words")
        raise TopicError('a topic needs at least one word, e.g. Idlib or "oil price"')
    if not common_words and not all(meaningful):
        raise TopicError(
            'a topic needs a word to look for, not only common words such as "the" or "new"'
        )
    return Topic(text=text, alternatives=tuple(alternatives), excluded=tuple(excluded))
