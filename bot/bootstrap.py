"""The one place where settings, store and summarizer are wired together."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters.base import Adapter
from bot.config import Settings, load_settings
from bot.core import messages
from bot.core.commands import CommandHandler, Options
from bot.core.feed_commands import FeedAdded, FeedRefused
from bot.core.feed_store import CHAT, Feed
from bot.core.ingest import IngestReport, Progress, ingest
from bot.core.store import Store

if TYPE_CHECKING:
    # Feeds are read with their own libraries (HTTP, parsing, text extraction), imported when
    # a feed is first polled: a command that only reads the store starts without them.
    from bot.sources.poller import PollReport, PollSettings


@dataclass(frozen=True)
class App:
    """Everything a command or an adapter needs, wired once."""

    settings: Settings
    store: Store
    handler: CommandHandler

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Ingest `paths` with the configured limits and summarizer."""
        from bot.core.metrics import DOCUMENTS_INGESTED, INGEST_SECONDS

        with INGEST_SECONDS.labels("folder").time():
            report = ingest(
                self.store,
                paths,
                max_bytes=self.settings.max_file_bytes,
                method=self.settings.summarizer,
                sentences=self.settings.summary_sentences,
                progress=progress,
                follow_outside_links=self.settings.follow_outside_links,
            )
        DOCUMENTS_INGESTED.labels("folder").inc(len(report.new) + len(report.updated))
        return report

    def poll_feeds(self) -> PollReport:
        """Poll the feeds that are due, storing and summarising what they bring."""
        from bot.core.metrics import INGEST_SECONDS
        from bot.sources.poller import poll_due

        with INGEST_SECONDS.labels("feeds").time():
            return counted(poll_due(self.store, poll_settings(self.settings)))

    def poll_listed(self, feeds: Sequence[Feed]) -> PollReport:
        """Poll these feeds now, due or not."""
        from bot.core.metrics import INGEST_SECONDS
        from bot.sources.poller import poll_feeds

        with INGEST_SECONDS.labels("feeds").time():
            return counted(asyncio.run(poll_feeds(self.store, feeds, poll_settings(self.settings))))

    def add_feed(self, url: str, *, origin: str = CHAT) -> FeedAdded:
        """Fetch `url` once and poll it from now on; FeedRefused with the sentence to show."""
        from bot.sources.errors import FeedError
        from bot.sources.poller import FeedExists, add_feed

        chosen = poll_settings(self.settings)
        try:
            feed, report = add_feed(self.store, url, chosen, origin=origin)
        except FeedExists as error:
            known = error.feed
            raise FeedRefused(messages.FEED_EXISTS.format(name=known.name, url=known.url)) from None
        except FeedError as error:
            raise FeedRefused(messages.FEED_REFUSED.format(reason=error)) from None
        entries = len(report.new)
        return FeedAdded(feed, entries=entries, new=min(entries, chosen.first_poll_new))

    def sync_feeds(self) -> None:
        """Bring the stored feeds in step with the settings' list."""
        from bot.sources.poller import sync_listed_feeds

        listed = [(f.name, f.url, f.interval_minutes) for f in self.settings.feeds]
        sync_listed_feeds(self.store, listed)

    def close(self) -> None:
        self.store.close()


def counted(report: PollReport) -> PollReport:
    """A feed poll's report, its stories and failures counted in the metrics."""
    from bot.core.metrics import DOCUMENTS_INGESTED, FEED_ERRORS

    DOCUMENTS_INGESTED.labels("feeds").inc(len(report.new) + len(report.updated))
    FEED_ERRORS.inc(len(report.failed))
    return report


def poll_settings(settings: Settings) -> PollSettings:
    """How feeds are polled, from the settings."""
    from bot.sources.feeds import PollOptions
    from bot.sources.poller import PollSettings

    return PollSettings(
        options=PollOptions(
            allow_private=settings.allow_private_feeds, teaser_chars=settings.feed_teaser_chars
        ),
        interval=timedelta(minutes=settings.feed_interval_minutes),
        first_poll_new=settings.feed_first_poll_new,
        feeds_at_once=settings.feeds_at_once,
        method=settings.summarizer,
        sentences=settings.summary_sentences,
    )


def options(settings: Settings) -> Options:
    """The command handler's options, from the settings."""
    return Options(
        method=settings.summarizer,
        sentences=settings.summary_sentences,
        longer_sentences=2 * settings.summary_sentences,
        digest_size=settings.digest_size,
        timezone=settings.timezone,
        digest_time=settings.digest_time,
    )


def bootstrap(settings: Settings | None = None, store: Store | None = None) -> App:
    """Wire the app; tests pass their own settings or store."""
    settings = settings or load_settings()
    store = store or Store.open(settings.database_url, settings.search_index)
    handler = CommandHandler(store, options(settings))
    app = App(settings=settings, store=store, handler=handler)
    handler.add_feed = app.add_feed
    return app


def adapters(app: App, *, console_only: bool = False, receive: bool = True) -> list[Adapter]:
    """The chat adapters the settings ask for: the console when no chat token is set.
    `receive=False`: adapters that only send (a worker's), and no console."""
    import sys

    from bot.adapters.console import ConsoleAdapter

    settings = app.settings
    chosen: list[Adapter] = []
    if not console_only and settings.telegram_bot_token:
        from bot.adapters.telegram import TelegramAdapter

        chosen.append(TelegramAdapter.from_settings(app, receive=receive))
    slack = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_id,
        settings.slack_client_secret,
    )
    # Any Slack credential means Slack; one that is missing is named, not ignored.
    if not console_only and any(slack):
        from bot.adapters.slack import SlackAdapter

        chosen.append(SlackAdapter.from_settings(app, receive=receive))
    if not receive:
        return chosen
    return chosen or [ConsoleAdapter(app.handler, sys.stdin, sys.stdout)]
