"""Near-duplicate stories on the seed articles: a syndicated copy, a lightly edited version and
a teaser are found; another story on a related subject is not; a text too short to judge
matches nothing; and the band keys the store keeps are the same in every process."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from datasketch import MinHashLSH
from hypothesis import given
from hypothesis import strategies as st

from bot.core.documents import read_file
from bot.core.near_duplicates import (
    LEAD_BANDS,
    LEAD_ROWS,
    LEAD_THRESHOLD,
    LSH_THRESHOLD,
    PERMUTATIONS,
    TEXT_BANDS,
    TEXT_ROWS,
    Fingerprint,
    band_keys,
    best_match,
    containment,
    fingerprint,
    near_duplicates,
)

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def article(number: int) -> list[str]:
    return list(read_file(SEEDS[number], max_bytes=1_000_000).paragraphs)


def text(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def edited(paragraphs: list[str], share: float, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(w if rng.random() >= share else "reportedly" for w in p.split())
        for p in paragraphs
    ]


class Index:
    """The seed articles' fingerprints, looked up as the store looks them up: the candidates
    that share a band key, the near-duplicates among them, most contained first."""

    def __init__(self) -> None:
        self.prints = {n: fingerprint(text(article(n))) for n in range(len(SEEDS))}

    def matches(self, print_: Fingerprint) -> list[int]:
        keys = set(band_keys(print_))
        candidates = [(n, p) for n, p in self.prints.items() if keys & set(band_keys(p))]
        found = [(n, p) for n, p in candidates if near_duplicates(print_, p)]
        ordered = [n for n, p in sorted(found, key=lambda f: -containment(print_, f[1]))]
        best = best_match(print_, candidates)
        assert (best[0] if best else None) == (ordered[0] if ordered else None)
        return ordered


@pytest.fixture(scope="module")
def index() -> Index:
    return Index()


def test_a_syndicated_copy_with_a_byline_boilerplate_and_edits_is_found(
    index: Index,
) -> None:
    copy = [
        "By our wire correspondent",
        *edited(article(0), 0.07),
        "Copyright 2020. All rights reserved. This material may not be redistributed.",
    ]
    assert index.matches(fingerprint(text(copy))) == [0]


def test_a_reordered_version_missing_a_paragraph_is_found(index: Index) -> None:
    paragraphs = article(3)
    version = [paragraphs[0], *reversed(paragraphs[2:])]
    assert index.matches(fingerprint(text(version))) == [3]


def test_a_teaser_of_the_first_paragraph_finds_its_article(index: Index) -> None:
    teaser = article(1)[:1]
    assert len(text(teaser).split()) < 80
    assert index.matches(fingerprint(text(teaser))) == [1]


def test_different_stories_are_not_near_duplicates(index: Index) -> None:
    for number in range(len(SEEDS)):
        found = index.matches(fingerprint(text(article(number))))
        assert found == [number]


def test_heavily_rewritten_text_is_no_longer_a_copy() -> None:
    original = fingerprint(text(article(2)))
    assert near_duplicates(original, fingerprint(text(edited(article(2), 0.05))))
    assert not near_duplicates(original, fingerprint(text(edited(article(2), 0.5))))


def test_a_headline_alone_matches_nothing(index: Index) -> None:
    first_words = " ".join(article(0)[0].split()[:8])
    assert index.matches(fingerprint(first_words)) == []


def test_band_keys_survive_storage_and_are_the_same_in_another_process() -> None:
    # The store keeps band keys: they must not depend on the process that made them.
    copy = fingerprint(text(edited(article(5), 0.06)))
    keys = band_keys(Fingerprint.from_bytes(copy.to_bytes()))
    assert keys == band_keys(copy)
    assert len(keys) == TEXT_BANDS + LEAD_BANDS
    script = (
        "import sys; from bot.core.near_duplicates import Fingerprint, band_keys; "
        "print(band_keys(Fingerprint.from_bytes(bytes.fromhex(sys.argv[1]))))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, copy.to_bytes().hex()],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "99"},
    )  # fmt: skip
    assert other.stdout.strip() == str(keys)


def test_the_bands_are_those_datasketch_chooses_for_the_thresholds() -> None:
    for threshold, bands, rows in (
        (LSH_THRESHOLD, TEXT_BANDS, TEXT_ROWS),
        (LEAD_THRESHOLD, LEAD_BANDS, LEAD_ROWS),
    ):
        lsh = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
        assert (lsh.b, lsh.r) == (bands, rows)


@given(st.text(max_size=400))
def test_any_text_fingerprints_and_round_trips(value: str) -> None:
    print_ = fingerprint(value)
    again = Fingerprint.from_bytes(print_.to_bytes())
    assert again.size == print_.size
    assert (again.hashes == print_.hashes).all() and (again.lead == print_.lead).all()
