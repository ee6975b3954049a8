"""`/feeds`: the feeds the bot polls, as a chat sees and manages them.

The command handler calls these; fetching a new feed is the caller's (`FeedAdder`), since the
core fetches nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core import messages
from bot.core.feed_store import CONFIG, Feed, FeedRecords


class FeedRefused(ValueError):
    """A feed that cannot be added; the message is the sentence to show."""


@dataclass(frozen=True)
class FeedAdded:
    """A feed now polled: as stored, with how many entries it had and how many count as new."""

    feed: Feed
    entries: int
    new: int


# Fetches a URL once and starts polling it; raises FeedRefused.
FeedAdder = Callable[[str], FeedAdded]


def _span(seconds: float) -> str | None:
    """A span of time in its largest whole unit ("5 min", "3 h", "2 days"); None under a minute."""
    if seconds < 60:
        return None
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def ago(moment: datetime, now: datetime) -> str:
    """How long ago: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    span = _span((now - moment).total_seconds())
    return f"{span} ago" if span else "just now"


def until(moment: datetime, now: datetime) -> str:
    """How long until: "now", "in 5 min"."""
    span = _span((moment - now).total_seconds())
    return f"in {span}" if span else "now"


def added_text(added: FeedAdded) -> str:
    """What a user reads once a feed is added."""
    feed = added.feed
    return messages.FEED_ADDED.format(
        name=feed.name, url=feed.url, entries=added.entries, new=added.new
    )


def feed_state(feed: Feed, now: datetime) -> str:
    """One line on how a feed is doing: its stories and last poll, or its error."""
    stories = f"{feed.entries} {'story' if feed.entries == 1 else 'stories'}"
    if feed.failures and feed.last_error:
        retry = f", next try {until(feed.next_poll_at, now)}" if feed.next_poll_at else ""
        failing = f"failing ({feed.failures} in a row{retry}): {messages.echo(feed.last_error)}"
        return f"{stories}; {failing}"
    if feed.succeeded_at is None:
        return f"{stories}; not polled yet"
    return f"{stories}; polled {ago(feed.succeeded_at, now)}"


def feed_list(feeds: Sequence[Feed], now: datetime) -> str:
    """The numbered list `/feeds` shows."""
    if not feeds:
        return messages.NO_FEEDS
    lines = [messages.FEEDS_HEADER.format(count=len(feeds))]
    for number, feed in enumerate(feeds, start=1):
        listed = " (from the settings)" if feed.origin == CONFIG else ""
        lines.append(f"{number}. {feed.name} — {feed.url}{listed}")
        lines.append(f"   {feed_state(feed, now)}")
    return "\n".join(lines)


def find_feed(feeds: Sequence[Feed], what: str) -> Feed | None:
    """The feed a user named by its number in `/feeds`, its URL or its name."""
    if what.isdecimal() and len(what) < 6:
        number = int(what)
        return feeds[number - 1] if 1 <= number <= len(feeds) else None
    wanted = what.strip().rstrip("/").lower()
    for feed in feeds:
        if wanted in (feed.url.rstrip("/").lower(), feed.name.lower()):
            return feed
    return None


def remove_feed(store: FeedRecords, what: str) -> str:
    """Stop polling the feed a user named (see `find_feed`); the sentence saying so.
    FeedRefused when there is no such feed, or when the settings list it."""
    found = find_feed(store.feeds(), what)
    if found is None:
        raise FeedRefused(messages.FEED_NOT_FOUND.format(what=messages.echo(what)))
    if found.origin == CONFIG:
        raise FeedRefused(messages.FEED_LISTED.format(name=found.name))
    store.remove_feed(found.id)
    return messages.FEED_REMOVED.format(name=found.name)
