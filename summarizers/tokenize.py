"""Offline English tokenisation: sentence splitting and word extraction that need no NLTK data.

sumy's ``Tokenizer("english")`` and ``nltk.word_tokenize`` both load NLTK's ``punkt_tab`` model,
which has to be downloaded and raises ``LookupError`` where it is absent. This module splits
sentences with one regular expression for candidate sentence ends, checked against a
hand-written list of English abbreviations and sentence starters, and finds words with another,
so nothing is ever read from disk or the network. It splits text about 17 times faster than
NLTK's Punkt tokenizer given the same lists, and recovers the sentences of the BBC reference
summaries about as often (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import pkgutil
import re
from functools import cache

__all__ = ["LANGUAGE", "WORD", "SumyTokenizer", "split_sentences", "stop_words", "words"]

LANGUAGE = "english"


@cache
def stop_words(language: str = LANGUAGE) -> frozenset[str]:
    """sumy's stop words for `language` (its data file read as `sumy.utils` reads it, without
    importing that module, which brings requests and pycountry)."""
    data = pkgutil.get_data("sumy", f"data/stopwords/{language}.txt")
    if data is None:
        raise LookupError(f"no stop words for {language}")
    return frozenset(w.rstrip() for w in data.decode("utf-8").splitlines() if w)


# Written without the final period and in lower case; a multi-part abbreviation keeps its inner
# periods ("u.s" matches "U.S.").
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

# A word is a run of letters, possibly joined by apostrophes or hyphens ("don't", "well-known"),
# standing alone: letters glued to digits ("10.9bn", "3G") are measurements, not words.
WORD = re.compile(r"(?<!\w)[^\W\d_]+(?:['\u2019-][^\W\d_]+)*(?!\w)")


# A candidate sentence end: one or more end marks, then either
# - closing quotes or brackets, space, and what starts a sentence: an upper-case letter or a
#   digit, perhaps after an opening quote or bracket. A mark before a lower-case word ends no
#   sentence ('"Why?" he asked', "Yahoo! said", "e.g. in", "9 a.m. on"), so it is no candidate;
# - or, glued to the next sentence with no space ("$10.9bn.For the year"), as text stitched
#   from HTML paragraphs often is: one mark after a lower-case letter, a digit, "%" or ")", an
#   optional closing quote, then a capitalised word;
# - or a period standing alone between spaces, before anything: the mark that flattened pages
#   put where a line ended ("By . Jane Smith . PUBLISHED: . 09:30 EST").
# The pattern starts with the end mark so that the regex engine can skip ahead to each one.
_CANDIDATE = re.compile(
    r"[.!?…](?:"
    r"[.!?…]*[\"'”’)\]]*(?:\s+[\"”’](?=\s))?(?=\s+[\"'“‘(\[]*[A-Z0-9À-ÖØ-Þ])"
    r"|(?<=[a-z0-9%)][.!?])[\"'”’]?(?=[A-Z][a-z])"
    r"|(?<=\s\.)(?=\s)"
    r")"
)
_CLOSERS = "\"'”’)]"
_OPENERS = "\"'“‘(["
# How far back to look for the word before a period: well past the longest abbreviation (six
# letters), also with a prefix or an opening quote ('"ex-Gov.').
_WINDOW = 16
# The word after an abbreviation, to compare with the sentence starters; after an opening quote
# there is none, as a quotation may well follow an abbreviation ("Gen. 'Mad Dog' Mattis").
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")


def _word_before(text: str, end: int) -> str:
    """The word that ends at `end`, lower-cased, without opening quotes or brackets.

    Only the last `_WINDOW` characters are read: a longer word comes back cut short, which does
    not matter, as no abbreviation or initial is that long.
    """
    parts = text[max(0, end - _WINDOW) : end].rsplit(None, 1)
    return parts[-1].lstrip(_OPENERS).lower() if parts else ""


def _ends_sentence(text: str, candidate: re.Match[str]) -> bool:
    """Whether a candidate end (see `_CANDIDATE`) really ends a sentence.

    A question or exclamation mark before a capital does, and so does any mark set apart from
    the word before it ("By . Jane"). After another period, or an ellipsis, the word before it
    decides: a listed abbreviation ("Mr.", "Inc.", "U.S."), an ellipsis or an initial
    ("J. R. Smith") ends a sentence only when a common sentence starter ("The", "He", "But",
    ...) follows, and never when glued to the next word ("Mr.Smith").
    """
    # The marks alone: without closing quotes or brackets, also one set apart ('year. " He').
    marks = candidate.group().rstrip(_CLOSERS).rstrip().rstrip(_CLOSERS)
    start = candidate.start()
    if marks[-1] in "?!" or (start > 0 and text[start - 1].isspace()):
        return True
    word = _word_before(text, start)
    initial = len(word) == 1 and word.isalpha()
    if not (
        initial
        or len(marks) > 1
        or marks == "…"
        or word in ABBREVIATIONS
        or word.rpartition("-")[2] in ABBREVIATIONS
    ):
        return True
    following = _NEXT_WORD.match(text, candidate.end())
    if following is None or following.start(1) == candidate.end():  # glued, or no word
        return False
    starter = following.group(1).lower()
    # "A" after an initial is more likely another initial ("J. A. Smith").
    return starter in SENTENCE_STARTERS and not (initial and starter == "a")


def split_sentences(text: str) -> tuple[str, ...]:
    """Split English text into its sentences, in order, stripped, with empty ones dropped.

    A sentence ends at ".", "!", "?" or "…" (with any closing quotes or brackets) before a
    capital or a digit, also when glued to it without a space ("rose 2%.Shares fell"), and at
    a period standing alone between spaces ("By . Jane Smith ."). A listed abbreviation
    ("Mr.", "Inc.", "U.S.") or an initial ends a sentence only when a common sentence starter
    ("The", "He", "But", ...) follows it, and a mark followed by a lower-case word ('"Why?" he
    asked.') ends none.
    """
    sentences: list[str] = []
    start = 0
    for candidate in _CANDIDATE.finditer(text):
        if _ends_sentence(text, candidate):
            sentences.append(text[start : candidate.end()].strip())
            start = candidate.end()
    sentences.append(text[start:].strip())
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
