"""A large batch of new stories is summarised in worker processes, the same as one by one."""

from __future__ import annotations

from pathlib import Path

import summarizers
from bot.core import ingest as ingest_module
from bot.core.ingest import POOL_FROM, ingest
from bot.core.store import Store
from bot.core.summaries import article_of


def test_a_large_batch_is_summarised_in_workers_with_progress(store: Store, tmp_path: Path) -> None:
    count = POOL_FROM + 5
    for number in range(count):
        (tmp_path / f"{number:03}.txt").write_text(
            f"date 2020-03-01 Story {number}: the council of town {number} met on Monday.\n\n"
            f"It voted to rebuild bridge number {number} over the river before the winter. "
            "The weather was mild. "
            f"Work on bridge {number} will cost {number + 1} million pounds, the council said."
        )
    calls: list[tuple[int, int]] = []
    report = ingest(
        store,
        [tmp_path],
        max_bytes=100_000,
        method="news",
        sentences=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert len(report.new) == count
    for doc_id in report.new:
        document = store.get_document(doc_id)
        assert document is not None
        expected = summarizers.get("news").summarize(article_of(document), 2)
        assert store.summary(doc_id, "news", 2) == expected
    assert calls[-1] == (count, count)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert {total for _, total in calls} == {count}


def test_a_small_batch_needs_no_workers(store: Store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small batch should not start worker processes")

    monkeypatch.setattr(ingest_module, "summarise_in_pool", no_pool)
    (tmp_path / "one.txt").write_text("date 2020-03-01 One story. It is short.")
    report = ingest(store, [tmp_path], max_bytes=100_000, method="news", sentences=2)
    assert len(report.new) == 1
    assert store.summary(report.new[0], "news", 2) is not None


def test_a_large_batch_read_again_skips_the_unchanged_and_takes_edits_and_refusals(
    store: Store, tmp_path: Path
) -> None:
    count = POOL_FROM + 10
    for number in range(count):
        (tmp_path / f"{number:03}.txt").write_text(
            f"date 2020-03-01 Harbour report {number}: ferry number {number} sailed at dawn.\n\n"
            f"The crossing took {number + 2} hours in calm seas, the operator said."
        )
    first = ingest(store, [tmp_path], max_bytes=100_000, method="news", sentences=2)
    assert len(first.new) == count and not first.rejected
    (tmp_path / "007.txt").write_text(
        "date 2020-03-02 Harbour report 7: ferry number 7 sailed at dawn.\n\n"
        "The crossing took 9 hours in calm seas, the operator said. A storm then closed the port."
    )
    (tmp_path / "broken.txt").write_text("date 2020-13-45 Nothing.")
    again = ingest(store, [tmp_path], max_bytes=100_000, method="news", sentences=2)
    assert (len(again.new), len(again.updated), again.unchanged) == (0, 1, count - 1)
    assert [problem.name.endswith("broken.txt") for problem in again.rejected] == [True]
    edited = store.get_document(again.updated[0])
    assert edited is not None and "storm" in " ".join(edited.paragraphs)
    assert store.summary(edited.id, "news", 2) is not None
    assert store.count_documents() == count
