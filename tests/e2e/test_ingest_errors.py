"""`newsdigest ingest` on awkward folders, run as a user runs it: odd file names, folders that
cannot be read, everything rejected, a text with no sentence end, and the command killed
while its workers summarise. Each ends in sentences and the right exit code, never a
traceback or processes left behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.ingest import POOL_FROM
from bot.core.workers import POOL_WORKERS
from tests.conftest import REPO, SEEDS
from tests.e2e.test_cli import env, newsdigest

__all__ = ["env"]

STORY = "date 2020-03-0{day} {text}\n\nThe council met on Monday and voted on it."


def test_a_file_name_that_is_not_utf8_is_ingested_with_the_rest(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "bread.txt").write_text(STORY.format(day=1, text="Bread prices rose again."))
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as latin:
        latin.write(STORY.format(day=2, text="Espresso makers went on strike.").encode())
    (folder / "zebra.txt").write_text(STORY.format(day=3, text="A zebra escaped the zoo."))

    result = newsdigest("ingest", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "3 new, 0 unchanged, 0 duplicate, 0 rejected" in result.stdout
    assert "documents: 3" in newsdigest("status", env=env).stdout
    found = newsdigest("search", "espresso", env=env)
    assert "Espresso makers went on strike" in found.stdout
    assert "caf\\xe9.txt" in found.stdout
    again = newsdigest("ingest", str(folder), env=env)
    assert "0 new, 3 unchanged, 0 duplicate, 0 rejected" in again.stdout


def test_the_bot_starts_on_a_folder_with_a_name_that_is_not_utf8(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as latin:
        latin.write(STORY.format(day=2, text="Espresso makers went on strike.").encode())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env={**env, "NEWSDIGEST_SOURCE_DIR": str(folder)},
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{len(list(SEEDS.glob('*.txt'))) + 1} new" in result.stdout


def test_names_that_look_like_markup_are_printed_as_they_are(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "[red] notes.txt").write_bytes(b"")
    (tmp_path / "good.txt").write_text(STORY.format(day=1, text="Bread prices rose again."))
    result = newsdigest("ingest", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    assert "[red] notes.txt: empty file" in result.stderr


def without_root_privileges() -> list[str]:
    """A command prefix under which file permissions hold: as root, the capabilities that
    override them are dropped (root reads any file otherwise)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv, which could make permissions hold")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def newsdigest_without_privileges(
    *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*without_root_privileges(), sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def closed_folder(tmp_path: Path) -> Iterator[Path]:
    """`news/closed/`, which nobody may read, with `in.txt` inside; `news/` also holds a
    readable story."""
    news = tmp_path / "news"
    closed = news / "closed"
    closed.mkdir(parents=True)
    (closed / "in.txt").write_text(STORY.format(day=1, text="Hidden away."))
    (news / "open.txt").write_text(STORY.format(day=2, text="Out in the open."))
    closed.chmod(0)
    try:
        yield closed
    finally:
        closed.chmod(0o755)


def test_a_file_in_a_folder_that_cannot_be_read_is_a_sentence(
    env: dict[str, str], closed_folder: Path
) -> None:
    result = newsdigest_without_privileges("ingest", str(closed_folder / "in.txt"), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{closed_folder / 'in.txt'}: cannot be read: permission denied" in result.stderr
    assert "Nothing was stored" in result.stderr


def test_a_folder_that_cannot_be_read_is_reported_and_the_rest_goes_in(
    env: dict[str, str], closed_folder: Path
) -> None:
    result = newsdigest_without_privileges("ingest", str(closed_folder.parent), env=env)
    assert result.returncode == 0, result.stderr
    assert f"rejected {closed_folder}: cannot be read: permission denied" in result.stderr
    assert "1 new, 0 unchanged, 0 duplicate, 1 rejected" in result.stdout


def test_ingest_fails_when_every_file_is_rejected_but_not_when_all_are_stored_already(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    result = newsdigest("ingest", str(bad), env=env)
    assert result.returncode == 1
    assert "0 new, 0 unchanged, 0 duplicate, 2 rejected" in result.stdout
    assert "Nothing was stored: every file given was rejected." in result.stderr

    missing = newsdigest("ingest", str(tmp_path / "nowhere"), env=env)
    assert missing.returncode == 1
    assert "no such file or folder" in missing.stderr

    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    again = newsdigest("ingest", "seeds", env=env)
    assert again.returncode == 0, again.stderr
    assert "Nothing was stored" not in again.stderr


def test_search_prints_a_text_without_sentence_ends_in_short_pieces(
    env: dict[str, str], tmp_path: Path
) -> None:
    words = random.Random(7).choices(["grain", "harvest", "silo", "tractor", "barley"], k=290_000)
    (tmp_path / "dump.txt").write_text("date 2020-03-01 " + " ".join(words) + " zeppelin")
    assert newsdigest("ingest", str(tmp_path), env=env).returncode == 0
    for command in (("search", "zeppelin"), ("search", "harvest"), ("digest",)):
        result = newsdigest(*command, env=env)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout) < 5000, command
    answer = newsdigest("ask", "what", "about", "the", "zeppelin?", env=env)
    assert len(answer.stdout) < 5000


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The fields after the command (in brackets): state, then the parent's id.
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see children")
def test_killing_ingest_while_it_summarises_leaves_no_process_behind(
    env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(3)
    vocabulary = [f"word{n}" for n in range(400)]
    for number in range(POOL_FROM * 3):
        paragraphs = (
            " ".join(" ".join(rng.choices(vocabulary, k=14)).capitalize() + "." for _ in range(6))
            for _ in range(40)
        )
        (tmp_path / f"{number:03}.txt").write_text(
            f"date 2020-03-01 Story {number}.\n\n" + "\n\n".join(paragraphs)
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(tmp_path)],
        cwd=REPO,
        env={**env, "NEWSDIGEST_SUMMARIZER": "lexrank"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        # The workers and the resource tracker, once the workers are at work.
        while len(children) < POOL_WORKERS + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
            children = _children(process.pid)
        assert len(children) >= POOL_WORKERS + 1, "the workers never started"
        time.sleep(1)
        process.kill()
        assert process.wait(10) == -signal.SIGKILL, "ingest finished before it was killed"
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        process.kill()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
