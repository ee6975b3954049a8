"""Recognising the page furniture that scraped news carries: bylines, time stamps, prompts.

Text taken from news pages often opens with the author and the publication times, split by
the sentence splitter into fragments (`By .` / `Jane Smith, Political Editor .` /
`PUBLISHED: .` / `09:30 EST, 20 August 2012 .` / `| .` / `UPDATED: .` …), and carries prompts
("Scroll down for video", "Click here to …") and picture captions. None of that belongs in a
summary. `boilerplate_mask` marks such sentences so a summarizer can skip them; it never
changes the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["boilerplate_mask", "is_caption"]

# Labels of time stamps and credits, at the start of a sentence: "PUBLISHED: 09:30 EST",
# "Last updated at 10:02", "Created: 18 July 2011 | Updated: …".
_STAMP = re.compile(
    r"^\W*(published|updated|last updated|created|posted|modified|updated on|published on)\b",
    re.IGNORECASE,
)
# A byline: "By Jane Smith", "By . Daily Mail Reporter", "By Associated Press ." — short.
_BYLINE = re.compile(r"^\W*by\b", re.IGNORECASE)
_BARE_BY = re.compile(r"^\W*by\W*$", re.IGNORECASE)
# Calls to action of a web page rather than sentences of the story.
_PROMPT = re.compile(
    r"^\W*(scroll down|click here|read more|follow us|follow @|share this|sign up|"
    r"subscribe|watch the video|see the video|see below|related:|advertisement\b)",
    re.IGNORECASE,
)
# Mostly numbers, months, days, time zones and separators: a date or time stamp.
_DATE_WORD = re.compile(
    r"^(\d[\d:.,/-]*|[ap]\.?m\.?|[A-Z]{2,4}|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|"
    r"aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|mon\w*|tue\w*|wed\w*|thu\w*|fri\w*|sat\w*|sun\w*|"
    r"gmt|bst|est|edt|pst|pdt|utc|at|on|of|\W+)[,.;]?$",
    re.IGNORECASE,
)
# A picture caption: a short label and a colon opening the sentence ("Tragic: …",
# "Pictured above: …"), and a period set apart by a space, which is what a line without
# closing punctuation gets when a page is flattened into sentences.
_CAPTION_LABEL = re.compile(r"^[A-Z][\w'’-]*(?: [\w'’-]+){0,2}: \S")
_DETACHED_END = re.compile(r"\s[.!?]$")
# Words that make "X: …" a quotation rather than a caption label ("He said: …").
_SPEECH = re.compile(r"\b(said|says|told|added|asked|wrote|tweeted|explained)\b", re.IGNORECASE)

# A byline or a stamp is a few words; a long sentence starting "By", or full of numbers and
# month names, is a sentence.
BYLINE_WORDS = 10
# Fragments this short carry no information on their own ("| .", "PUBLISHED: .").
MIN_WORDS = 4


def _is_stamp(tokens: Sequence[str]) -> bool:
    """Whether a sentence, split at whitespace, is nothing but a date or a time."""
    return bool(tokens) and all(map(_DATE_WORD.match, tokens))


def is_caption(sentence: str) -> bool:
    """A picture caption or a label line, rather than a sentence of the story."""
    label = _CAPTION_LABEL.match(sentence)
    if label and not _SPEECH.search(sentence[: label.end()]):
        return True
    return bool(_DETACHED_END.search(sentence))


def boilerplate_mask(
    sentences: Sequence[str], tokens: Sequence[Sequence[str]] | None = None
) -> list[bool]:
    """For each sentence, whether it is page furniture rather than part of the story.

    Bylines and labelled time stamps ("PUBLISHED: …") count only in the opening run of short
    sentences, where pages put them; a bare date or time of a few words, a prompt, and a
    fragment of fewer than `MIN_WORDS` words count anywhere. Captions are not boilerplate (they
    often restate the story); see `is_caption`. `tokens`, if given, are the sentences already
    split at whitespace (in any case), to save splitting them again.
    """
    if tokens is None:
        tokens = [sentence.split() for sentence in sentences]
    mask: list[bool] = []
    opening = True
    after_bare_by = False
    for sentence, words in zip(sentences, tokens, strict=True):
        short = len(words) <= BYLINE_WORDS
        furniture = (
            len(words) < MIN_WORDS
            or _PROMPT.match(sentence) is not None
            or (short and _is_stamp(words))
            or (
                opening
                and (
                    (short and (after_bare_by or _BYLINE.match(sentence) is not None))
                    or _STAMP.match(sentence) is not None
                )
            )
        )
        mask.append(furniture)
        # "By ." split from the name that follows it: the next short sentence is the name.
        after_bare_by = opening and _BARE_BY.match(sentence) is not None
        # The byline block ends at the first sentence of the story.
        if not furniture and not short:
            opening = False
    return mask
