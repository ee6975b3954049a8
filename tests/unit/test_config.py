"""Settings: file < environment < arguments, and errors that name the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, describe, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("NEWSDIGEST_", "TELEGRAM_", "SLACK_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_the_embedded_defaults_are_sqlite_under_data_and_the_seeds_folder() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///data/newsdigest.db"
    assert settings.source_dir == Path("seeds")
    assert settings.summary_sentences == 3
    assert settings.max_file_bytes == 2_000_000


def test_environment_overrides_the_file_and_arguments_override_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSDIGEST_SUMMARY_SENTENCES", "2")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot@db/news")
    settings = load_settings()
    assert settings.summary_sentences == 2
    assert settings.database_url == "postgresql+psycopg://bot@db/news"
    assert load_settings(summary_sentences=4).summary_sentences == 4


def test_a_settings_file_can_be_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_text('summarizer = "lead"\ntimezone = "Europe/Berlin"\n')
    monkeypatch.setenv("NEWSDIGEST_CONFIG", str(path))
    settings = load_settings()
    assert (settings.summarizer, settings.timezone) == ("lead", "Europe/Berlin")


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("NEWSDIGEST_SUMMARY_SENTENCES", "three", "NEWSDIGEST_SUMMARY_SENTENCES"),
        ("NEWSDIGEST_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("NEWSDIGEST_DIGEST_TIME", "25:00", "HH:MM"),
        ("NEWSDIGEST_SUMMARIZER", "magic", "must be one of"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("NEWSDIGEST_MAX_FILE_BYTES", "-5", "NEWSDIGEST_MAX_FILE_BYTES"),
    ],
)
def test_a_malformed_value_fails_with_a_sentence_that_names_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_a_broken_settings_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("summarizer = \n")
    monkeypatch.setenv("NEWSDIGEST_CONFIG", str(path))
    with pytest.raises(ConfigError, match=r"broken\.toml is not valid TOML"):
        load_settings()
    monkeypatch.setenv("NEWSDIGEST_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml, which is not a file"):
        load_settings()


def test_secrets_come_from_the_environment_and_are_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token-value")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh-signing")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:hunter2@db/news")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:SECRET-token-value"
    shown = {s.key: s for s in describe(settings)}
    text = repr(settings) + " ".join(f"{s.value} {s.env}" for s in shown.values())
    for secret in ("SECRET-token-value", "shh-signing", "hunter2"):
        assert secret not in text
    assert shown["telegram_bot_token"].value == "set (hidden)"
    assert shown["telegram_bot_token"].env == "TELEGRAM_BOT_TOKEN"
    assert shown["slack_app_token"].value == "not set"
    assert shown["summary_sentences"].env == "NEWSDIGEST_SUMMARY_SENTENCES"


def test_a_blank_token_counts_as_not_set_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.bootstrap import adapters, bootstrap
    from bot.core.store import Store

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "   ")
    settings = load_settings()
    shown = {s.key: s for s in describe(settings)}
    assert shown["telegram_bot_token"].value == "not set"
    assert shown["slack_bot_token"].value == "not set"
    app = bootstrap(settings, Store.open("sqlite://"))
    try:
        assert [a.platform for a in adapters(app)] == ["console"]
    finally:
        app.close()
