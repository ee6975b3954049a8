"""Near-duplicate stories: syndicated copies, re-published or lightly edited versions, a teaser
and the article it leads into.

Each text becomes a fingerprint: the MinHash (datasketch) of its word shingles (runs of
`SHINGLE_WORDS` words), how many distinct shingles it has, and the MinHash of its first
words. Locality-sensitive hashing finds among the fingerprints held those likely to share
many shingles with a new one, in time that does not grow with how many are held: the hash
values cut into bands (of the text and of its lead, as many as datasketch's MinHashLSH would
use), each band a key, and texts that share a key are candidates. A candidate is a
near-duplicate when the estimated share of the smaller text's shingles that the other one has
too (containment) reaches `CONTAINMENT`: containment rather than plain overlap, so that an
article padded with a byline and boilerplate matches the copy without them. A teaser too short
for that estimate to be sure matches when it opens as the longer text does.

A fingerprint is about a kilobyte (`Fingerprint.to_bytes`). The store keeps it and its band
keys beside the document (`story_store`), so nothing is held in memory or rebuilt at a
restart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, TypeVar

import numpy

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE_WORDS = 3
PERMUTATIONS = 128
# The index finds pairs whose shingle overlap (Jaccard) is above about this: a copy with one
# word in ten changed overlaps its original by about 0.55. (A teaser overlaps its article far
# less; the lead index below finds it.) Lower costs memory: more bands.
LSH_THRESHOLD = 0.3
TEXT_BANDS, TEXT_ROWS = 37, 3
# The share of the smaller text found in the larger from which two texts are one story. A copy
# with one word in ten changed keeps about 0.73 of its shingles.
CONTAINMENT = 0.55
# A text's opening words are indexed apart too, so that a short teaser, whose overlap with its
# whole article is small, is still found by the article's first words.
LEAD_WORDS = 20
LEAD_THRESHOLD = 0.5
LEAD_BANDS, LEAD_ROWS = 25, 5
# A text this short (in shingles) whose lead is nearly the lead of a longer one is its teaser:
# too short for the estimate of its containment to be sure, which the leads then decide.
TEASER_SHINGLES = 120
LEAD_MATCH = 0.8
# Texts with fewer distinct shingles (a headline, a line of teaser) say too little to be
# called anyone's copy.
MIN_SHINGLES = 12
_WORDS = re.compile(r"\w+")
_SEED = 1
# datasketch's hashing scheme, named so that stored fingerprints stay comparable: 32-bit values.
_SCHEME = "affine32"
K = TypeVar("K", bound=Hashable)


@cache
def _hasher() -> MinHash:
    """An empty MinHash whose random permutations, made from the seed once, every text's
    MinHash copies. datasketch is imported here, when first needed: it brings SciPy, which
    commands that only read (a search) do without."""
    from datasketch import MinHash

    return MinHash(num_perm=PERMUTATIONS, seed=_SEED, scheme=_SCHEME)


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash values and its number of distinct shingles, and the MinHash values of
    its first `LEAD_WORDS` words."""

    hashes: numpy.ndarray
    size: int
    lead: numpy.ndarray

    def to_bytes(self) -> bytes:
        """The fingerprint as bytes to store (1,028): the size, then the hash values of the
        text and of its lead, which MinHash keeps below 2**32."""
        values = numpy.concatenate([[self.size], self.hashes, self.lead])
        return values.astype("<u4").tobytes()

    @cached_property
    def band_keys(self) -> list[int]:
        """Its LSH band keys (`band_keys`), computed once (where it was made, if asked there:
        they travel with it to another process)."""
        return band_keys(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        values = numpy.frombuffer(data, dtype="<u4").astype(numpy.uint64)
        return cls(values[1 : PERMUTATIONS + 1], int(values[0]), values[PERMUTATIONS + 1 :])


def shingles(text: str, words_at_most: int | None = None) -> set[bytes]:
    """The distinct runs of `SHINGLE_WORDS` words of `text` (of its first `words_at_most`
    words), case and punctuation ignored."""
    words = _WORDS.findall(text.casefold())[:words_at_most]
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {
        " ".join(words[start : start + SHINGLE_WORDS]).encode()
        for start in range(len(words) - SHINGLE_WORDS + 1)
    }


def fingerprint(text: str) -> Fingerprint:
    """The fingerprint of a document's text (its paragraphs, without the headline: copies
    are often retitled)."""
    found = shingles(text)
    return Fingerprint(_minhash(found), len(found), _minhash(shingles(text, LEAD_WORDS)))


def _minhash(found: set[bytes]) -> numpy.ndarray:
    minhash = _hasher().copy()
    minhash.update_batch(list(found))
    return minhash.hashvalues.astype(numpy.uint64)


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """The estimated share of the smaller text's shingles that the other one has too."""
    if not a.size or not b.size:
        return 0.0
    jaccard = _agreement(a.hashes, b.hashes)
    # |A ∩ B| from the Jaccard estimate and the two sizes: J (|A| + |B|) / (1 + J).
    shared = jaccard * (a.size + b.size) / (1 + jaccard)
    return min(1.0, shared / min(a.size, b.size))


def near_duplicates(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two texts are one story: enough of each to judge, and the smaller contained in
    the other, or the smaller a teaser that opens as the other does."""
    smaller = min(a.size, b.size)
    if smaller < MIN_SHINGLES:
        return False
    if smaller <= TEASER_SHINGLES and _agreement(a.lead, b.lead) >= LEAD_MATCH:
        return True
    return containment(a, b) >= CONTAINMENT


def _agreement(a: numpy.ndarray, b: numpy.ndarray) -> float:
    """The MinHash estimate of the overlap (Jaccard) of two sets."""
    return float(numpy.count_nonzero(a == b)) / len(a)


def band_keys(print_: Fingerprint) -> list[int]:
    """The LSH band keys of a fingerprint: two texts that share one are candidates. The text's
    hash values in `TEXT_BANDS` bands of `TEXT_ROWS`, its lead's in `LEAD_BANDS` of
    `LEAD_ROWS` (the bands datasketch's MinHashLSH chooses for `LSH_THRESHOLD` and
    `LEAD_THRESHOLD`), each band hashed to a signed 64-bit number that is the same in every
    process (the store keeps them). A text too short to judge has none."""
    if print_.size < MIN_SHINGLES:
        return []
    keys = []
    for kind, values, bands, rows in (
        (b"t", print_.hashes, TEXT_BANDS, TEXT_ROWS),
        (b"l", print_.lead, LEAD_BANDS, LEAD_ROWS),
    ):
        data = values.astype("<u4").tobytes()
        width = rows * 4
        for band in range(bands):
            digest = hashlib.blake2b(
                data[band * width : (band + 1) * width], digest_size=8, person=kind + bytes([band])
            ).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def best_match(
    print_: Fingerprint, candidates: Iterable[tuple[K, Fingerprint]]
) -> tuple[K, float] | None:
    """The candidate that is a near-duplicate of `print_` with the most of it contained,
    and that share; None when none is."""
    best: tuple[K, float] | None = None
    for key, other in candidates:
        if near_duplicates(print_, other):
            share = containment(print_, other)
            if best is None or share > best[1]:
                best = (key, share)
    return best
