"""Near-duplicate stories on the seed articles: a syndicated copy, a lightly edited version and
a teaser are found; another story on a related subject is not; a text too short to judge
matches nothing; and an index rebuilt from stored fingerprints finds what the first one did."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.documents import read_file
from bot.core.near_duplicates import (
    Fingerprint,
    NearDuplicateIndex,
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


@pytest.fixture(scope="module")
def index() -> NearDuplicateIndex:
    held = NearDuplicateIndex()
    for number in range(len(SEEDS)):
        held.add(number, fingerprint(text(article(number))))
    return held


def test_a_syndicated_copy_with_a_byline_boilerplate_and_edits_is_found(
    index: NearDuplicateIndex,
) -> None:
    copy = [
        "By our wire correspondent",
        *edited(article(0), 0.07),
        "Copyright 2020. All rights reserved. This material may not be redistributed.",
    ]
    assert [key for key, _ in index.matches(fingerprint(text(copy)))] == [0]


def test_a_reordered_version_missing_a_paragraph_is_found(index: NearDuplicateIndex) -> None:
    paragraphs = article(3)
    version = [paragraphs[0], *reversed(paragraphs[2:])]
    assert [key for key, _ in index.matches(fingerprint(text(version)))] == [3]


def test_a_teaser_of_the_first_paragraph_finds_its_article(index: NearDuplicateIndex) -> None:
    teaser = article(1)[:1]
    assert len(text(teaser).split()) < 80
    assert [key for key, _ in index.matches(fingerprint(text(teaser)))][:1] == [1]


def test_different_stories_are_not_near_duplicates(index: NearDuplicateIndex) -> None:
    for number in range(len(SEEDS)):
        found = [key for key, _ in index.matches(fingerprint(text(article(number))))]
        assert found == [number]


def test_heavily_rewritten_text_is_no_longer_a_copy() -> None:
    original = fingerprint(text(article(2)))
    assert near_duplicates(original, fingerprint(text(edited(article(2), 0.05))))
    assert not near_duplicates(original, fingerprint(text(edited(article(2), 0.5))))


def test_a_headline_alone_matches_nothing(index: NearDuplicateIndex) -> None:
    first_words = " ".join(article(0)[0].split()[:8])
    assert index.matches(fingerprint(first_words)) == []


def test_an_index_rebuilt_from_stored_fingerprints_finds_the_same(
    index: NearDuplicateIndex,
) -> None:
    stored = [(n, fingerprint(text(article(n))).to_bytes()) for n in range(len(SEEDS))]
    rebuilt = NearDuplicateIndex()
    rebuilt.add_many((n, Fingerprint.from_bytes(data)) for n, data in stored)
    copy = fingerprint(text(edited(article(5), 0.06)))
    assert rebuilt.matches(copy) == index.matches(copy)
    assert [key for key, _ in rebuilt.matches(copy)] == [5]
    rebuilt.remove(5)
    assert rebuilt.matches(copy) == []


@given(st.text(max_size=400))
def test_any_text_fingerprints_and_round_trips(value: str) -> None:
    print_ = fingerprint(value)
    again = Fingerprint.from_bytes(print_.to_bytes())
    assert again.size == print_.size
    assert (again.hashes == print_.hashes).all() and (again.lead == print_.lead).all()
