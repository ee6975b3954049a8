"""Settings: the `config/` file, overridden by environment variables, overridden by arguments.

Every key of `config/default.toml` may be set as `NEWSDIGEST_<KEY>`; the database URL is
also read from `DATABASE_URL`, and the chat platforms' secrets from their usual names
(`TELEGRAM_BOT_TOKEN`, `SLACK_BOT_TOKEN`, …). Secrets only ever come from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

import summarizers

ENV_PREFIX = "NEWSDIGEST_"
PROJECT_DIR = Path(__file__).resolve().parents[1]
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says what is expected."""


def config_file() -> Path:
    """The settings file in force: `NEWSDIGEST_CONFIG`, else `config/default.toml`."""
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("config/default.toml")
    return local if local.is_file() else PROJECT_DIR / "config" / "default.toml"


def _env(name: str, *plain: str) -> Any:
    return Field(validation_alias=AliasChoices(name, f"{ENV_PREFIX}{name.upper()}", *plain))


class FeedSetting(BaseModel):
    """A feed listed in the settings: polled from start-up, kept in step with the list."""

    name: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=2000)
    interval_minutes: int | None = Field(default=None, ge=1, le=24 * 60)

    def __str__(self) -> str:
        every = f" every {self.interval_minutes} min" if self.interval_minutes else ""
        return f"{self.name} <{self.url}>{every}"


class Settings(BaseSettings):
    """The bot's effective settings. Field defaults mirror `config/default.toml`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        validate_by_name=True,
        validate_default=True,
    )

    # Not in repr: the URL may carry a password.
    database_url: str = Field(
        default="sqlite:///data/newsdigest.db",
        repr=False,
        validation_alias=AliasChoices("database_url", "DATABASE_URL", "NEWSDIGEST_DATABASE_URL"),
    )
    source_dir: Path = Path("seeds")
    # The search index's folder; by default beside an SQLite file, and for PostgreSQL a
    # folder each process builds from the store when it starts.
    search_index: Path | None = None
    ingest_interval_minutes: int = Field(default=5, ge=1, le=24 * 60)
    max_file_bytes: int = Field(default=2_000_000, ge=1)
    # A link in the source folder to a file outside it is refused (and reported) unless set.
    follow_outside_links: bool = False
    summarizer: str = summarizers.DEFAULT
    summary_sentences: int = Field(default=3, ge=1, le=10)
    timezone: str = "UTC"
    digest_time: str = "08:00"
    digest_size: int = Field(default=5, ge=1, le=50)
    # A daily digest missed while the bot was down is sent once when it is back, if it is
    # back within this many hours; 0: missed digests are skipped.
    catch_up_hours: float = Field(default=6, ge=0, le=24)
    # How many senders work through the outbox at once (each has one message on its way).
    senders: int = Field(default=4, ge=1, le=32)
    log_level: str = "INFO"
    # "text" for a terminal, "json" for a log collector: one object per line.
    log_format: str = "text"

    # Feeds, polled besides the folder; chat admins add more with /feeds add.
    feeds: list[FeedSetting] = []
    feed_interval_minutes: int = Field(default=15, ge=1, le=24 * 60)
    feed_teaser_chars: int = Field(default=500, ge=0, le=100_000)
    feed_first_poll_new: int = Field(default=3, ge=0, le=50)
    feeds_at_once: int = Field(default=20, ge=1, le=200)
    # Feeds on loopback, private or link-local addresses are refused unless this is set.
    allow_private_feeds: bool = False

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_ID")
    )
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET")
    )
    # Slack's Web API (slack-sdk's base_url), for GovSlack or a proxy.
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL")
    )
    # Slack user ids allowed to change channel settings; empty: everyone.
    slack_admins: list[str] = []

    # Telegram's Bot API address (python-telegram-bot's base_url), for a self-hosted server.
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        validation_alias=AliasChoices("TELEGRAM_BASE_URL"),
    )
    # Webhook mode when set: Telegram posts updates to this public URL.
    telegram_webhook_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL")
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET")
    )

    # The web front: one HTTP server for Slack's requests, Telegram's webhook, /healthz and
    # /metrics. It listens when a port is set, or on 8080 when an adapter needs it.
    host: str = Field(
        default="0.0.0.0",
        validation_alias=AliasChoices("host", "NEWSDIGEST_HOST", "slack_host"),
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        # The Slack adapter's and the Telegram webhook's own ports, before they shared one.
        validation_alias=AliasChoices(
            "port", "NEWSDIGEST_PORT", "SLACK_PORT", "NEWSDIGEST_SLACK_PORT", "slack_port",
            "telegram_webhook_port",
        ),
    )  # fmt: skip

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments win over the environment, which wins over the file.
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # `TELEGRAM_BOT_TOKEN=""` (an emptied line in an env file) means "not set": shown as
        # such by `newsdigest config` and ignored by `run` alike.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "must be an SQLAlchemy URL such as sqlite:///data/newsdigest.db"
            ) from None
        return value

    @field_validator("summarizer")
    @classmethod
    def _summarizer(cls, value: str) -> str:
        if value not in summarizers.names():
            raise ValueError(f"must be one of: {', '.join(summarizers.names())}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin or UTC") from None
        return value

    @field_validator("digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("must be a clock time HH:MM such as 08:00")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("must be text or json")
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in the settings, to be masked wherever it might be written."""
    found = [
        value.get_secret_value()
        for value in settings.__dict__.values()
        if isinstance(value, SecretStr)
    ]
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return found


def env_names(field: str) -> list[str]:
    """Every environment variable that sets `field`, the usual one first."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str) and c.isupper()]
    return [f"{ENV_PREFIX}{field.upper()}"]


def env_name(field: str) -> str:
    """The environment variable a user sets for `field`."""
    return env_names(field)[0]


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, or raise ConfigError with a sentence naming each bad value."""
    path = config_file()
    if os.environ.get(f"{ENV_PREFIX}CONFIG") and not path.is_file():
        raise ConfigError(f"{ENV_PREFIX}CONFIG names {path}, which is not a file")
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else "?"
            where = env_name(field) if field in Settings.model_fields else field
            got = item.get("input")
            shown = "" if field.endswith(("token", "secret")) else f" (got {got!r})"
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"setting {field} ({where}) {message}{shown}")
        raise ConfigError("; ".join(problems)) from None


@dataclass(frozen=True)
class ShownSetting:
    """One line of `newsdigest config`: a key, its value with secrets masked, its variable."""

    key: str
    value: str
    env: str


def describe(settings: Settings) -> list[ShownSetting]:
    """The effective settings as printable lines; secrets and passwords never appear."""
    shown = []
    for key in Settings.model_fields:
        value = getattr(settings, key)
        if isinstance(value, SecretStr):
            text = "set (hidden)"
        elif value is None:
            text = "not set"
        elif key == "database_url":
            text = make_url(value).render_as_string(hide_password=True)
        elif isinstance(value, list):
            text = "; ".join(str(item) for item in value) or "none"
        else:
            text = str(value)
        shown.append(ShownSetting(key, text, env_name(key)))
    return shown
