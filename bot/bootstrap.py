"""The one place where settings, store and summarizer are wired together."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings, load_settings
from bot.core.ingest import IngestReport, Progress, ingest
from bot.core.store import Store, StoredDocument
from bot.core.summaries import summary_of


@dataclass(frozen=True)
class App:
    """Everything a command or an adapter needs, wired once."""

    settings: Settings
    store: Store

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Ingest `paths` with the configured limits and summarizer."""
        return ingest(
            self.store,
            paths,
            max_bytes=self.settings.max_file_bytes,
            method=self.settings.summarizer,
            sentences=self.settings.summary_sentences,
            progress=progress,
        )

    def summary(self, document: StoredDocument) -> tuple[str, ...]:
        """A document's summary with the configured method and length."""
        return summary_of(
            self.store, document, self.settings.summarizer, self.settings.summary_sentences
        )

    def close(self) -> None:
        self.store.close()


def bootstrap(settings: Settings | None = None, store: Store | None = None) -> App:
    """Wire the app; tests pass their own settings or store."""
    settings = settings or load_settings()
    return App(settings=settings, store=store or Store.open(settings.database_url))


def configure_logging(level: str) -> None:
    """Log to stderr through rich; chat tokens are never formatted into log records."""
    from rich.logging import RichHandler

    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(show_path=False, rich_tracebacks=True)],
        force=True,
    )
    # Their INFO lines are noise for an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
