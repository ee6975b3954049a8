"""A database that cannot be opened, and queries that look like options: a sentence and the
right exit code, never a traceback."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli import env, newsdigest

__all__ = ["env"]

SETTING = "Check the setting database_url (DATABASE_URL or NEWSDIGEST_DATABASE_URL)."


@pytest.fixture
def immutable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into, root included (the tests run as root, for whom plain
    permission bits are no obstacle)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode:
        pytest.skip("this file system cannot make a folder immutable (chattr +i)")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_database_in_a_folder_that_cannot_be_written_is_a_sentence(
    env: dict[str, str], immutable_folder: Path
) -> None:
    env["DATABASE_URL"] = f"sqlite:///{immutable_folder / 'bot.db'}"
    result = newsdigest("ingest", "seeds", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"cannot open the database sqlite:///{immutable_folder / 'bot.db'}" in result.stderr
    assert SETTING in result.stderr


def test_a_database_whose_folder_is_a_file_is_a_sentence(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "data").write_text("not a folder")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    result = newsdigest("status", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "a file stands where its folder should be" in result.stderr
    assert SETTING in result.stderr


def test_an_unreachable_postgresql_is_a_sentence_without_the_password(
    env: dict[str, str],
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env["DATABASE_URL"] = f"postgresql+psycopg://news:hunter2@127.0.0.1:{port}/news"
    for command in (["status"], ["run"], ["search", "oil"]):
        result = newsdigest(*command, env=env)
        assert result.returncode == 1, command
        assert "Traceback" not in result.stderr
        assert "hunter2" not in result.stderr + result.stdout
        assert f"postgresql+psycopg://news:***@127.0.0.1:{port}/news" in result.stderr
        assert "Connection refused" in result.stderr
        assert SETTING in result.stderr


def test_search_takes_words_that_start_with_a_dash(env: dict[str, str]) -> None:
    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    both = newsdigest("search", "idlib", env=env)
    assert "A fragile truce" in both.stdout and "Turkey refuses to back down" in both.stdout
    result = newsdigest("search", "idlib", "-ceasefire", env=env)
    assert result.returncode == 0, result.stderr
    assert "Turkey refuses to back down" in result.stdout
    assert "A fragile truce" not in result.stdout
    only_excluded = newsdigest("search", "-idlib", env=env)
    assert only_excluded.returncode == 2
    assert "No such option" not in only_excluded.stderr
    assert "not only -excluded words" in only_excluded.stderr


def test_ask_takes_a_question_in_several_words(env: dict[str, str]) -> None:
    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    result = newsdigest("ask", "What", "did", "Erdogan", "say", "about", "Idlib?", env=env)
    assert result.returncode == 0, result.stderr
    assert "Idlib" in result.stdout
