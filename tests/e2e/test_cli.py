"""The `newsdigest` command, run as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS

SEED_COUNT = len(list(SEEDS.glob("*.txt")))
IDLIB = "000_663a48dea55a7912.txt"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_")) and k != "DATABASE_URL"
    }
    return {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }


def newsdigest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ingest_reports_new_then_unchanged(env: dict[str, str]) -> None:
    first = newsdigest("ingest", "seeds", env=env)
    assert first.returncode == 0, first.stderr
    assert f"{SEED_COUNT} new, 0 unchanged, 0 duplicate, 0 rejected" in first.stdout
    second = newsdigest("ingest", "seeds", env=env)
    assert f"0 new, {SEED_COUNT} unchanged, 0 duplicate, 0 rejected" in second.stdout


def test_ingest_names_each_bad_file_and_keeps_the_good(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "broken.txt").write_text("date 2020-13-45 Nothing.")
    (tmp_path / "fine.txt").write_text("date 2020-03-01 Something happened today.")
    result = newsdigest("ingest", str(tmp_path / "broken.txt"), str(tmp_path / "fine.txt"), env=env)
    assert result.returncode == 0
    assert "broken.txt: impossible date '2020-13-45'" in result.stderr
    assert "1 new, 0 unchanged, 0 duplicate, 1 rejected" in result.stdout


def test_summarize_prints_sentences_of_the_file(env: dict[str, str]) -> None:
    seed = SEEDS / "000_663a48dea55a7912.txt"
    result = newsdigest("summarize", str(seed), "--method", "lead", "--sentences", "2", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Turkey refuses to back down"
    assert lines[1].startswith("2020-02-27")
    assert len(lines) == 4
    assert lines[2].startswith("Dozens of Turkish soldiers were killed on Thursday")


def test_summarize_with_an_unknown_method_lists_the_choices(env: dict[str, str]) -> None:
    result = newsdigest("summarize", "seeds/000_663a48dea55a7912.txt", "--method", "x", env=env)
    assert result.returncode == 2
    assert "unknown method 'x'" in result.stderr
    assert "lexrank" in result.stderr


def test_config_shows_settings_with_secrets_masked(env: dict[str, str]) -> None:
    env["SLACK_BOT_TOKEN"] = "xoxb-very-secret-value"
    result = newsdigest("config", env=env)
    assert result.returncode == 0, result.stderr
    assert "xoxb-very-secret-value" not in result.stdout
    assert "set (hidden)" in result.stdout
    assert "NEWSDIGEST_SUMMARY_SENTENCES" in result.stdout


def test_a_malformed_setting_stops_start_up_with_its_name(env: dict[str, str]) -> None:
    env["NEWSDIGEST_DIGEST_TIME"] = "8 o'clock"
    result = newsdigest("run", env=env)
    assert result.returncode == 2
    assert "NEWSDIGEST_DIGEST_TIME" in result.stderr
    assert "HH:MM" in result.stderr


def test_run_ingests_the_seeds_then_chats_in_the_console(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=env,
        input="/digest\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{SEED_COUNT} new" in result.stdout
    assert "Your digest: 5 stories" in result.stdout


def test_run_stops_cleanly_on_sigterm(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "Type /help" not in seen and time.monotonic() < deadline:
        seen += process.stdout.readline()
    assert "Type /help" in seen, seen
    process.send_signal(signal.SIGTERM)
    # The console's input stays open: only the signal can stop it.
    returncode = process.wait(timeout=20)
    _, stderr = process.communicate()
    assert returncode == 0, stderr
    assert "SIGTERM received: stopping" in stderr, stderr


def test_scriptable_digest_search_and_ask_print_what_the_chat_would(env: dict[str, str]) -> None:
    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    digest = newsdigest("digest", "--topic", "Idlib", "--limit", "1", env=env)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.startswith("Your digest: 1 story")
    assert "— Idlib —" in digest.stdout
    since = newsdigest("digest", "--since", "2020-03-09", env=env)
    assert since.stdout.count(" · ") == 2  # 2020-03-09 and 2020-03-10
    assert "/more" not in since.stdout  # a preview belongs to no chat: nothing to follow up
    future = newsdigest("digest", "--since", "2999-01-01", env=env)
    assert future.returncode == 0
    assert future.stdout.strip() == "No stories since 2999-01-01."
    none = newsdigest("digest", "--topic", "Atlantis", env=env)
    assert none.stdout.strip() == "No stories match Atlantis."
    search = newsdigest("search", '"oil prices"', env=env)
    assert 'Stories matching "oil prices":' in search.stdout
    ask = newsdigest("ask", "What did Erdogan say about Idlib?", env=env)
    assert "Erdogan" in ask.stdout and "2020-0" in ask.stdout
    bad = newsdigest("digest", "--topic", "-only", env=env)
    assert bad.returncode == 2
    assert "not only -excluded words" in bad.stderr


def test_search_and_ask_print_json_for_scripts(env: dict[str, str]) -> None:
    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    search = newsdigest("search", "--json", "Turkish", "soldiers", env=env)
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert hits and set(hits[0]) == {"id", "headline", "date", "source", "score"}
    assert hits[0]["source"].endswith(IDLIB)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert json.loads(newsdigest("search", "--json", "Atlantis", env=env).stdout) == []
    ask = newsdigest("ask", "--json", "How many Turkish soldiers were killed?", env=env)
    answer = json.loads(ask.stdout)
    assert answer["found"] is True
    assert set(answer["answer"][0]) == {"sentence", "headline", "date", "source"}
    assert "soldiers" in answer["answer"][0]["sentence"]
    nothing = json.loads(newsdigest("ask", "--json", "zebra marmalade quasar?", env=env).stdout)
    assert nothing == {"found": False, "answer": []}
    bad = newsdigest("search", "--json", "-only", env=env)
    assert bad.returncode == 2 and "not only -excluded words" in bad.stderr


def test_reindex_rebuilds_the_search_index_from_the_store(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert newsdigest("ingest", "seeds", env=env).returncode == 0
    shutil.rmtree(tmp_path / "bot.search")  # lost: the next search mends it from the store
    before = json.loads(newsdigest("search", "--json", "Idlib", env=env).stdout)
    assert before
    reindex = newsdigest("reindex", env=env)
    assert reindex.returncode == 0, reindex.stderr
    assert f"Indexed {SEED_COUNT} documents." in reindex.stdout
    assert json.loads(newsdigest("search", "--json", "Idlib", env=env).stdout) == before


def test_a_slack_token_without_its_signing_secret_stops_start_up_naming_it(
    env: dict[str, str],
) -> None:
    env["SLACK_BOT_TOKEN"] = "xoxb-only-the-token"
    result = newsdigest("run", env=env)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr
    assert "xoxb-only-the-token" not in result.stderr + result.stdout


def test_the_bot_token_never_appears_in_the_logs_even_at_debug(env: dict[str, str]) -> None:
    from tests.adapters.telegram_fakes import BotApiServer

    api = BotApiServer().start()
    token = "4242:NEVER-PRINT-THIS-TOKEN"
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=api.url, NEWSDIGEST_LOG_LEVEL="DEBUG")
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while "getUpdates" not in " ".join(api.methods()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # a few polls, each logged at DEBUG
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        api.stop()
    assert process.returncode == 0, output[-2000:]
    assert "/bot***" in output  # the Bot API address was logged ...
    assert token not in output and "NEVER-PRINT" not in output  # ... with the token masked
