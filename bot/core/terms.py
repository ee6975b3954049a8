"""Words as the bot compares them: lower-cased, stemmed, stop words set aside.

Answers weigh sentences by these terms, and searches pick the sentence to show by them (the
search index stems with the same Snowball algorithm). A document's terms are computed when
first needed and the recent ones kept.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from Stemmer import Stemmer  # type: ignore[import-not-found]  # no type hints

from summarizers.tokenize import stop_words

if TYPE_CHECKING:
    from bot.core.store import StoredDocument

LANGUAGE = "english"
# The Snowball English stemmer, in C (the search index stems with the same algorithm).
_stemmer = Stemmer(LANGUAGE).stemWord
STOP_WORDS: frozenset[str] = stop_words(LANGUAGE)


# Past forms of irregular verbs common in news, which no stemmer joins to their verb:
# "prices rose" answers "why did prices rise?".
IRREGULAR = {
    past: verb
    for verb, pasts in {
        "become": "became",
        "begin": "began begun",
        "break": "broke broken",
        "bring": "brought",
        "build": "built",
        "buy": "bought",
        "catch": "caught",
        "choose": "chose chosen",
        "come": "came",
        "deal": "dealt",
        "draw": "drew drawn",
        "drive": "drove driven",
        "fall": "fell fallen",
        "feel": "felt",
        "fight": "fought",
        "find": "found",
        "flee": "fled",
        "fly": "flew flown",
        "forget": "forgot forgotten",
        "freeze": "froze frozen",
        "give": "gave given",
        "go": "went gone",
        "grow": "grew grown",
        "hear": "heard",
        "hold": "held",
        "keep": "kept",
        "know": "knew known",
        "lead": "led",
        "leave": "left",
        "lend": "lent",
        "lose": "lost",
        "make": "made",
        "mean": "meant",
        "meet": "met",
        "pay": "paid",
        "ride": "rode ridden",
        "rise": "rose risen",
        "run": "ran",
        "say": "said",
        "see": "saw seen",
        "seek": "sought",
        "sell": "sold",
        "send": "sent",
        "shake": "shook shaken",
        "shoot": "shot",
        "sink": "sank sunk",
        "speak": "spoke spoken",
        "spend": "spent",
        "stand": "stood",
        "steal": "stole stolen",
        "strike": "struck stricken",
        "swear": "swore sworn",
        "take": "took taken",
        "teach": "taught",
        "tell": "told",
        "think": "thought",
        "throw": "threw thrown",
        "understand": "understood",
        "wake": "woke woken",
        "wear": "wore worn",
        "win": "won",
        "withdraw": "withdrew withdrawn",
        "write": "wrote written",
    }.items()
    for past in pasts.split()
}


@cache
def stem(word: str) -> str:
    """The stem of one word, lower-cased; irregular past forms stem as their verb."""
    lower = word.lower()
    return str(_stemmer(IRREGULAR.get(lower, lower)))


# Letters and digits: "G7", "5G" and "2020" are words people search for. Hyphenated words
# count as their parts ("oil-rich" is about oil); an apostrophe stays inside a word.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """The words of `text` as written."""
    return WORD.findall(text)


def stems(text: str) -> tuple[str, ...]:
    """Every word of `text` as a stem, in order (stop words included, for phrases)."""
    return tuple(map(stem, WORD.findall(text)))


def content_stems(text: str) -> tuple[str, ...]:
    """The stems of the words of `text` that carry meaning, in order, without repeats."""
    kept = (stem(w) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 1)
    return tuple(dict.fromkeys(kept))


def contains_phrase(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    """How many times `phrase` occurs in `sequence`, as consecutive items."""
    if not phrase or len(phrase) > len(sequence):
        return 0
    width = len(phrase)
    return sum(
        1
        for i in range(len(sequence) - width + 1)
        if sequence[i] == phrase[0] and sequence[i : i + width] == phrase
    )


@dataclass(frozen=True)
class DocumentTerms:
    """A document's stems: each sentence's, in text order."""

    sentences: tuple[tuple[str, ...], ...]


class TermCache:
    """Documents' terms by document id, computed on first use; the `KEEP` used last are kept
    (a long-running bot reads many more documents than it asks about twice)."""

    KEEP = 5_000

    def __init__(self) -> None:
        self._terms: OrderedDict[str, DocumentTerms] = OrderedDict()

    def __call__(self, document: StoredDocument) -> DocumentTerms:
        found = self._terms.get(document.id)
        if found is not None:
            self._terms.move_to_end(document.id)
            return found
        found = DocumentTerms(tuple(stems(s) for p in document.sentences for s in p))
        self._terms[document.id] = found
        if len(self._terms) > self.KEEP:
            self._terms.popitem(last=False)
        return found
