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

from summarizers.base import word_count

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

# A byline or a stamp is a few words; a long sentence starting "By" is a sentence.
BYLINE_WORDS = 10
# Fragments this short carry no information on their own ("| .", "PUBLISHED: .").
MIN_WORDS = 4


def _is_stamp(sentence: str) -> bool:
    tokens = sentence.split()
    return bool(tokens) and all(_DATE_WORD.match(token) for token in tokens)


def is_caption(sentence: str) -> bool:
    """A picture caption or a label line, rather than a sentence of the story."""
    label = _CAPTION_LABEL.match(sentence)
    if label and not _SPEECH.search(sentence[: label.end()]):
        return True
    return bool(_DETACHED_END.search(sentence))


def boilerplate_mask(sentences: Sequence[str]) -> list[bool]:
    """For each sentence, whether it is page furniture rather than part of the story.

    Bylines and time stamps count only in the opening run of short sentences, where pages put
    them; prompts count anywhere; fragments of fewer than `MIN_WORDS` words count anywhere.
    Captions are not boilerplate (they often restate the story); see `is_caption`.
    """
    mask: list[bool] = []
    opening = True
    for sentence in sentences:
        words = word_count(sentence)
        short = words <= BYLINE_WORDS
        # "By ." split from the name that follows it: the next short sentence is the name.
        after_bare_by = bool(mask) and _BARE_BY.match(sentences[len(mask) - 1]) is not None
        furniture = (
            words < MIN_WORDS
            or bool(_PROMPT.match(sentence))
            or _is_stamp(sentence)
            or (opening and short and (after_bare_by or bool(_BYLINE.match(sentence))))
            or (opening and bool(_STAMP.match(sentence)))
        )
        mask.append(furniture)
        # The byline block ends at the first sentence of the story.
        if not furniture and not short:
            opening = False
    return mask
