"""The `newsdigest` command."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress as ProgressBar
from rich.progress import TaskID
from rich.table import Table

import summarizers
from bot.bootstrap import App, bootstrap, configure_logging
from bot.config import ConfigError, Settings, config_file, describe, load_settings
from bot.core.documents import DocumentError, read_file
from bot.core.ingest import IngestReport, Progress

# Below this many files a progress bar is only flicker.
PROGRESS_FROM = 20

cli = typer.Typer(
    name="newsdigest",
    help="A news-digest bot: reads news, summarises it, posts digests and answers questions.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ConfigError as error:
        err.print(f"[red]Configuration error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


@contextmanager
def _progress(label: str) -> Iterator[Progress]:
    """A progress callback that shows a bar once a batch is large enough to need one."""
    bar = ProgressBar(console=err, transient=True)
    task: list[TaskID] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task(label, total=total))
        bar.update(task[0], completed=done)

    try:
        yield update
    finally:
        bar.stop()


def _print_report(report: IngestReport) -> None:
    for problem in report.rejected:
        err.print(f"[red]rejected[/red] {problem.name}: {problem.reason}", highlight=False)
    for problem in report.warnings:
        err.print(f"[yellow]warning[/yellow] {problem.name}: {problem.reason}", highlight=False)
    out.print(report.line(), highlight=False)


def _print_latest(app: App) -> None:
    documents = app.store.documents(limit=app.settings.digest_size)
    if not documents:
        out.print("No stories yet.")
        return
    out.print(f"[bold]Latest {len(documents)} stories[/bold]\n")
    for number, document in enumerate(documents, start=1):
        out.print(f"[bold]{number}. {document.headline}[/bold]", highlight=False)
        source = Path(document.source).name
        out.print(f"[dim]{document.published.isoformat()} · {source}[/dim]", highlight=False)
        out.print(" ".join(app.summary(document)) + "\n", highlight=False)


@cli.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of news documents.")],
) -> None:
    """Read news documents into the store and summarise the new ones."""
    app = bootstrap(_settings())
    try:
        with _progress("Ingesting") as progress:
            report = app.ingest(paths, progress)
        _print_report(report)
    finally:
        app.close()


@cli.command("summarize")
def summarize_command(
    file: Annotated[Path, typer.Argument(help="A news document (seed format, .txt or .md).")],
    method: Annotated[
        str | None,
        typer.Option(help=f"One of: {', '.join(summarizers.names())}. Default: the configured."),
    ] = None,
    sentences: Annotated[
        int | None, typer.Option(min=1, max=50, help="How many sentences. Default: configured.")
    ] = None,
) -> None:
    """Print the summary of one document (nothing is stored)."""
    settings = _settings()
    method = method or settings.summarizer
    if method not in summarizers.names():
        raise typer.BadParameter(
            f"unknown method {method!r}; choose one of: {', '.join(summarizers.names())}",
            param_hint="--method",
        )
    try:
        document = read_file(file, max_bytes=settings.max_file_bytes)
    except (DocumentError, OSError) as error:
        err.print(f"[red]Cannot read {file}:[/red] {error}", highlight=False)
        raise typer.Exit(1) from None
    article = summarizers.Article.from_paragraphs(document.paragraphs, title=document.headline)
    summary = summarizers.get(method).summarize(article, sentences or settings.summary_sentences)
    out.print(f"[bold]{document.headline}[/bold]", highlight=False)
    out.print(f"[dim]{document.published.isoformat()} · {method}[/dim]", highlight=False)
    for sentence in summary:
        out.print(sentence, highlight=False)


@cli.command("config")
def config_command() -> None:
    """Show the effective settings (secrets masked) and where each can be set."""
    settings = _settings()
    table = Table(title=f"Settings ({config_file()} < environment)")
    table.add_column("setting")
    table.add_column("value")
    table.add_column("environment variable")
    for shown in describe(settings):
        table.add_row(shown.key, shown.value, shown.env)
    out.print(table)


@cli.command("run")
def run_command() -> None:
    """Ingest the source folder, show the latest stories, and keep the scheduler running."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from bot.scheduler import add_jobs

    settings = _settings()
    app = bootstrap(settings)
    try:
        with _progress("Ingesting") as progress:
            report = app.ingest([settings.source_dir], progress)
        _print_report(report)
        _print_latest(app)
        scheduler = BlockingScheduler(timezone=settings.timezone)
        add_jobs(scheduler, app)

        def stop(signum: int, _frame: FrameType | None) -> None:
            err.print(f"Stopping ({signal.Signals(signum).name}).")
            if scheduler.running:
                scheduler.shutdown(wait=False)
            else:
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        out.print(
            f"Running: re-reading {settings.source_dir} every "
            f"{settings.ingest_interval_minutes} min. Press Ctrl-C to stop.",
            highlight=False,
        )
        scheduler.start()
    finally:
        app.close()


def main() -> None:
    """Entry point of the `newsdigest` command."""
    cli()
