"""The in-memory index of band keys: a document is found by any of its keys, wherever its keys
are held (the latest, or sorted into runs as they grow), those sharing the most keys first."""

from __future__ import annotations

import random
from pathlib import Path

import numpy
from sqlalchemy import text

from bot.core.store import Store
from bot.core.story_store import BandIndex


def test_documents_are_found_by_their_keys_before_and_after_sorting() -> None:
    index = BandIndex(recent=500)  # sorted often
    rng = random.Random(1)
    keys = {f"doc{n}": [rng.getrandbits(63) for _ in range(62)] for n in range(400)}
    for doc_id, found in keys.items():
        index.add(doc_id, found)
    assert len(index) == 400
    for doc_id, found in keys.items():
        assert index.candidates(found[:5]) == [doc_id]
    # A document sharing 3 keys with one and 1 with another: the first comes first.
    mixed = keys["doc7"][:3] + keys["doc300"][:1] + [12345]
    assert index.candidates(mixed) == ["doc7", "doc300"]
    assert index.candidates([42, 43]) == []


def test_a_document_is_held_once() -> None:
    index = BandIndex()
    index.add("a", [1, 2, 3])
    index.add("a", [1, 2, 3])
    index.add("b", [3, 4])
    assert index.candidates([3]) == ["a", "b"] and len(index) == 2


def test_many_documents_read_back_at_once_are_found_like_those_added_one_by_one(
    tmp_path: Path,
) -> None:
    # A restart: the index reads every stored document's keys in one go.
    store = Store.open(f"sqlite:///{tmp_path / 'bands.db'}")
    rng = random.Random(2)
    keys = {f"doc{n}": sorted({rng.getrandbits(63) for _ in range(62)}) for n in range(1_500)}
    with store._transaction() as session:
        for doc_id, found in keys.items():
            session.execute(
                text(
                    "INSERT INTO documents (id, published, headline, body, headings, sentences,"
                    " source, ingested_at) VALUES (:id, '2026-03-01', 'h', 'b', '[]', '[]',"
                    " 's', '2026-03-01 08:00:00')"
                ),
                {"id": doc_id},
            )
            session.execute(
                text("INSERT INTO story_prints (document_id, keys) VALUES (:id, :keys)"),
                {"id": doc_id, "keys": numpy.array(found, dtype="<i8").tobytes()},
            )
    index = BandIndex()
    with store._transaction() as session:
        index.catch_up(session)
    store.close()
    assert len(index) == 1_500
    for doc_id in ("doc0", "doc777", "doc1499"):
        assert index.candidates(keys[doc_id][10:13]) == [doc_id]
