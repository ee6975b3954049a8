"""The `newsdigest` command."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress as ProgressBar
from rich.progress import TaskID
from rich.table import Table
from rich.text import Text

import summarizers
from bot.adapters.text import render
from bot.bootstrap import App, bootstrap
from bot.config import (
    ConfigError,
    Settings,
    config_file,
    describe,
    env_names,
    load_settings,
    secrets_of,
)
from bot.core.commands import CommandHandler, UserError
from bot.core.database import DatabaseUnavailable
from bot.core.digest import Story
from bot.core.documents import DocumentError, read_file
from bot.core.ingest import IngestReport, Progress
from bot.core.replies import DigestReply, Reply
from bot.core.store import Store
from bot.feeds_cli import feeds_cli, ingest_feeds, is_feed_source
from bot.logs import configure_logging
from bot.roles import ALL, Roles

T = TypeVar("T")
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
    configure_logging(settings.log_level, secrets_of(settings), settings.log_format)
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
    # Names are printed as they are, never read as markup: a file may be called "[red].txt".
    for problem in report.rejected:
        err.print(Text.assemble(("rejected", "red"), f" {problem.name}: {problem.reason}"))
    for problem in report.warnings:
        err.print(Text.assemble(("warning", "yellow"), f" {problem.name}: {problem.reason}"))
    out.print(report.line(), highlight=False)
    if report.nothing_stored:
        err.print(Text.assemble(("Nothing was stored:", "red"), " every file given was rejected."))


@cli.command("ingest")
def ingest_command(
    sources: Annotated[
        list[str],
        typer.Argument(help="Files or folders of news documents, feed URLs, OPML files."),
    ],
) -> None:
    """Read news documents into the store and summarise the new ones; poll the feeds given
    (by URL, or listed in an OPML file) now, and from now on.

    Exits 1 when nothing could be stored: every file given was rejected."""
    feeds = [source for source in sources if is_feed_source(source)]
    paths = [Path(source) for source in sources if not is_feed_source(source)]
    app = bootstrap(_settings())
    try:
        failed_feeds = stored = 0
        if feeds:
            stored, failed_feeds = ingest_feeds(app, feeds)
        if paths or not feeds:
            with _progress("Ingesting") as progress:
                report = app.ingest(paths, progress)
            _print_report(report)
            files_failed = report.nothing_stored
        else:
            files_failed = False
    finally:
        app.close()
    if files_failed or (feeds and not paths and failed_feeds == len(feeds) and not stored):
        raise typer.Exit(1)


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


@cli.command("status")
def status_command() -> None:
    """Documents, chats, the next digests, and what the outbox holds (pending and failed)."""
    from bot.status_view import print_status

    app = bootstrap(_settings())
    try:
        print_status(app.store, out)
    finally:
        app.close()


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


def _serve(settings: Settings, *, console_only: bool = False, roles: Roles = ALL) -> None:
    """Ingest the source folder, then serve the chat adapters with the scheduler running
    (what `roles` asks of this process).

    Exits 1 when an adapter could not start for good (a refused token) or failed; 2 when
    the settings cannot work (a process of its own asked for on SQLite)."""
    from bot.adapters.base import InvalidCredentials
    from bot.bootstrap import adapters
    from bot.runner import AdapterFailed, run
    from bot.tasks import NeedsPostgres, libpq_url
    from bot.web.front import PortUnavailable

    if roles != ALL:
        try:
            libpq_url(settings.database_url)
        except NeedsPostgres as error:
            err.print(Text.assemble(("Cannot run apart: ", "red"), f"{error}."))
            raise typer.Exit(2) from None
    app = bootstrap(settings)
    try:
        try:
            chosen = adapters(app, console_only=console_only, receive=roles.receive)
        except ConfigError as error:
            err.print(f"[red]Configuration error:[/red] {error}", highlight=False)
            raise typer.Exit(2) from None
        if roles.schedule:
            with _progress("Ingesting") as progress:
                report = app.ingest([settings.source_dir], progress)
            _print_report(report)
            app.sync_feeds()
        with _progress("Indexing") as progress:
            # The search index checked against the store (mended when it was behind or lost).
            app.store.update_index(progress)
        try:
            run(app, chosen, roles)
        except InvalidCredentials as error:
            names = " or ".join(env_names(error.setting))
            err.print(Text.assemble((f"{error} ({names})", "red"), f": {error.advice}."))
            raise typer.Exit(1) from None
        except AdapterFailed as error:
            err.print(Text.assemble((str(error), "red"), " (see the log above)."))
            raise typer.Exit(1) from None
        except PortUnavailable as error:
            where = " or ".join(env_names("port"))
            err.print(Text.assemble((f"The web front {error}", "red"), f": set {where}."))
            raise typer.Exit(1) from None
        err.print("Stopped.")
    finally:
        app.close()


@cli.command("run")
def run_command() -> None:
    """Run the bot: ingest the source folder, then serve the chat adapters.

    With no chat tokens set, the chat is the console.
    """
    _serve(_settings())


@cli.command("chat")
def chat_command() -> None:
    """Chat with the bot in this terminal (the console adapter)."""
    _serve(_settings(), console_only=True)


@cli.command("web")
def web_command() -> None:
    """Take the chats' messages and answer them (PostgreSQL): the adapters and the web front."""
    _serve(_settings(), roles=Roles(schedule=False, send=False))


@cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler (PostgreSQL) while no other process does: digests, ingest, feeds."""
    _serve(_settings(), roles=Roles(receive=False, send=False))


@cli.command("worker")
def worker_command() -> None:
    """Deliver digests (PostgreSQL), beside any other workers: start as many as needed."""
    _serve(_settings(), roles=Roles(receive=False, schedule=False))


def _handler() -> tuple[App, CommandHandler]:
    app = bootstrap(_settings())
    return app, app.handler


def _print_reply(make_reply: Callable[[], Reply]) -> None:
    try:
        reply = make_reply()
    except UserError as error:
        err.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None
    out.print(render(reply), highlight=False, markup=False)


@cli.command("digest")
def digest_command(
    topic: Annotated[str | None, typer.Option(help='A topic, e.g. Idlib or "oil price".')] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Stories published since.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=100, help="Stories at most.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stories as JSON, best first.")
    ] = False,
) -> None:
    """Print a digest of the stored stories (nothing is recorded as sent)."""
    app, handler = _handler()
    try:

        def preview() -> DigestReply:
            day = since.date() if since else None
            return DigestReply(handler.preview_digest(topic=topic, since=day, limit=limit))

        if as_json:
            stories = _or_exit(preview).digest.stories
            found = [story_json(story) for story in stories]
            print(json.dumps(found, indent=2, ensure_ascii=False))
        else:
            _print_reply(preview)
    finally:
        app.close()


def story_json(story: Story) -> dict[str, Any]:
    """A digest's story for scripts: headline, date, summary sentences, and every source."""
    return {
        "headline": story.headline,
        "date": story.published.isoformat(),
        "summary": list(story.summary),
        "sources": [
            {"name": s.name, "link": s.link, "published": s.published.isoformat()}
            for s in story.sources
        ],
    }


# A query is words, not options: `search oil -opec` excludes OPEC rather than failing with
# "No such option". `--help` still works, and `--` ends the options as usual.
_WORDS = {"ignore_unknown_options": True}


@cli.command("search", context_settings=_WORDS)
def search_command(
    query: Annotated[
        list[str], typer.Argument(help='Words, "phrases", -excluded, OR; e.g. oil -opec.')
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print [{id, headline, date, source, score}], best first."),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Stories at most.")] = 5,
) -> None:
    """Print the stored stories matching a query."""
    app, handler = _handler()
    try:
        if not as_json:
            _print_reply(lambda: handler.search_stories(" ".join(query), limit))
            return
        hits = _or_exit(lambda: handler.search_stories(" ".join(query), limit)).hits
        found = [
            {"id": hit.doc_id, "headline": hit.headline, "date": hit.published.isoformat(),
             "source": hit.source, "score": round(hit.score, 4)}
            for hit in hits
        ]  # fmt: skip
        print(json.dumps(found, indent=2, ensure_ascii=False))
    finally:
        app.close()


@cli.command("ask", context_settings=_WORDS)
def ask_command(
    question: Annotated[list[str], typer.Argument(help="A question about the news.")],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print {found, answer: [{sentence, headline, date, source}]}."),
    ] = False,
) -> None:
    """Print an answer from the stored stories."""
    app, handler = _handler()
    try:
        if not as_json:
            _print_reply(lambda: handler.answer_question(" ".join(question)))
            return
        found = _or_exit(lambda: handler.answer_question(" ".join(question))).answer
        answer = [
            {"sentence": e.text, "headline": e.headline, "date": e.published.isoformat(),
             "source": e.source}
            for e in found.evidence
        ]  # fmt: skip
        print(json.dumps({"found": found.found, "answer": answer}, indent=2, ensure_ascii=False))
    finally:
        app.close()


def _or_exit(make: Callable[[], T]) -> T:
    """What `make` returns; a user's mistake is printed and ends the command with status 2."""
    try:
        return make()
    except UserError as error:
        err.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None


@cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the stored documents."""
    settings = _settings()
    store = Store.open(settings.database_url, settings.search_index)
    try:
        with _progress("Indexing") as progress:
            count = store.reindex(progress)
        out.print(f"Indexed {count} documents.", highlight=False)
    finally:
        store.close()


from bot.eval_command import eval_command  # noqa: E402

cli.command("eval")(eval_command)
cli.add_typer(feeds_cli, name="feeds")


def main() -> None:
    """Entry point of the `newsdigest` command."""
    try:
        cli()
    except DatabaseUnavailable as error:
        # Every command opens the store first; an unreachable or unwritable database is a
        # sentence naming the setting, not a traceback.
        names = " or ".join(env_names("database_url"))
        err.print(
            Text.assemble(
                ("Database error: ", "red"),
                f"{error}\nCheck the setting database_url ({names}).",
            )
        )
        raise SystemExit(1) from None
