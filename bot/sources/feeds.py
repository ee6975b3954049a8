"""One poll of one feed: fetch it (conditionally), read its entries, and fetch the article
behind each entry that carries only a teaser. The store and the scheduler decide what to do
with the outcome; nothing here knows either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx

from bot.sources.errors import FeedError, NotAFeed
from bot.sources.extract import MAX_PAGE_BYTES, extract_article
from bot.sources.fetch import fetch
from bot.sources.parse import FeedEntry, ParsedFeed, parse_feed

# Below this many characters an entry is a teaser, and its page is fetched for the article.
TEASER_CHARS = 500
# Article pages fetched at once for one feed: a feed of teasers must not open 50 connections
# to one site.
PAGES_AT_ONCE = 4
TITLE_CHARS = 300
T = TypeVar("T")
# Runs CPU work (`run(function, *args)`) and gives its result: here, or on worker processes.
Runner = Callable[..., Awaitable[Any]]


async def inline(function: Callable[..., T], *args: Any) -> T:
    """The runner that does the work here, on the event loop."""
    return function(*args)


@dataclass(frozen=True)
class PollOptions:
    """How a poll fetches: whether private addresses may be reached (tests, intranets), the
    size a teaser must pass, the largest feed body read."""

    allow_private: bool = False
    teaser_chars: int = TEASER_CHARS
    max_bytes: int = 10_000_000
    full_text: bool = True


@dataclass(frozen=True)
class Article:
    """A feed entry ready to be stored: `text` is the article (fetched from `link` when the
    feed gave only a teaser); `published` is never in the future and never missing."""

    key: str
    title: str
    link: str
    author: str
    published: datetime
    text: str
    dated: bool
    clamped: bool


@dataclass(frozen=True)
class Poll:
    """What a poll found. `url` is the feed's address (a web page given instead resolves to
    the feed it advertises); `not_modified` when the server answered 304 and nothing was
    parsed. `etag`/`last_modified` are the validators to send next time."""

    url: str
    title: str
    articles: tuple[Article, ...]
    etag: str | None
    last_modified: str | None
    not_modified: bool
    ttl_minutes: int | None
    retry_after: float | None


async def poll_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    now: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
    options: PollOptions | None = None,
    run: Runner = inline,
) -> Poll:
    """Fetch and read the feed at `url`; `FeedError` (a sentence) when it cannot be.

    A web page that advertises its feed is followed to that feed, once. `run` parses (a
    round of many feeds parses on worker processes)."""
    options = options or PollOptions()
    fetched = await fetch(
        client,
        url,
        etag=etag,
        last_modified=last_modified,
        max_bytes=options.max_bytes,
        allow_private=options.allow_private,
    )
    if fetched.not_modified:
        return Poll(
            url, "", (), fetched.etag, fetched.last_modified, True, None, fetched.retry_after
        )
    try:
        parsed: ParsedFeed = await run(_parse, fetched.body, fetched.url, fetched.content_type)
    except NotAFeed as error:
        if error.feed_url is None or error.feed_url == url:
            raise
        # A page given instead of its feed: poll the feed it names, from now on.
        return await poll_feed(client, error.feed_url, now=now, options=options, run=run)
    articles = await _articles(client, parsed, now, options)
    return Poll(
        url=url,
        title=parsed.title,
        articles=articles,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        not_modified=False,
        ttl_minutes=parsed.ttl_minutes,
        retry_after=fetched.retry_after,
    )


def _parse(body: bytes, url: str, content_type: str) -> ParsedFeed:
    return parse_feed(body, url=url, content_type=content_type)


async def _articles(
    client: httpx.AsyncClient, parsed: ParsedFeed, now: datetime, options: PollOptions
) -> tuple[Article, ...]:
    pages = asyncio.Semaphore(PAGES_AT_ONCE)

    async def article(entry: FeedEntry) -> Article | None:
        text = entry.text
        if options.full_text and entry.link and len(text) < options.teaser_chars:
            async with pages:
                full = await _full_text(client, entry.link, options)
            if full is not None and len(full) > len(text):
                text = full
        if not text.strip() and not entry.title.strip():
            return None
        published = entry.published or now
        return Article(
            key=entry.key,
            title=" ".join(entry.title.split())[:TITLE_CHARS],
            link=entry.link,
            author=entry.author,
            published=min(published, now),
            text=text,
            dated=entry.published is not None,
            clamped=published > now,
        )

    found = await asyncio.gather(*(article(entry) for entry in parsed.entries))
    return tuple(a for a in found if a is not None)


async def _full_text(client: httpx.AsyncClient, link: str, options: PollOptions) -> str | None:
    """The article at `link`, or None when the page cannot be had or holds none: the teaser
    then stands, and the feed's poll goes on."""
    try:
        page = await fetch(
            client, link, max_bytes=MAX_PAGE_BYTES, allow_private=options.allow_private
        )
        # trafilatura is CPU work: off the event loop, so other feeds' fetches go on.
        return await asyncio.to_thread(extract_article, page.body, page.url)
    except FeedError:
        return None
