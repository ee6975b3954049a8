"""Ingesting files into each store: bad files are named, good ones go in, copies are one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot.core.ingest import IngestReport, ingest
from bot.core.store import Store
from tests.conftest import SEEDS

SEED_COUNT = len(list(SEEDS.glob("*.txt")))


def run(store: Store, *paths: Path, max_bytes: int = 2_000_000) -> IngestReport:
    return ingest(store, list(paths), max_bytes=max_bytes, method="lead", sentences=3)


def test_the_seed_folder_goes_in_whole_and_each_story_is_summarised(store: Store) -> None:
    report = run(store, SEEDS)
    assert len(report.new) == SEED_COUNT
    assert (report.unchanged, report.duplicate, report.rejected) == (0, 0, [])
    for doc_id in report.new:
        document = store.get_document(doc_id)
        assert document is not None
        summary = store.summary(doc_id, "lead", 3)
        assert summary is not None
        assert summary == tuple(s for p in document.sentences for s in p)[:3]


def test_bad_files_are_reported_by_name_and_the_rest_go_in(store: Store, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("date 2020-03-01 Turkey refuses to back down.\n\nMore.")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03 not text")
    (tmp_path / "latin.txt").write_bytes(b"date 2020-03-01 Caf\xe9 owners protested.")
    (tmp_path / "impossible.txt").write_text("date 2020-13-45 Something happened.")
    (tmp_path / "huge.txt").write_text("date 2020-03-01 " + "Long story. " * 300)
    (tmp_path / "nodate.md").write_text("Just a note about the weather today.")
    (tmp_path / "ignored.csv").write_text("a,b,c")
    report = run(store, tmp_path, max_bytes=3000)
    rejected = {Path(p.name).name: p.reason for p in report.rejected}
    assert set(rejected) == {"empty.txt", "binary.txt", "impossible.txt", "huge.txt"}
    assert "empty" in rejected["empty.txt"]
    assert "binary" in rejected["binary.txt"]
    assert "impossible date '2020-13-45'" in rejected["impossible.txt"]
    assert "too large" in rejected["huge.txt"]
    assert len(report.new) == 3  # good.txt, latin.txt, nodate.md
    warned = {Path(p.name).name for p in report.warnings}
    assert warned == {"latin.txt", "nodate.md"}
    assert report.line() == "3 new, 0 unchanged, 0 duplicate, 4 rejected"


def test_a_missing_path_is_reported(store: Store, tmp_path: Path) -> None:
    report = run(store, tmp_path / "nowhere")
    assert [p.reason for p in report.rejected] == ["no such file or folder"]


def test_the_same_content_under_another_name_is_one_document(store: Store, tmp_path: Path) -> None:
    seed = SEEDS / "000_663a48dea55a7912.txt"
    shutil.copy(seed, tmp_path / "a.txt")
    (tmp_path / "b.txt").write_text("  " + seed.read_text(encoding="utf-8").replace("\n", "\n\n"))
    report = run(store, tmp_path)
    assert (len(report.new), report.duplicate) == (1, 1)
    again = run(store, seed)
    assert (len(again.new), again.duplicate) == (0, 1)
    assert store.count_documents() == 1


def test_re_reading_a_folder_skips_unchanged_files_and_reads_changed_ones(
    store: Store, tmp_path: Path
) -> None:
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_text(f"date 2020-03-01 Story {name}.")
    assert len(run(store, tmp_path).new) == 2
    second = run(store, tmp_path)
    assert (len(second.new), second.unchanged) == (0, 2)
    changed = tmp_path / "two.txt"
    changed.write_text("date 2020-03-02 A rewritten story, longer now.")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    third = run(store, tmp_path)
    # The edited file updates its story rather than adding a second, stale one.
    assert (len(third.new), len(third.updated), third.unchanged) == (0, 1, 1)
    assert store.count_documents() == 2
