"""What the last day's stories speak of more than the week before did (`/trending`).

A story's phrases are the runs of one to three words in the headlines and openings
(`OPENING_CHARS` of the text) of its documents, never across punctuation or a line, with no
common word (`STOP_WORDS`), word of time ("Thursday", "week"), lone letter or bare number
at either end. Words match in any
form, as topics do ("talks" is "talk"), and a phrase counts once a story however many of
the story's documents use it.

The stories stored in the last 24 hours are weighed against those stored in the seven days
before. From its share of the week's stories, a phrase is `expected` in
`week × today's stories / week's stories` of today's; it rises when today's count is at
least `RISE` times that (both counted one up, so that a phrase new this week can rise) and
above its daily average. Phrases are ranked by `(today − expected) / √(expected + 1)`: how
far above the expectation the count is, in units of the chance variation of a count that
size, so that a phrase going from 20 stories to 60 outranks one going from none to 3. A
phrase inside a longer one that every one of its stories uses gives way to it ("Federal"
and "Reserve" to "Federal Reserve"), and each is shown as its stories most often write it.

Speed: a document's phrases are found once a process and kept, as 64-bit keys (each word's
stem hashed, folded in order), while the document is within the week; they are counted on
arrays, so that a week of 2,000 stories a day takes a fraction of a second. Only documents
behind the phrases shown are read again word by word, for how they are written.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from hashlib import blake2b
from itertools import chain
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import NDArray

from bot.core.terms import STOP_WORDS, contains_phrase, stem
from bot.core.timestamps import now

if TYPE_CHECKING:
    from bot.core.document_store import Opening
    from bot.core.store import Store

DAY = timedelta(days=1)
WEEK_DAYS = 7
# The start of a document read for its phrases, after its headline: its first sentence or
# two, what a story is about. A feed's entry often has no more, so every source counts alike.
OPENING_CHARS = 300
MAX_WORDS = 3
# A phrase must be in this many of today's stories, and `RISE` times as many as expected.
MIN_STORIES = 2
RISE = 1.5
TRENDS = 8
# Longer is no key phrase but a run of codes or names glued together.
MAX_PHRASE_CHARS = 60
# Documents read again for how a phrase is written (a sample is enough).
FORMS_READ = 20

# Words that say when, not what: every Thursday's stories say "Thursday" more than the
# week's did. ("March" and "May" are kept: mostly a protest and a verb.)
# fmt: off
_WHEN = frozenset(stem(word) for word in [
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "april", "june", "july", "august", "september", "october",
    "november", "december", "today", "yesterday", "tomorrow", "tonight", "day", "week",
    "weekend", "month", "year", "hour", "minute", "morning", "afternoon", "evening", "night",
])
# fmt: on
# A word (letters or digits, inner apostrophes and hyphens: "Reserve's", "Covid-19"), or any
# other character that is not a space, which breaks a phrase.
_PIECE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|\S")
_MASK = (1 << 64) - 1
# Odd, so that folding a phrase's words into one key modulo 2**64 loses nothing of the last.
_FOLD = 0x9E3779B97F4A7C15

Keys = NDArray[np.uint64]
Owners = NDArray[np.intp]


@dataclass(frozen=True)
class Trend:
    """A rising phrase: as written, in how many of today's stories, in how many a day the
    week before."""

    phrase: str
    today: int
    per_day: float

    @property
    def topic(self) -> str:
        """The topic that follows it (`/subscribe` it)."""
        return topic_of(self.phrase)


@dataclass(frozen=True)
class Trending:
    """The rising phrases, best first; the number of stories of the last day they come from,
    and how many days before it there were stories to compare with (none: nothing rises,
    the phrases are the day's most told)."""

    trends: tuple[Trend, ...]
    stories: int
    days_before: int

    @property
    def compared(self) -> bool:
        return self.days_before > 0


def topic_of(phrase: str) -> str:
    """A phrase as a topic: in quotes when it is several words, so that they must stand
    together."""
    phrase = " ".join(phrase.split())
    return f'"{phrase}"' if " " in phrase else phrase


def find_trends(store: Store, *, at: datetime | None = None, limit: int = TRENDS) -> Trending:
    """The phrases of the stories stored in the day before `at` (now) that rose most
    against the seven days before that."""
    at = at or now()
    start = at - DAY
    openings = [
        o for o in store.openings(start - WEEK_DAYS * DAY, OPENING_CHARS) if o.ingested_at <= at
    ]
    today = [o for o in openings if o.ingested_at > start]
    before = [o for o in openings if o.ingested_at <= start]
    return rising(today, before, start, limit=limit)


def rising(
    today: Sequence[Opening], before: Sequence[Opening], start: datetime, *, limit: int = TRENDS
) -> Trending:
    """The phrases of the documents `today` that rose most against the documents `before`,
    those of the week up to `start`."""
    stories_today, told = _stories(today)
    stories_before, told_before = _stories(before)
    days = _days_before(before, start)
    every, owners = _keys([*before, *today])
    split = int(np.searchsorted(owners, len(before)))  # the documents before come first
    keys, owners_today = every[split:], owners[split:] - len(before)
    found = np.unique(keys)
    counts = _story_counts(found, keys, stories_today[owners_today])
    common = counts >= MIN_STORIES
    found, counts = found[common], counts[common]
    week = _story_counts(found, every[:split], stories_before[owners[:split]]).astype(float)

    expected = week * told / told_before if told_before else week
    per_day = week / days if days else week
    score = (counts - expected) / np.sqrt(expected + 1)
    rose = np.flatnonzero((counts > per_day) & (counts + 1 >= RISE * (expected + 1)))
    # Best first. A longer phrase scores as high as the words inside it that only it uses,
    # which give way to it: a few more are read than are shown.
    ranked = rose[np.argsort(-score[rose], kind="stable")][: 4 * limit].tolist()
    forms = _forms(today, keys, owners_today, [int(found[i]) for i in ranked])
    candidates = [
        _Candidate(forms[key], int(counts[i]), float(per_day[i]), float(score[i]))
        for i in ranked
        if (key := int(found[i])) in forms and len(forms[key].written) <= MAX_PHRASE_CHARS
    ]
    return Trending(_merged(candidates)[:limit], told, days)


class _Candidate(NamedTuple):
    form: _Form
    today: int
    per_day: float
    score: float


def _merged(candidates: list[_Candidate]) -> tuple[Trend, ...]:
    """The candidates best first, each run of words once: words that a longer phrase of the
    same stories holds give way to it, and of two phrases that overlap there ("Volcano ash
    grounded", "ash grounded flights") the better stands for both."""
    kept: list[_Candidate] = []
    for one in sorted(candidates, key=lambda c: (-c.score, -c.today, c.form.written)):
        same = [c for c in candidates if c.today == one.today and c.form != one.form]
        if not any(_holds(c.form, one.form) for c in same) and not any(
            _overlaps(c.form, one.form) for c in same if c in kept
        ):
            kept.append(one)
    return tuple(Trend(c.form.written, c.today, c.per_day) for c in kept)


def _holds(longer: _Form, shorter: _Form) -> bool:
    return contains_phrase(longer.stems, shorter.stems) > 0


def _overlaps(first: _Form, second: _Form) -> bool:
    """Whether one phrase ends with the words the other starts with."""
    a, b = first.stems, second.stems
    return any(a[-n:] == b[:n] or b[-n:] == a[:n] for n in range(1, min(len(a), len(b)) + 1))


def _stories(openings: Sequence[Opening]) -> tuple[Owners, int]:
    """Each document's story, numbered from 0 in the order they first come; how many."""
    numbers: dict[str, int] = {}
    story = [numbers.setdefault(o.story_id, len(numbers)) for o in openings]
    return np.array(story, dtype=np.intp), len(numbers)


def _days_before(before: Sequence[Opening], start: datetime) -> int:
    """How many days before `start` the stored documents `before` reach back, up to a week."""
    if not before:
        return 0
    oldest = min(o.ingested_at for o in before)
    return max(1, min(WEEK_DAYS, math.ceil((start - oldest) / DAY)))


def _parts(opening: Opening) -> list[str]:
    """A document's headline and the lines of its opening, a word cut short left out."""
    text = opening.text
    if len(text) >= OPENING_CHARS:
        text = text[: max(0, text.rfind(" "))]
    return [opening.headline, *text.splitlines()]


@lru_cache(maxsize=1 << 18)
def _code(piece: str) -> int:
    """A piece's code: 0 for punctuation; for a word, its stem's hash, doubled, plus one
    when the word may start or end a phrase."""
    if not piece[0].isalnum():
        return 0
    word = piece.replace("’", "'")
    stemmed = stem(word)
    edge = (
        len(word) > 1
        and not word.isdigit()
        and word.lower() not in STOP_WORDS
        and stemmed not in _WHEN
    )
    # A hash of its own, not `hash`: the same in every process, so ties rank the same.
    digest = blake2b(stemmed.encode(), digest_size=8).digest()
    return ((int.from_bytes(digest) << 1) | edge) & _MASK or 2


@lru_cache(maxsize=1 << 18)
def _token_codes(token: str) -> tuple[int, ...]:
    """The codes of the pieces of what stands between two spaces ("Powell," is two)."""
    return tuple(_code(piece) for piece in _PIECE.findall(token))


def _fold(key: int, code: int) -> int:
    """A phrase's key with one more word (as `_phrases` folds whole arrays of them)."""
    return (key * _FOLD + (code >> 1)) & _MASK


class _KeyCache:
    """Each document's phrase keys, computed once and kept while it is asked for: a stored
    text never changes (an edit is a new document; a new headline, a new entry here)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], Keys] = {}
        self._lock = threading.Lock()

    def __call__(self, openings: Sequence[Opening]) -> tuple[Keys, Owners]:
        """The key of every phrase of `openings`, and which of them (by its place) it is in.
        Only these openings' keys are kept afterwards: the week goes by."""
        with self._lock:
            kept = self._kept
        names = [(o.doc_id, o.headline) for o in openings]
        new = [i for i, name in enumerate(names) if name not in kept]
        keys, owners = _phrases(_parts(openings[i]) for i in new)
        order = np.argsort(owners, kind="stable")
        ends = np.searchsorted(owners[order], np.arange(1, len(new)))
        made = dict(zip((names[i] for i in new), np.split(keys[order], ends), strict=False))
        arrays = [made[name] if name in made else kept[name] for name in names]
        with self._lock:
            self._kept = dict(zip(names, arrays, strict=True))
        every = np.concatenate(arrays) if arrays else np.zeros(0, np.uint64)
        lengths = [len(array) for array in arrays]
        return every, np.repeat(np.arange(len(arrays), dtype=np.intp), lengths)


_keys = _KeyCache()


def _phrases(documents: Iterable[list[str]]) -> tuple[Keys, Owners]:
    """The key of every phrase of every document, and which document (by its place) it is in.

    Every word is coded once (`_token_codes`, kept between calls), and the phrases of all
    documents are found at once, on arrays: a phrase of n words starting at i has key
    fold(fold(stem i, stem i+1), …); it counts where i and i+n-1 may be a phrase's ends and
    every piece between them is a word."""
    codes: list[int] = []
    lengths: list[int] = []
    for parts in documents:
        start = len(codes)
        for part in parts:
            codes.extend(chain.from_iterable(map(_token_codes, part.split())))
            codes.append(0)  # no phrase goes across parts, or from one document to the next
        lengths.append(len(codes) - start)
    code = np.array(codes, dtype=np.uint64)
    owner = np.repeat(np.arange(len(lengths), dtype=np.intp), lengths)
    stems = code >> np.uint64(1)
    edge = (code & np.uint64(1)).astype(bool)
    word = code != 0
    keys, owners = [], []
    key, inner = stems, np.ones(len(code), bool)
    for n in range(1, MAX_WORDS + 1):
        length = max(0, len(code) - n + 1)
        if n > 1:
            key = key[:length] * np.uint64(_FOLD) + stems[n - 1 :]
        if n > 2:
            inner = inner[:length] & word[n - 2 : n - 2 + length]
        counted = edge[:length] & edge[n - 1 :] & inner[:length]
        keys.append(key[counted])
        owners.append(owner[:length][counted])
    return np.concatenate(keys), np.concatenate(owners)


def _story_counts(found: Keys, keys: Keys, stories: Owners) -> NDArray[np.intp]:
    """In how many distinct stories each phrase of `found` (sorted) is, from the key and
    the story of each time a phrase occurs."""
    if not len(found):
        return np.zeros(0, np.intp)
    places = np.minimum(np.searchsorted(found, keys), len(found) - 1)
    there = found[places] == keys
    told = int(stories.max(initial=0)) + 1
    pairs = np.unique(places[there] * told + stories[there])
    return np.bincount(pairs // told, minlength=len(found))


@dataclass(frozen=True)
class _Form:
    """A phrase as its stories most often write it, and its words' stems."""

    written: str
    stems: tuple[str, ...]


def _forms(
    documents: Sequence[Opening], keys: Keys, owners: Owners, wanted: list[int]
) -> dict[int, _Form]:
    """The written form of each phrase `wanted` (by key), from up to `FORMS_READ` of the
    `documents` that have it (by `keys` and their `owners`), read again word by word."""
    readers: dict[int, list[int]] = {key: [] for key in wanted}
    has = np.isin(keys, np.array(wanted, dtype=np.uint64))
    for key, owner in zip(keys[has].tolist(), owners[has].tolist(), strict=True):
        if len(readers[key]) < FORMS_READ:
            readers[key].append(owner)
    written: dict[int, Counter[str]] = {key: Counter() for key in wanted}
    stems: dict[int, tuple[str, ...]] = {}
    for index in sorted(set(chain.from_iterable(readers.values()))):
        for part in _parts(documents[index]):
            for key, words in _spans(part):
                if key in written:
                    form = " ".join(part[words[0].start() : words[-1].end()].split())
                    written[key][form] += 1
                    stems.setdefault(key, tuple(stem(w[0].replace("’", "'")) for w in words))
    return {
        key: _Form(forms.most_common(1)[0][0], stems[key])
        for key, forms in written.items()
        if forms
    }


def _spans(part: str) -> Iterator[tuple[int, list[re.Match[str]]]]:
    """Every phrase of `part`: its key (as `_phrases` makes it) and its words."""
    pieces = [(_code(match[0]), match) for match in _PIECE.finditer(part)]
    for i, (first, _) in enumerate(pieces):
        if not first & 1:
            continue
        key = first >> 1
        for n in range(1, MAX_WORDS + 1):
            if n > 1:
                if i + n > len(pieces) or not pieces[i + n - 2][0]:
                    break
                key = _fold(key, pieces[i + n - 1][0])
            if pieces[i + n - 1][0] & 1:
                yield key, [match for _, match in pieces[i : i + n]]
