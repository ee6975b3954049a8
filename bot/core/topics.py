"""Topics: a small query language.

A topic is words (case-insensitive, matched in any form: "prices" finds "price"), "quoted
phrases", -excluded words or -"phrases", and OR between alternatives:
`Idlib OR "Syrian border" -football`. Terms next to each other must all occur; OR separates
alternatives; an excluded term rules a document out whatever else it matches. The search
index matches and ranks them (`search_queries`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.terms import content_stems, stems, words

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class TopicError(ValueError):
    """A topic that cannot be searched for; the message says why."""


# A phrase's words as typed.
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """A parsed topic: alternatives (each a set of phrases that must all occur) and exclusions."""

    text: str
    alternatives: tuple[tuple[Phrase, ...], ...]
    excluded: tuple[Phrase, ...] = ()

    def stems(self) -> frozenset[str]:
        """The stems of every word it looks for."""
        return frozenset(
            stem for alternative in self.alternatives for phrase in alternative
            for stem in stems(" ".join(phrase))
        )  # fmt: skip


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
        typed = quoted if quoted is not None else bare or ""
        phrase = tuple(words(typed))
        if not phrase:
            continue
        if minus:
            excluded.append(phrase)
            continue
        if not current:
            meaningful.append(False)
        current.append(phrase)
        meaningful[-1] = meaningful[-1] or bool(content_stems(typed))
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
