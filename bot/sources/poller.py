"""Polling the stored feeds: which are due, fetching a bounded number at once, storing what is
new or edited, and when to come back to each (its interval, its own `ttl` or `Retry-After`,
a longer wait after each failure in a row).

One broken feed never delays the others: each poll's failure is a sentence recorded on that
feed, and the rest go on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

import httpx

from bot.core.documents import Document, content_id, derive_headline, paragraph_sentences
from bot.core.feed_store import CONFIG, EntryDocument, Feed
from bot.core.ingest import summarise
from bot.core.near_duplicates import fingerprint
from bot.core.same_event import event_print
from bot.core.store import Store, now
from bot.core.workers import summarise_many, worker_pool
from bot.sources.errors import FeedError
from bot.sources.feeds import Article, Poll, PollOptions, poll_feed
from bot.sources.fetch import make_client
from bot.sources.links import normalise_link
from bot.sources.round import RoundWriter, Workers

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = timedelta(minutes=15)
MIN_INTERVAL = timedelta(minutes=1)
# However often a feed fails, it is tried again at least this often.
MAX_BACKOFF = timedelta(hours=6)
FEEDS_AT_ONCE = 20
# New stories summarised at a time after a round: memory stays bounded however many came.
SUMMARY_BATCH = 2000
# From this many feeds on, a round parses and summarises on worker processes; below it,
# starting them costs more than it saves.
POOL_FEEDS = 100
# The first poll of a new feed stores all its entries, but only this many newest count as new
# for digests: adding a feed must not flood every chat with its archive.
FIRST_POLL_NEW = 3
# Stored but never new: the ingestion time given to a new feed's older entries.
BACKLOG = datetime(1970, 1, 1, tzinfo=UTC)
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n")


@dataclass(frozen=True)
class PollSettings:
    """How feeds are polled; `interval` applies to feeds that name none of their own."""

    options: PollOptions = field(default_factory=PollOptions)
    interval: timedelta = DEFAULT_INTERVAL
    first_poll_new: int = FIRST_POLL_NEW
    feeds_at_once: int = FEEDS_AT_ONCE
    method: str = "lead"
    sentences: int = 3


@dataclass
class PollReport:
    """What one round of polling did: feeds polled (unchanged ones counted apart), stories
    stored new or updated, and each failure as (feed, sentence)."""

    polled: int = 0
    not_modified: int = 0
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[Feed, str]] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.polled} feeds polled ({self.not_modified} unchanged, "
            f"{len(self.failed)} failed): {len(self.new)} new stories, "
            f"{len(self.updated)} updated"
        )


def poll_due(store: Store, settings: PollSettings, *, at: datetime | None = None) -> PollReport:
    """Poll every feed that is due (from a thread with no event loop, e.g. the scheduler's)."""
    moment = at or now()
    return asyncio.run(poll_feeds(store, store.due_feeds(moment), settings, at=moment))


async def poll_feeds(
    store: Store,
    feeds: Sequence[Feed],
    settings: PollSettings,
    *,
    at: datetime | None = None,
    client: httpx.AsyncClient | None = None,
) -> PollReport:
    """Poll `feeds`, `feeds_at_once` at a time, store what they bring and summarise it."""
    report = PollReport()
    moment = at or now()
    gate = asyncio.Semaphore(settings.feeds_at_once)
    # Ids, not documents: a first poll of thousands of feeds brings tens of thousands.
    fresh: list[str] = []
    writer = RoundWriter(store)
    workers = Workers(worker_pool() if len(feeds) >= POOL_FEEDS else None)

    async def one(session: httpx.AsyncClient, feed: Feed) -> None:
        async with gate:
            report.polled += 1
            try:
                poll = await poll_feed(
                    session,
                    feed.url,
                    now=moment,
                    etag=feed.etag,
                    last_modified=feed.last_modified,
                    options=settings.options,
                    run=workers.run,
                )
                # Made ready before, so that the writer holds the store's lock only to write.
                entries = await workers.run(_entries, feed, poll, moment, settings)
                stored = await writer.write(
                    partial(_record, store, feed, poll, entries, moment, settings, report)
                )
            except Exception as error:  # one feed's failure, never the round's
                if not isinstance(error, FeedError):
                    log.exception("polling %s failed", feed.url)
                await writer.write(partial(_failed, store, feed, error, moment, report))
                return
        if workers.pool is None:
            fresh.extend(stored)
        elif stored:
            # Summarised as they arrive, on the workers, while other feeds are fetched.
            await _summarise_entries(store, writer, workers, feed, entries, stored, settings)

    try:
        if client is not None:
            await asyncio.gather(*(one(client, feed) for feed in feeds))
        else:
            async with make_client() as session:
                await asyncio.gather(*(one(session, feed) for feed in feeds))
    finally:
        await workers.close()
    if fresh:
        await asyncio.to_thread(
            summarise, store, fresh, settings.method, settings.sentences, batch=SUMMARY_BATCH
        )
    return report


async def _summarise_entries(
    store: Store,
    writer: RoundWriter,
    workers: Workers,
    feed: Feed,
    entries: Sequence[EntryDocument],
    stored: Sequence[str],
    settings: PollSettings,
) -> None:
    """Summarise a poll's new stories and save the summaries. A failure costs only time:
    a story without a summary is summarised when it is first shown."""
    wanted = set(stored)
    jobs = {
        e.document.doc_id: (e.document.doc_id, e.sentences, e.document.headline)
        for e in entries
        if e.document.doc_id in wanted
    }
    method, count = settings.method, settings.sentences
    try:
        summaries = await workers.run(summarise_many, list(jobs.values()), method, count)
        await writer.write(partial(store.save_summaries, method, count, summaries))
    except Exception:
        log.exception("summarising the new stories of %s failed", feed.url)


def _polled(
    store: Store,
    feed: Feed,
    poll: Poll,
    moment: datetime,
    settings: PollSettings,
    report: PollReport,
) -> list[str]:
    entries = _entries(feed, poll, moment, settings)
    return _record(store, feed, poll, entries, moment, settings, report)


def _entries(
    feed: Feed, poll: Poll, moment: datetime, settings: PollSettings
) -> list[EntryDocument]:
    if poll.not_modified:
        return []
    first = feed.succeeded_at is None and feed.entries == 0
    return entry_documents(
        poll.articles,
        at=moment,
        outlet=feed.name if feed.origin == CONFIG else (poll.title or feed.name),
        first_poll_new=settings.first_poll_new if first else None,
    )


def _record(
    store: Store,
    feed: Feed,
    poll: Poll,
    entries: Sequence[EntryDocument],
    moment: datetime,
    settings: PollSettings,
    report: PollReport,
) -> list[str]:
    """Store what a poll brought and record the poll; the ids of new stories and versions."""
    if poll.not_modified:
        report.not_modified += 1
    new, updated = store.store_entries(feed.id, entries, moment) if entries else ([], [])
    report.new.extend(new)
    report.updated.extend(updated)
    store.feed_polled(
        feed.id,
        polled_at=moment,
        next_poll_at=next_poll(feed, moment, settings.interval, poll.ttl_minutes, poll.retry_after),
        etag=poll.etag,
        last_modified=poll.last_modified,
        new_entries=len(new) + len(updated),
        # Only what changed: a round records thousands of polls.
        name=poll.title if poll.title and poll.title != feed.name else None,
        # A listed feed keeps the address it is listed under, or the list would add it again.
        url=poll.url if feed.origin != CONFIG and poll.url != feed.url else None,
    )
    return new + updated


def _failed(
    store: Store, feed: Feed, error: Exception, moment: datetime, report: PollReport
) -> None:
    sentence = str(error) if isinstance(error, FeedError) else "an unexpected error (see the log)"
    retry_after = getattr(error, "retry_after", None)
    wait = backoff(feed.failures + 1, retry_after)
    store.feed_failed(feed.id, polled_at=moment, next_poll_at=moment + wait, error=sentence)
    report.failed.append((feed, sentence))
    log.warning("feed %s failed (%s); next try in %s", feed.url, sentence, wait)


def next_poll(
    feed: Feed,
    moment: datetime,
    default: timedelta,
    ttl_minutes: int | None,
    retry_after: float | None,
) -> datetime:
    """When to poll a feed that just answered: its own interval (or the default), longer if
    the feed's ttl or the server's Retry-After asks for it, never sooner than a minute."""
    interval = timedelta(minutes=feed.interval_minutes) if feed.interval_minutes else default
    if ttl_minutes:
        interval = max(interval, timedelta(minutes=ttl_minutes))
    if retry_after:
        interval = max(interval, timedelta(seconds=retry_after))
    return moment + max(interval, MIN_INTERVAL)


def backoff(failures: int, retry_after: float | None = None) -> timedelta:
    """How long to leave a feed after `failures` failed polls in a row: a minute, doubling up
    to six hours, jittered so that feeds that failed together do not return together."""
    wait = MIN_INTERVAL * 2 ** min(failures - 1, 20)
    wait = min(wait, MAX_BACKOFF) * random.uniform(0.8, 1.0)
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def entry_documents(
    articles: Sequence[Article],
    *,
    at: datetime,
    outlet: str,
    first_poll_new: int | None = None,
) -> list[EntryDocument]:
    """A feed's entries as stories to store (those with no text to summarise left out).

    On a feed's first poll (`first_poll_new` set) only that many of the newest entries count
    as new for digests; the rest are ingested at `BACKLOG`, stored but never new."""
    newest = sorted(articles, key=lambda a: a.published, reverse=True)
    counted = {id(a) for a in newest[:first_poll_new]} if first_poll_new is not None else None
    entries: list[EntryDocument] = []
    for article in articles:
        document = article_document(article, outlet)
        if document is None:
            continue
        sentences = tuple(paragraph_sentences(p) for p in document.paragraphs)
        ingested = at if counted is None or id(article) in counted else BACKLOG
        print_ = fingerprint(document.text)
        print_.band_keys  # noqa: B018 (made here, in the worker process, and sent with it)
        event = event_print(document.headline, document.text, document.published)
        entries.append(EntryDocument(article.key, document, sentences, ingested, (print_, event)))
    return entries


def article_document(article: Article, outlet: str) -> Document | None:
    """A feed entry as a stored story: its title is the headline (else one is derived from the
    text), its link is the source, its publication day is the date. None when there is no
    text to summarise."""
    # NUL and other control characters: JSON Feed allows them, PostgreSQL stores no NUL.
    text = article.text.translate(_CONTROLS)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    title = " ".join(article.title.translate(_CONTROLS).split())
    if paragraphs and title and paragraphs[0].rstrip(".") == title.rstrip("."):
        paragraphs = paragraphs[1:]  # an extracted page repeats the headline
    if not paragraphs:
        if not title:
            return None
        paragraphs = [title]
    blocks = [(p, False) for p in paragraphs]
    published: date = article.published.astimezone(UTC).date()
    return Document(
        doc_id=content_id(tuple(paragraphs)),
        published=published,
        headline=title or derive_headline(blocks),
        paragraphs=tuple(paragraphs),
        source=article.link or outlet,
        author=article.author.translate(_CONTROLS),
        outlet=outlet,
    )


class FeedExists(Exception):
    """The feed is polled already; `feed` is the one stored."""

    def __init__(self, feed: Feed) -> None:
        super().__init__(f"{feed.name} is polled already")
        self.feed = feed


def add_feed(
    store: Store,
    url: str,
    settings: PollSettings,
    *,
    origin: str,
    name: str = "",
    at: datetime | None = None,
) -> tuple[Feed, PollReport]:
    """Fetch `url` once and, when it is a feed (or a page that names its feed), poll it from
    now on, its entries stored at once. `FeedError` (a sentence) when it is no feed,
    `FeedExists` when it is polled already. Call it from a thread without an event loop."""
    moment = at or now()
    for candidate in (url, normalise_link(url)):
        known = store.feed_by_url(candidate)
        if known is not None:
            raise FeedExists(known)

    async def first_poll() -> Poll:
        async with make_client() as client:
            return await poll_feed(client, url, now=moment, options=settings.options)

    poll = asyncio.run(first_poll())
    feed = store.add_feed(poll.url, name or poll.title or poll.url, origin=origin, added_at=moment)
    if feed is None:
        known = store.feed_by_url(poll.url)
        assert known is not None
        raise FeedExists(known)
    report = PollReport()
    stored = _polled(store, feed, poll, moment, settings, report)
    summarise(store, stored, settings.method, settings.sentences)
    return store.get_feed(feed.id) or feed, report


def sync_listed_feeds(
    store: Store, listed: Sequence[tuple[str, str, int | None]], *, at: datetime | None = None
) -> None:
    """Keep the feeds from the settings in step with their list of (name, url, interval):
    new ones are polled at once, ones no longer listed stop being polled. Feeds added from the
    chat or the command line are left alone."""
    moment = at or now()
    stored = {feed.url: feed for feed in store.feeds() if feed.origin == CONFIG}
    for name, url, interval in listed:
        if url in stored:
            store.update_listed_feed(stored.pop(url).id, name=name, interval_minutes=interval)
        elif store.feed_by_url(url) is None:
            store.add_feed(url, name, origin=CONFIG, added_at=moment, interval_minutes=interval)
    for feed in stored.values():
        store.remove_feed(feed.id)
