"""`newsdigest feeds …`: the feeds the bot polls, managed from the command line, and OPML in
and out so that a reader's subscriptions come along."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.bootstrap import App, bootstrap
from bot.core import messages
from bot.core.feed_commands import FeedRefused, added_text, feed_state, remove_feed
from bot.core.feed_store import CLI, CONFIG, Feed
from bot.core.store import now
from bot.sources.errors import FeedError
from bot.sources.links import normalise_link

feeds_cli = typer.Typer(
    help="The feeds the bot polls: list, add, remove, import and export OPML, poll now.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _app() -> App:
    from bot.cli import _settings

    return bootstrap(_settings())


def _fail(message: str) -> typer.Exit:
    err.print(Text(message, style="red"))
    return typer.Exit(1)


def _as_json(number: int, feed: Feed) -> dict[str, Any]:
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "number": number,
        "name": feed.name,
        "url": feed.url,
        "origin": feed.origin,
        "interval_minutes": feed.interval_minutes,
        "stories": feed.entries,
        "polled_at": when(feed.polled_at),
        "succeeded_at": when(feed.succeeded_at),
        "next_poll_at": when(feed.next_poll_at),
        "failures": feed.failures,
        "last_error": feed.last_error,
    }


@feeds_cli.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The feeds, numbered as `remove` takes them, with how each is doing."""
    app = _app()
    try:
        feeds = app.store.feeds()
    finally:
        app.close()
    if as_json:
        print(json.dumps([_as_json(n, f) for n, f in enumerate(feeds, start=1)], indent=2))
        return
    if not feeds:
        out.print(messages.NO_FEEDS.replace("/feeds add", "newsdigest feeds add"))
        return
    table = Table(title=messages.FEEDS_HEADER.format(count=len(feeds)).rstrip(":"))
    for column in ("#", "name", "url", "state"):
        table.add_column(column)
    moment = now()
    for number, feed in enumerate(feeds, start=1):
        listed = " (settings)" if feed.origin == CONFIG else ""
        table.add_row(str(number), feed.name + listed, feed.url, feed_state(feed, moment))
    out.print(table)


@feeds_cli.command("add")
def add_command(
    url: Annotated[str, typer.Argument(help="A feed, or a page that links one.")],
) -> None:
    """Fetch a feed once, store its entries and poll it from now on."""
    app = _app()
    try:
        added = app.add_feed(url, origin=CLI)
    except FeedRefused as error:
        raise _fail(str(error)) from None
    finally:
        app.close()
    out.print(added_text(added), highlight=False)


@feeds_cli.command("remove")
def remove_command(
    feed: Annotated[str, typer.Argument(help="Its number in `feeds list`, its URL or name.")],
) -> None:
    """Stop polling a feed; its stories stay."""
    app = _app()
    try:
        removed = remove_feed(app.store, feed)
    except FeedRefused as error:
        raise _fail(str(error)) from None
    finally:
        app.close()
    out.print(removed, highlight=False)


@feeds_cli.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
) -> None:
    """Poll every feed an OPML file lists (from the next poll on)."""
    from bot.sources.opml import read_opml  # its parser brings an HTTP client: only here

    try:
        refs = read_opml(path.read_bytes())
    except OSError as error:
        raise _fail(f"Cannot read {path}: {error.strerror or error}.") from None
    except FeedError as error:
        raise _fail(f"Cannot import {path}: {error}.") from None
    app = _app()
    added = known = 0
    try:
        moment = now()
        for ref in refs:
            if app.store.feed_by_url(ref.url) or app.store.feed_by_url(normalise_link(ref.url)):
                known += 1
            elif app.store.add_feed(ref.url, ref.title or ref.url, origin=CLI, added_at=moment):
                added += 1
            else:
                known += 1
    finally:
        app.close()
    out.print(
        f"Imported {added} feeds from {path.name} ({known} polled already); "
        "they are polled on the bot's next round, or now with `newsdigest feeds poll`.",
        highlight=False,
    )


@feeds_cli.command("export")
def export_command(
    path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file, not the output.")
    ] = None,
) -> None:
    """The feeds as an OPML file, for another reader."""
    from bot.sources.opml import FeedRef, write_opml

    app = _app()
    try:
        refs = [FeedRef(title=f.name, url=f.url) for f in app.store.feeds()]
    finally:
        app.close()
    document = write_opml(refs, "newsdigest feeds")
    if path is None:
        print(document)
        return
    path.write_text(document, encoding="utf-8")
    err.print(f"Wrote {len(refs)} feeds to {path}.", highlight=False)


@feeds_cli.command("poll")
def poll_command() -> None:
    """Poll the feeds that are due now, as the running bot does every minute."""
    app = _app()
    try:
        report = app.poll_feeds()
    finally:
        app.close()
    for feed, reason in report.failed:
        err.print(Text.assemble(("failed", "red"), f" {feed.name} ({feed.url}): {reason}"))
    out.print(report.line(), highlight=False)


def is_feed_source(source: str) -> bool:
    """Whether `newsdigest ingest` reads this argument as feeds (a URL, an OPML file)."""
    return source.lower().startswith(("http://", "https://")) or source.lower().endswith(".opml")


def ingest_feeds(app: App, sources: list[str]) -> tuple[int, int]:
    """Poll, now, the feeds at these URLs and those the OPML files list, adding the ones not
    polled yet. Prints a line per URL or file; returns (stories stored, sources that failed).
    """
    stored = failed = 0
    for source in sources:
        if source.lower().startswith(("http://", "https://")):
            label, feeds = source, _known(app, source)
            if feeds is None:
                try:
                    added = app.add_feed(source, origin=CLI)
                except FeedRefused as error:
                    err.print(Text.assemble(("rejected", "red"), f" {source}: {error}"))
                    failed += 1
                    continue
                out.print(f"{added.feed.name}: {added.entries} new stories", highlight=False)
                stored += added.entries
                continue
        else:
            label, feeds = Path(source).name, _imported(app, source)
            if feeds is None:
                failed += 1
                continue
        report = app.poll_listed(feeds)
        for feed, reason in report.failed:
            err.print(Text.assemble(("failed", "red"), f" {feed.name} ({feed.url}): {reason}"))
        out.print(f"{label}: {report.line()}", highlight=False)
        stored += len(report.new) + len(report.updated)
        if feeds and len(report.failed) == len(feeds):
            failed += 1
    return stored, failed


def _known(app: App, url: str) -> list[Feed] | None:
    known = app.store.feed_by_url(url) or app.store.feed_by_url(normalise_link(url))
    return [known] if known else None


def _imported(app: App, source: str) -> list[Feed] | None:
    """The feeds an OPML file lists, added where new; None (said why) when it is unreadable."""
    from bot.sources.opml import read_opml

    try:
        refs = read_opml(Path(source).read_bytes())
    except (OSError, FeedError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        err.print(Text.assemble(("rejected", "red"), f" {source}: {reason}"))
        return None
    moment = now()
    for ref in refs:
        app.store.add_feed(ref.url, ref.title or ref.url, origin=CLI, added_at=moment)
    by_url = {feed.url: feed for feed in app.store.feeds()}
    return [by_url[ref.url] for ref in refs if ref.url in by_url]
