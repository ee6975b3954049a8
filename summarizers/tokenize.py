"""Offline English tokenisation: sentence splitting and word extraction that need no NLTK data.

sumy's ``Tokenizer("english")`` and ``nltk.word_tokenize`` both load NLTK's ``punkt_tab`` model,
which has to be downloaded and raises ``LookupError`` where it is absent. This module uses an
untrained Punkt sentence tokenizer seeded with a hand-written list of English abbreviations and
sentence starters instead, and a regular expression for words, so nothing is ever read from disk
or the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from nltk.tokenize.punkt import (
    _ORTHO_BEG_UC,
    _ORTHO_MID_LC,
    PunktParameters,
    PunktSentenceTokenizer,
)

__all__ = ["LANGUAGE", "WORD", "SumyTokenizer", "split_sentences", "words"]

LANGUAGE = "english"

# Written without the final period and in lower case, as Punkt compares them; a multi-part
# abbreviation keeps its inner periods ("u.s" matches "U.S.").
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        # titles and ranks
        *("mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "prof", "rev", "fr", "hon"),
        *("gen", "col", "lt", "sgt", "capt", "cpl", "maj", "adm", "brig", "cmdr", "pte"),
        *("gov", "sen", "sens", "rep", "reps", "pres", "supt", "det", "insp", "jr", "sr", "esq"),
        # months ("May" is never abbreviated, and is a common word)
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        # organisations
        *("co", "corp", "inc", "ltd", "plc", "llc", "bros", "assn", "assoc", "dept", "univ"),
        # places and addresses
        *("st", "mt", "ft", "ave", "blvd", "rd", "u.s", "u.s.a", "u.k", "u.n", "e.u", "d.c"),
        # Latin and scholarly
        *("vs", "v", "etc", "e.g", "i.e", "cf", "al", "viz", "approx", "ca", "ibid", "op"),
        # references, measures and times
        *("no", "nos", "vol", "vols", "p", "pp", "fig", "figs", "est", "ed", "eds", "ch"),
        *("a.m", "p.m", "ph.d", "b.a", "m.a", "b.sc", "m.sc"),
    }
)

# An abbreviation or an initial ending a sentence is only split from the next one when the next
# word is a known sentence starter ("Acme Inc. The firm ...", "Plan B. It failed."), so these
# are words that begin sentences but never follow a title or an abbreviation inside one.
SENTENCE_STARTERS: frozenset[str] = frozenset(
    {
        *("the", "a", "an", "this", "that", "these", "those", "there", "it", "its"),
        *("he", "she", "they", "we", "you", "his", "her", "their", "our", "my"),
        *("but", "and", "however", "meanwhile", "in", "on", "at", "for", "if", "when"),
        *("while", "after", "before", "as", "so", "yet", "also", "then", "now", "since"),
    }
)

# Where a sentence end is glued to the next sentence with no space ("$10.9bn.For the year"), as
# text stitched from HTML paragraphs often is: a sentence-final mark after a lower-case letter,
# a digit, "%" or ")", optionally closed by a quote, then a capitalised word. Punkt only looks at
# marks followed by a space, so these points are cut first.
_GLUED_END = re.compile(r"(?<=[a-z0-9%)])[.!?][\"'\u201d\u2019]?(?=[A-Z][a-z])")
# The dotted word just before a glued end, to leave "Mr.Smith" and "e.g.The" alone.
_LAST_WORD = re.compile(r"[\w.]+\Z")

# Punkt ends a sentence at every "?" and "!"; one followed by a lower-case word is a quoted
# question or exclamation inside the sentence ('"Why?" he asked.', "Yahoo! said").
_ASKED = re.compile(r"[?!][\"'\u201d\u2019)]*\Z")
_CONTINUES = re.compile(r"[a-z]")

# A word is a run of letters, possibly joined by apostrophes or hyphens ("don't", "well-known"),
# standing alone: letters glued to digits ("10.9bn", "3G") are measurements, not words.
WORD = re.compile(r"(?<!\w)[^\W\d_]+(?:['\u2019-][^\W\d_]+)*(?!\w)")


@cache
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    # Built on first use and shared: the parameters are only read while tokenizing.
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    params.sent_starters = set(SENTENCE_STARTERS)
    for word in SENTENCE_STARTERS:
        # What training would have recorded: capitalised only when starting a sentence. Punkt
        # checks this, not `sent_starters`, after an initial. "A" is left out, as it is an
        # initial itself ("J. A. Smith").
        if len(word) > 1:
            params.add_ortho_context(word, _ORTHO_BEG_UC | _ORTHO_MID_LC)
    # Given a PunktParameters object rather than text, Punkt uses it as is and trains nothing.
    return PunktSentenceTokenizer(params)


def _glued_ends(text: str) -> Iterator[int]:
    """Offsets just past sentence ends that lack the space after them, abbreviations excepted."""
    for match in _GLUED_END.finditer(text):
        # Looking back a bounded distance keeps this linear in long text with many glued ends.
        before = _LAST_WORD.search(text, max(0, match.start() - 32), match.start())
        if before is None or before.group().lower() not in ABBREVIATIONS:
            yield match.end()


def _sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Punkt's sentence spans of the text, each glued sentence end cut first."""
    tokenizer = _sentence_tokenizer()
    start = 0
    for end in (*_glued_ends(text), len(text)):
        for first, last in tokenizer.span_tokenize(text[start:end]):
            yield start + first, start + last
        start = end


def split_sentences(text: str) -> tuple[str, ...]:
    """Split English text into its sentences, in order, stripped, with empty ones dropped.

    Sentence ends glued to the next sentence without a space ("rose 2%.Shares fell") are split
    too. A listed abbreviation ("Mr.", "Inc.", "U.S.") ends a sentence only when a common
    sentence starter ("The", "He", "But", ...) follows it, and a question or exclamation
    followed by a lower-case word ('"Why?" he asked.') stays one sentence.
    """
    spans: list[tuple[int, int]] = []
    for first, last in _sentence_spans(text):
        end = spans[-1][1] if spans else 0
        if spans and _CONTINUES.match(text, first) and _ASKED.search(text, max(0, end - 8), end):
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    sentences = (text[first:last].strip() for first, last in spans)
    return tuple(sentence for sentence in sentences if sentence)


def words(sentence: str) -> tuple[str, ...]:
    """The words of a sentence, as written: letters with inner apostrophes or hyphens only."""
    return tuple(WORD.findall(sentence))


class SumyTokenizer:
    """The tokenizer object sumy's documents expect, built on this module's offline functions."""

    @property
    def language(self) -> str:
        """The language name sumy asks tokenizers for."""
        return LANGUAGE

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """The sentences of a paragraph (see `split_sentences`)."""
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The words of a sentence (see `words`)."""
        return words(sentence)
