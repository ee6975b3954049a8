"""Which numbered holders have which keys, in little memory: 64-bit keys, each with the
32-bit numbers of the holders that have it, in sorted arrays (12 bytes a key).

The latest keys are in a dictionary; when it holds `recent` keys they are sorted into a
second run, and that run into the first when it reaches a quarter of it, so that sorting
costs little however many keys come one by one. The band keys of near-duplicates
(`story_store`) and the key words of recent events (`same_event`) are held this way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy
from numpy.typing import NDArray

RECENT = 50_000


@dataclass(frozen=True)
class _Run:
    """Keys sorted, each with the number of the holder that has it."""

    keys: NDArray[numpy.int64]
    holders: NDArray[numpy.int32]

    @classmethod
    def empty(cls) -> _Run:
        return cls(numpy.empty(0, dtype=numpy.int64), numpy.empty(0, dtype=numpy.int32))

    def __len__(self) -> int:
        return len(self.keys)

    def with_(self, keys: NDArray[numpy.int64], holders: NDArray[numpy.int32]) -> _Run:
        """This run with `keys` added: they are sorted and put in place, which copies this
        run once rather than sorting it again."""
        order = numpy.argsort(keys, kind="stable")
        keys, holders = keys[order], holders[order]
        places = numpy.searchsorted(self.keys, keys, side="right")
        return _Run(
            numpy.insert(self.keys, places, keys), numpy.insert(self.holders, places, holders)
        )

    def holders_of(self, wanted: NDArray[numpy.int64], into: list[int]) -> None:
        if not len(self.keys):
            return
        starts = numpy.searchsorted(self.keys, wanted, side="left")
        ends = numpy.searchsorted(self.keys, wanted, side="right")
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if end > start:
                into.extend(self.holders[start:end].tolist())


class Postings:
    """Keys and the numbers of their holders."""

    def __init__(self, recent: int = RECENT) -> None:
        self.recent = recent
        self._main, self._second = _Run.empty(), _Run.empty()
        self._recent: dict[int, list[int]] = {}
        self._recent_count = 0

    def __len__(self) -> int:
        """The keys held, a key of each holder counted once."""
        return len(self._main) + len(self._second) + self._recent_count

    def add(self, holder: int, keys: Iterable[int]) -> None:
        """Hold one holder's keys."""
        for key in keys:
            self._recent.setdefault(key, []).append(holder)
            self._recent_count += 1
        if self._recent_count >= self.recent:
            self._sort_recent()

    def add_many(self, keys: NDArray[numpy.int64], holders: NDArray[numpy.int32]) -> None:
        """Hold many keys at once (a first reading), each with its holder: sorted in one go."""
        self._main = self._main.with_(keys.astype(numpy.int64), holders.astype(numpy.int32))

    def holders(self, keys: Sequence[int]) -> list[int]:
        """The holders of each of `keys`, a holder as often as it has one of them."""
        found: list[int] = []
        wanted = numpy.asarray(keys, dtype=numpy.int64)
        self._main.holders_of(wanted, found)
        self._second.holders_of(wanted, found)
        for key in keys:
            extra = self._recent.get(key)
            if extra:
                found.extend(extra)
        return found

    def _sort_recent(self) -> None:
        keys = numpy.fromiter(
            (key for key, holders in self._recent.items() for _ in holders), dtype=numpy.int64
        )
        holders = numpy.fromiter(
            (h for found in self._recent.values() for h in found), dtype=numpy.int32
        )
        self._second = self._second.with_(keys, holders)
        self._recent, self._recent_count = {}, 0
        if len(self._second) * 4 >= len(self._main):
            self._main = self._main.with_(self._second.keys, self._second.holders)
            self._second = _Run.empty()
