"""How the Slack adapter reaches Slack: the mode the settings choose and the Bolt app for it.

Three modes. Socket Mode when an app-level token (`SLACK_APP_TOKEN`) is set. Otherwise HTTP:
for many workspaces through Bolt's OAuth flow when `SLACK_CLIENT_ID` and
`SLACK_CLIENT_SECRET` are set (installations kept by slack-sdk's SQLAlchemy stores in the
project's database), else for the one workspace of `SLACK_BOT_TOKEN`. HTTP requests are
verified with `SLACK_SIGNING_SECRET`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.config import Settings

# Bolt's default request path; the OAuth paths are Bolt's defaults too.
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
DEFAULT_API_URL = "https://slack.com/api/"
# The bot scopes an OAuth install asks for (docs/slack.md has the same list in the manifest).
SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "groups:history",
    "im:history",
)
# Slack allows chat.postMessage about once a second per channel.
POST_INTERVAL_SECONDS = 1.0
# How often a call answered with 429 is tried again, each time after its Retry-After.
RATE_LIMIT_RETRIES = 5
OAUTH_STATE_SECONDS = 600


@dataclass(frozen=True)
class SlackConfig:
    """What the adapter needs to know; secrets are kept out of `repr`."""

    signing_secret: str = field(default="", repr=False)
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    admins: frozenset[str] = frozenset()
    post_interval: float = POST_INTERVAL_SECONDS
    rate_limit_retries: int = RATE_LIMIT_RETRIES

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig:
        def secret(value: Any) -> str | None:
            return value.get_secret_value() if value is not None else None

        return cls(
            signing_secret=secret(settings.slack_signing_secret) or "",
            bot_token=secret(settings.slack_bot_token),
            app_token=secret(settings.slack_app_token),
            client_id=settings.slack_client_id,
            client_secret=secret(settings.slack_client_secret),
            api_url=settings.slack_api_url,
            admins=frozenset(settings.slack_admins),
        )

    @property
    def mode(self) -> str:
        """`socket`, `oauth` or `http`."""
        if self.app_token:
            return "socket"
        if self.client_id or self.client_secret:
            return "oauth"
        return "http"

    def check(self) -> None:
        """Raise ConfigError, naming the variable, when a value the mode needs is missing."""
        mode = self.mode
        if mode == "socket":
            if self.client_id or self.client_secret:
                raise ConfigError(
                    "SLACK_APP_TOKEN (Socket Mode) cannot be combined with SLACK_CLIENT_ID and "
                    "SLACK_CLIENT_SECRET (OAuth installs over HTTP); unset one of them"
                )
            if not self.bot_token:
                raise ConfigError("Socket Mode (SLACK_APP_TOKEN) also needs SLACK_BOT_TOKEN")
            return
        if not self.signing_secret:
            raise ConfigError("Slack over HTTP needs SLACK_SIGNING_SECRET")
        if mode == "oauth" and not (self.client_id and self.client_secret):
            missing = "SLACK_CLIENT_SECRET" if self.client_id else "SLACK_CLIENT_ID"
            raise ConfigError(f"Slack OAuth installs need {missing} as well")
        if mode == "http" and not self.bot_token:
            raise ConfigError("Slack over HTTP needs SLACK_BOT_TOKEN (or OAuth client settings)")

    def web_client(self, token: str | None) -> WebClient:
        """A Web API client at `api_url` that waits out a 429's Retry-After and tries again."""
        retries: Sequence[RetryHandler] = (
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=self.rate_limit_retries),
        )
        return WebClient(token=token, base_url=self.api_url, retry_handlers=list(retries))


def bolt_app(
    config: SlackConfig, engine: Engine, executor: Executor
) -> tuple[App, SQLAlchemyInstallationStore | None]:
    """The Bolt app for the configured mode, with its installation store when it has one.

    `executor` runs the listeners. The OAuth tables are created in `engine` where missing.
    """
    common: dict[str, Any] = {
        # Checked on the first request instead, so that start-up needs no network.
        "token_verification_enabled": False,
        "listener_executor": executor,
    }
    if config.mode == "socket":
        app = App(
            client=config.web_client(config.bot_token),
            signing_secret="",
            request_verification_enabled=False,
            **common,
        )
        return app, None
    if config.mode == "http":
        app = App(
            client=config.web_client(config.bot_token),
            signing_secret=config.signing_secret,
            **common,
        )
        return app, None
    assert config.client_id and config.client_secret
    installations = SQLAlchemyInstallationStore(client_id=config.client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine)
    # Idempotent: only the tables that do not exist yet are created.
    installations.create_tables()
    states.create_tables()
    oauth = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(SCOPES),
        installation_store=installations,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )
    app = App(
        client=config.web_client(None),
        signing_secret=config.signing_secret,
        oauth_settings=oauth,
        **common,
    )
    return app, installations
