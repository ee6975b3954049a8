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

The index holds the prints of the documents of the days its new documents need (read back
from the store a day at a time, and brought up to date with documents stored since), and the
word counts the weights come from: it judges nothing until it has seen `MIN_DOCUMENTS`
documents, when the weights of words begin to mean something.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.models import DocumentRow, chunks
from bot.core.terms import STOP_WORDS, stem

WINDOW_DAYS = 2
TEXT_SIMILARITY = 0.7
LEAD_SIMILARITY = 0.6
# A document is found by its words of highest weight, and compared by at most `KEPT_WORDS`
# of them (a news article has 100 to 300).
KEY_TERMS = 12
KEPT_WORDS = 250
# A candidate shares at least this many key words with the new document (on the labelled
# pairs, every pair with a text cosine of 0.6 or more shares 5), the most first.
SHARED_KEYS = 4
CANDIDATES = 10
# Texts with fewer distinct content words are too short to judge (a teaser, a headline).
MIN_TERMS = 25
MIN_DOCUMENTS = 100
# Days held at once, the least recently needed let go first.
HELD_DAYS = 12
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class WordCounts:
    """The distinct stems of a text's content words, space-separated, and each one's count
    (at most 255): compact, as prints travel from the processes that make them and wait in
    numbers to be stored."""

    words: str
    counts: bytes

    def __len__(self) -> int:
        return len(self.counts)

    def items(self) -> Iterator[tuple[str, int]]:
        return zip(self.words.split(" "), self.counts, strict=True) if self.counts else iter(())


@dataclass(frozen=True)
class EventPrint:
    """A document's day and the counts of its content words' stems, in its whole text and
    in its lead."""

    day: date
    text: WordCounts
    lead: WordCounts


def event_print(headline: str, text: str, day: date) -> EventPrint | None:
    """The print of a document (None when its text is too short to judge)."""
    counts = _counts(text)
    if len(counts) < MIN_TERMS:
        return None
    first = text.strip().split("\n\n", 1)[0]
    return EventPrint(day, counts, _counts(f"{headline}\n{first}"))


def _counts(text: str) -> WordCounts:
    found = Counter(
        stem(word)
        for word in _WORD.findall(text)
        if len(word) > 1 and word.lower() not in STOP_WORDS
    )
    return WordCounts(" ".join(found), bytes(min(count, 255) for count in found.values()))


@dataclass(frozen=True)
class _Vector:
    """Words (their numbers in the index's vocabulary, sorted) and their counts."""

    words: NDArray[numpy.int32]
    counts: NDArray[numpy.uint8]

    def to_bytes(self) -> bytes:
        return self.words.tobytes() + self.counts.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> _Vector:
        size = len(data) // 5
        return cls(
            numpy.frombuffer(data, dtype=numpy.int32, count=size),
            numpy.frombuffer(data, dtype=numpy.uint8, offset=size * 4),
        )


@dataclass(frozen=True)
class _Held:
    """A document held: its story and day, and its text's and lead's vectors, packed (a few
    hundred bytes: the index holds every document of the days it needs)."""

    story: str
    day: date
    packed: bytes
    split: int  # where the lead's vector begins in `packed`

    @property
    def text(self) -> _Vector:
        return _Vector.from_bytes(memoryview(self.packed)[: self.split])

    @property
    def lead(self) -> _Vector:
        return _Vector.from_bytes(memoryview(self.packed)[self.split :])


class _Weighted:
    """A vector with its words' weights (count and rarity) and their norm, for cosines."""

    def __init__(self, index: EventIndex, vector: _Vector) -> None:
        self.vector = vector
        self.weights = index._weights(vector)
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
    """The prints of recent documents, by day, with the stories they belong to."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._held: dict[str, _Held] = {}
        self._days: OrderedDict[date, set[str]] = OrderedDict()
        self._keys: dict[int, list[str]] = {}  # key word → documents held that have it
        self._numbers: dict[str, int] = {}  # word → its number
        self._frequency = numpy.zeros(1024, dtype=numpy.int32)  # number → documents with it
        self._counted: set[str] = set()  # the documents whose words are counted
        self._last: tuple[EventPrint, _Vector, _Vector] | None = None

    def __len__(self) -> int:
        return len(self._held)

    def story_of(self, print_: EventPrint | None, session: Session | None = None) -> str | None:
        """The story of the held document that tells the same event as `print_`, if one
        does (the closest one); `session` reads the days it needs from the store first."""
        if print_ is None:
            return None
        if session is not None:
            self._hold_days(session, print_.day)
        if len(self._counted) < MIN_DOCUMENTS:
            return None
        vectors = self._vectors(print_)
        text, lead = _Weighted(self, vectors[0]), vectors[1]
        best: tuple[float, str] | None = None
        for doc_id in self._candidates(text.vector):
            held = self._held[doc_id]
            if abs((held.day - print_.day).days) > WINDOW_DAYS:
                continue
            similarity = text.cosine(_Weighted(self, held.text))
            if similarity < TEXT_SIMILARITY or (best is not None and similarity <= best[0]):
                continue
            if self._cosine(lead, held.lead) >= LEAD_SIMILARITY:
                best = (similarity, held.story)
        return best[1] if best else None

    def similarities(self, a: EventPrint, b: EventPrint) -> tuple[float, float]:
        """How close two documents are, with the weights of words as they are now: their
        texts' cosine and their leads'."""
        return (
            self._cosine(self._vector(a.text), self._vector(b.text)),
            self._cosine(self._vector(a.lead), self._vector(b.lead)),
        )

    def count(self, doc_id: str, print_: EventPrint) -> None:
        """Count the words of a document in the weights, without holding it."""
        if doc_id in self._counted:
            return
        self._counted.add(doc_id)
        numbers = self._numbers_of(print_.text)  # first: it may grow the counts
        self._frequency[numbers] += 1

    def _numbers_of(self, counts: WordCounts) -> list[int]:
        """The numbers of the words of `counts`, given to those met for the first time."""
        numbers = self._numbers
        found = []
        for word, _ in counts.items():
            number = numbers.get(word)
            if number is None:
                number = numbers[sys.intern(word)] = len(numbers)
            found.append(number)
        if len(numbers) > len(self._frequency):
            grown = numpy.zeros(len(numbers) * 2, dtype=numpy.int32)
            grown[: len(self._frequency)] = self._frequency
            self._frequency = grown
        return found

    def add(self, doc_id: str, story: str, print_: EventPrint | None) -> None:
        """Hold a document just stored, in `story`."""
        if print_ is None or doc_id in self._held:
            return
        self.count(doc_id, print_)
        if print_.day not in self._days:
            return  # a day no new document needed: read from the store when one does
        self._days[print_.day].add(doc_id)
        text, lead = self._vectors(print_)
        packed = text.to_bytes()
        held = _Held(story, print_.day, packed + lead.to_bytes(), len(packed))
        self._held[doc_id] = held
        for word in self._key_words(text):
            self._keys.setdefault(word, []).append(doc_id)

    def _vectors(self, print_: EventPrint) -> tuple[_Vector, _Vector]:
        """The vectors of a print's text and lead (those of the print just judged are kept
        for when it is held, next)."""
        if self._last is None or self._last[0] is not print_:
            self._last = (print_, self._vector(print_.text), self._vector(print_.lead))
        return self._last[1], self._last[2]

    def _vector(self, counts: WordCounts) -> _Vector:
        """The words of `counts` by number, with their counts; of a long text, its
        `KEPT_WORDS` of highest weight."""
        words = numpy.array(self._numbers_of(counts), dtype=numpy.int32)
        counted = numpy.frombuffer(counts.counts, dtype=numpy.uint8)
        if len(words) > KEPT_WORDS:
            weights = (1 + numpy.log(counted)) * self._rarity(words)
            kept = numpy.argsort(-weights, kind="stable")[:KEPT_WORDS]
            words, counted = words[kept], counted[kept]
        order = numpy.argsort(words)
        return _Vector(words[order], counted[order])

    def _rarity(self, words: NDArray[numpy.int32]) -> NDArray[numpy.float64]:
        """Each word's inverse document frequency, smoothed."""
        seen = len(self._counted)
        return numpy.log((seen + 1) / (self._frequency[words] + 1)) + 1

    def _weights(self, vector: _Vector) -> NDArray[numpy.float64]:
        return (1 + numpy.log(vector.counts)) * self._rarity(vector.words)

    def _cosine(self, a: _Vector, b: _Vector) -> float:
        return _Weighted(self, a).cosine(_Weighted(self, b))

    def _key_words(self, text: _Vector) -> list[int]:
        """The words of highest weight in a text, which find it."""
        return [int(text.words[at]) for at in numpy.argsort(-self._weights(text))[:KEY_TERMS]]

    def _candidates(self, text: _Vector) -> list[str]:
        shared: Counter[str] = Counter()
        for word in self._key_words(text):
            shared.update(self._keys.get(word, ()))
        return [doc_id for doc_id, count in shared.most_common(CANDIDATES) if count >= SHARED_KEYS]

    def catch_up(self, session: Session, stored: list[str] | None) -> None:
        """Hold the documents of days held among `stored`, those another process stored
        since the band index last read (None: the band index's first reading, after which
        the days are read whole when needed)."""
        if not stored or not self._days:
            return
        wanted = [doc_id for doc_id in stored if doc_id not in self._held]
        for chunk in chunks(wanted):
            self._read_documents(
                session, DocumentRow.id.in_(chunk) & DocumentRow.published.in_(list(self._days))
            )

    def _hold_days(self, session: Session, day: date) -> None:
        """Hold the documents of the days around `day` (read from the store the first time)."""
        wanted = [day + timedelta(days=shift) for shift in range(-WINDOW_DAYS, WINDOW_DAYS + 1)]
        missing = [d for d in wanted if d not in self._days]
        for d in wanted:
            if d in self._days:
                self._days.move_to_end(d)
        if missing:
            for d in missing:
                self._days[d] = set()
            self._read_documents(session, DocumentRow.published.in_(missing))
        if len(self._days) > HELD_DAYS:
            while len(self._days) > HELD_DAYS:
                _, gone = self._days.popitem(last=False)
                for doc_id in gone:
                    del self._held[doc_id]
            self._keys = {
                word: [doc_id for doc_id in holders if doc_id in self._held]
                for word, holders in self._keys.items()
            }

    def _read_documents(self, session: Session, where: ColumnElement[bool]) -> None:
        query = select(
            DocumentRow.id, DocumentRow.story_id, DocumentRow.published,
            DocumentRow.headline, DocumentRow.body,
        ).where(where)  # fmt: skip
        for doc_id, story, published, headline, body in session.execute(query):
            if doc_id not in self._held:
                self.add(doc_id, story or doc_id, event_print(headline, body, published))
