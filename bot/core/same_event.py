"""Different write-ups of one event: two outlets' own articles on the same happening, which
share no run of words a near-duplicate test could find but tell the same news.

Two documents dated at most `WINDOW_DAYS` apart (48 hours: dates are days) are one story when
their texts are close (TF-IDF cosine of their content words, at least `TEXT_SIMILARITY`) and
so are their leads (the headline and first paragraph, at least `LEAD_SIMILARITY`): the same
background alone does not make two articles one event, the same opening news does. The
thresholds were chosen on hand-labelled pairs of the development articles
(`bench/clusters.py --events`, figures in `docs/benchmarks.md`); on those, the one pair
wrongly joined is a development of the same running story (a bid and the sale it led to),
not two unrelated stories. Weighting names and numbers up, tried as well, did not help and
is not used.

A document's print (its words hashed to 32 bits, with their counts: a kilobyte or two) is
stored beside its band keys (`story_prints.words`). The index keeps in memory only which
documents of the days its new documents need have which key words (their words of highest
weight), their stories and days, and how many documents have each word, which the weights
come from; the prints of a new document's few candidates are read from the store. It judges
nothing until it has seen `MIN_DOCUMENTS` documents, when the weights of words begin to mean
something.
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import islice, repeat

import numpy
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.models import DocumentRow, StoryPrintRow, chunks
from bot.core.postings import Postings
from bot.core.terms import STOP_WORDS, stem

WINDOW_DAYS = 2
TEXT_SIMILARITY = 0.7
LEAD_SIMILARITY = 0.6
# A document is found by its words of highest weight.
KEY_TERMS = 12
# A candidate shares at least this many key words with the new document (on the labelled
# pairs, every pair with a text cosine of 0.6 or more shares 5), the most first.
SHARED_KEYS = 4
CANDIDATES = 10
# Texts with fewer distinct content words are too short to judge (a teaser, a headline).
MIN_TERMS = 25
MIN_DOCUMENTS = 100
# A print keeps at most this many of a text's words, the most frequent (a news article has
# 100 to 300).
KEPT_WORDS = 400
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W_]+)*")
_HEADER = struct.Struct("<HH")


@dataclass(frozen=True)
class Vector:
    """Words (32-bit hashes of their stems, sorted) and their counts."""

    words: NDArray[numpy.uint32]
    counts: NDArray[numpy.uint8]


@dataclass(frozen=True)
class EventPrint:
    """A document's day and the words of its whole text and of its lead, counted."""

    day: date
    text: Vector
    lead: Vector

    def to_bytes(self) -> bytes:
        """The words as stored (the day is the document's own)."""
        return b"".join((
            _HEADER.pack(len(self.text.words), len(self.lead.words)),
            self.text.words.astype("<u4").tobytes(), self.lead.words.astype("<u4").tobytes(),
            self.text.counts.tobytes(), self.lead.counts.tobytes(),
        ))  # fmt: skip

    @classmethod
    def from_bytes(cls, data: bytes, day: date) -> EventPrint:
        text, lead = _HEADER.unpack_from(data)
        words = numpy.frombuffer(data, "<u4", text + lead, _HEADER.size).astype(numpy.uint32)
        counts = numpy.frombuffer(data, numpy.uint8, text + lead, _HEADER.size + 4 * (text + lead))
        return cls(day, Vector(words[:text], counts[:text]), Vector(words[text:], counts[text:]))


def event_print(headline: str, text: str, day: date) -> EventPrint | None:
    """The print of a document (None when its text is too short to judge)."""
    counts = _counts(text)
    if len(counts) < MIN_TERMS:
        return None
    first = text.strip().split("\n\n", 1)[0]
    return EventPrint(day, _vector(counts), _vector(_counts(f"{headline}\n{first}")))


def _counts(text: str) -> Counter[int]:
    """The text's words that count (`_term`), counted."""
    return Counter(term for term in map(_term, _WORD.findall(text)) if term is not None)


@lru_cache(maxsize=100_000)
def _term(word: str) -> int | None:
    """A word as a print holds it: its stem hashed to 32 bits; None for a word too short or
    too common to count. (News repeats its words: most are met before.)"""
    if len(word) < 2 or word.lower() in STOP_WORDS:
        return None
    digest = hashlib.blake2b(stem(word).encode(), digest_size=4, person=b"event-words")
    return int.from_bytes(digest.digest(), "little")


def _vector(counts: Counter[int]) -> Vector:
    kept = dict(counts.most_common(KEPT_WORDS))
    words = numpy.fromiter(sorted(kept), dtype=numpy.uint32, count=len(kept))
    counted = numpy.fromiter((min(kept[w], 255) for w in words.tolist()), numpy.uint8, len(words))
    return Vector(words, counted)


class _Weighted:
    """A vector with its words' weights (count and rarity) and their norm, for cosines."""

    def __init__(self, index: EventIndex, vector: Vector) -> None:
        self.vector = vector
        self.weights = (1 + numpy.log(vector.counts)) * index.rarity(vector.words)
        self.norm = float(numpy.linalg.norm(self.weights))

    def cosine(self, other: _Weighted) -> float:
        if not self.norm or not other.norm:
            return 0.0
        _, mine, theirs = numpy.intersect1d(
            self.vector.words, other.vector.words, assume_unique=True, return_indices=True
        )
        shared = float(numpy.dot(self.weights[mine], other.weights[theirs]))
        return shared / (self.norm * other.norm)


class EventIndex:
    """Which documents of the days read so far have which key words, with the stories and
    days they belong to; and how many documents have each word.

    A key word is held with its document's day (`postings`), so that the candidates of a
    new document are those of its window alone, whatever the days held: a few hundred bytes
    a document with its story and day, some 35 MB at 100,000. Days are read from the store
    when a new document first needs them and then held: storing documents dated all over
    the calendar reads each day once."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._held: dict[str, tuple[str, date]] = {}  # document → its story and day
        self._ids: list[str] = []  # the documents held, by number
        self._keys = Postings()  # (key word, day) → the numbers of the documents
        self._days: set[date] = set()  # the days read from the store
        self._frequency: Counter[int] = Counter()  # word → documents seen that have it
        self._counted: set[str] = set()  # the documents whose words are counted
        # The prints of documents held or read since the last catch-up (those held not all in
        # the store yet).
        self._fresh: dict[str, EventPrint] = {}
        # The weights of the texts of documents judged since the last catch-up.
        self._weighted: dict[int, tuple[EventPrint, _Weighted]] = {}

    def __len__(self) -> int:
        return len(self._held)

    def story_of(self, print_: EventPrint | None, session: Session | None = None) -> str | None:
        """The story of the held document that tells the same event as `print_`, if one
        does (the closest one); `session` reads from the store the days it needs and the
        prints of the candidates."""
        if print_ is None:
            return None
        if session is not None:
            self._hold_days(session, print_.day)
        if len(self._counted) < MIN_DOCUMENTS:
            return None
        text = self._text_weights(print_)
        found = self._candidates(text, print_.day)
        best: tuple[float, str] | None = None
        for doc_id, other in self._prints(found, session).items():
            story, day = self._held[doc_id]
            if abs((day - print_.day).days) > WINDOW_DAYS:
                continue
            similarity = text.cosine(_Weighted(self, other.text))
            if similarity < TEXT_SIMILARITY or (best is not None and similarity <= best[0]):
                continue
            if self._cosine(print_.lead, other.lead) >= LEAD_SIMILARITY:
                best = (similarity, story)
        return best[1] if best else None

    def similarities(self, a: EventPrint, b: EventPrint) -> tuple[float, float]:
        """How close two documents are, with the weights of words as they are now: their
        texts' cosine and their leads'."""
        return self._cosine(a.text, b.text), self._cosine(a.lead, b.lead)

    def count(self, doc_id: str, print_: EventPrint) -> None:
        """Count the words of a document in the weights, without holding it."""
        if doc_id not in self._counted:
            self._counted.add(doc_id)
            self._frequency.update(print_.text.words.tolist())

    def add(self, doc_id: str, story: str, print_: EventPrint | None) -> None:
        """Hold a document just stored (or read from the store), in `story`."""
        if print_ is None or doc_id in self._held:
            return
        self.count(doc_id, print_)
        if print_.day not in self._days:
            return  # a day no new document needed: read from the store when one does
        self._held[doc_id] = (story, print_.day)
        self._fresh[doc_id] = print_
        # Its last use: the weights made while it was judged go with it.
        made = self._weighted.pop(id(print_), None)
        text = made[1] if made and made[0] is print_ else _Weighted(self, print_.text)
        day = print_.day.toordinal()
        self._keys.add(len(self._ids), [_dated(word, day) for word in self._key_words(text)])
        self._ids.append(doc_id)

    def rarity(self, words: NDArray[numpy.uint32]) -> NDArray[numpy.float64]:
        """Each word's inverse document frequency, smoothed."""
        seen = len(self._counted) + 1
        get = self._frequency.get
        found = numpy.fromiter(map(get, words.tolist(), repeat(0)), numpy.float64, len(words))
        return numpy.log(seen / (found + 1)) + 1

    def _cosine(self, a: Vector, b: Vector) -> float:
        return _Weighted(self, a).cosine(_Weighted(self, b))

    @staticmethod
    def _key_words(text: _Weighted) -> list[int]:
        """The words of highest weight in a text, which find it."""
        return [int(text.vector.words[at]) for at in numpy.argsort(-text.weights)[:KEY_TERMS]]

    def _candidates(self, text: _Weighted, day: date) -> list[str]:
        """The held documents of the days around `day` that share the most key words with
        `text`."""
        first = day.toordinal() - WINDOW_DAYS
        window = range(first, first + 2 * WINDOW_DAYS + 1)
        keys = [_dated(word, near) for word in self._key_words(text) for near in window]
        shared = Counter(self._keys.holders(keys))
        ranked = islice(shared.most_common(), CANDIDATES)
        return [self._ids[number] for number, count in ranked if count >= SHARED_KEYS]

    def prefetch(self, session: Session, prints: Iterable[EventPrint | None]) -> None:
        """Read at once the prints of the candidates of documents about to be judged (a feed's
        new entries), rather than a query for each."""
        wanted: set[str] = set()
        for print_ in prints:
            if print_ is not None:
                self._hold_days(session, print_.day)
                wanted.update(self._candidates(self._text_weights(print_), print_.day))
        self._fresh.update(self._prints(sorted(wanted - self._fresh.keys()), session))

    def _text_weights(self, print_: EventPrint) -> _Weighted:
        """The weights of a print's text, made once while it is judged and held."""
        made = self._weighted.get(id(print_))
        if made is None or made[0] is not print_:
            made = self._weighted[id(print_)] = (print_, _Weighted(self, print_.text))
        return made[1]

    def _prints(self, doc_ids: Sequence[str], session: Session | None) -> dict[str, EventPrint]:
        """The prints of held documents: those held or read since the last catch-up from
        memory, the others from the store."""
        found = {doc_id: self._fresh[doc_id] for doc_id in doc_ids if doc_id in self._fresh}
        stored = [doc_id for doc_id in doc_ids if doc_id not in found]
        if stored and session is not None:
            query = select(StoryPrintRow.document_id, StoryPrintRow.words).where(
                StoryPrintRow.document_id.in_(stored), StoryPrintRow.words.is_not(None)
            )
            for doc_id, data in session.execute(query):
                if data is not None:
                    found[doc_id] = EventPrint.from_bytes(data, self._held[doc_id][1])
        return found

    def catch_up(self, session: Session, stored: list[str] | None) -> None:
        """Hold the documents of days held among `stored`, those another process stored
        since the band index last read (None: the band index's first reading, after which
        the days are read whole when needed)."""
        self._fresh, self._weighted = {}, {}
        if not stored or not self._days:
            return
        wanted = [doc_id for doc_id in stored if doc_id not in self._held]
        for chunk in chunks(wanted):
            self._read_prints(session, DocumentRow.id.in_(chunk))

    def _hold_days(self, session: Session, day: date) -> None:
        """Hold the documents of the days around `day` (read from the store the first time)."""
        wanted = [day + timedelta(days=shift) for shift in range(-WINDOW_DAYS, WINDOW_DAYS + 1)]
        missing = [d for d in wanted if d not in self._days]
        if missing:
            self._days.update(missing)
            self._read_prints(session, DocumentRow.published.in_(missing))

    def _read_prints(self, session: Session, where: ColumnElement[bool]) -> None:
        query = (
            select(DocumentRow.id, DocumentRow.story_id, DocumentRow.published, StoryPrintRow.words)
            .join(StoryPrintRow, StoryPrintRow.document_id == DocumentRow.id)
            .where(where, StoryPrintRow.words.is_not(None))
        )
        rows: Iterable[tuple[str, str | None, date, bytes]] = session.execute(query)
        for doc_id, story, published, data in rows:
            if published in self._days and doc_id not in self._held:
                self.add(doc_id, story or doc_id, EventPrint.from_bytes(data, published))


def _dated(word: int, day: int) -> int:
    """A key word and a day (its ordinal) as one key."""
    return word << 22 | day
