"""Feeds polled into each store, from a loopback server: new entries become stories with their
links, a feed's archive does not flood the next digest, an edited entry updates its story,
a 304 stores nothing, and a broken feed is recorded without holding up the others."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.feed_store import CHAT, Feed
from bot.core.store import Store
from bot.core.workers import worker_pool
from bot.sources.feeds import PollOptions
from bot.sources.poller import (
    BACKLOG,
    POOL_FEEDS,
    PollReport,
    PollSettings,
    poll_feeds,
)
from bot.sources.round import Workers
from tests.sources.server import LoopbackServer, Reply, Seen

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SETTINGS = PollSettings(options=PollOptions(allow_private=True, full_text=False), first_poll_new=2)
BODY = "The council met on {day} and agreed the plan for the {thing} after a long debate. " * 3


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def item(n: int, *, text: str | None = None, title: str | None = None, author: str = "") -> str:
    day = (T0 - timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = text or BODY.format(day=f"day {n}", thing=f"bridge {n}")
    by = f"<author>{author}</author>" if author else ""
    return (
        f"<item><title>{title or f'Bridge {n} approved'}</title><guid>story-{n}</guid>"
        f"<link>https://courier.example/{n}?utm_source=rss</link>{by}"
        f"<pubDate>{day}</pubDate><description>{body}</description></item>"
    )


def rss(*items: str, title: str = "Kellshore Courier") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://courier.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def add(store: Store, url: str, name: str = "") -> Feed:
    feed = store.add_feed(url, name or url, origin=CHAT, added_at=T0)
    assert feed is not None
    return feed


def poll(store: Store, *feeds: Feed, at: datetime = T0) -> PollReport:
    current = [store.get_feed(f.id) or f for f in feeds]
    return asyncio.run(poll_feeds(store, current, SETTINGS, at=at))


def test_entries_become_stories_with_their_link_author_and_feed(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(200, {}, rss(item(1, author="ana@courier.example (Ana)")))
    feed = add(store, server.url("/feed"))
    report = poll(store, feed)
    [story] = store.documents()
    assert report.new == [story.id] and report.failed == []
    assert story.headline == "Bridge 1 approved"
    assert story.source == "https://courier.example/1?utm_source=rss"
    assert story.outlet == "Kellshore Courier" and "Ana" in story.author
    assert story.published.isoformat() == "2026-03-02"
    polled = store.get_feed(feed.id)
    assert polled is not None and polled.name == "Kellshore Courier" and polled.entries == 1
    assert polled.next_poll_at == T0 + timedelta(minutes=15) and polled.last_error is None


def test_a_new_feeds_archive_is_stored_but_only_the_newest_count_as_new(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(200, {}, rss(*(item(n) for n in range(1, 7))))
    poll(store, add(store, server.url("/feed")))
    assert len(store.documents()) == 6
    new = store.documents(since=T0 - timedelta(days=1))
    assert sorted(d.headline for d in new) == ["Bridge 1 approved", "Bridge 2 approved"]
    assert all(d.ingested_at == BACKLOG for d in store.documents() if d not in new)


def test_later_entries_are_all_new_and_known_ones_are_skipped(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(200, {}, rss(item(3), item(4)))
    feed = add(store, server.url("/feed"))
    poll(store, feed)
    server.routes["/feed"] = Reply(200, {}, rss(item(0), item(1), item(2), item(3), item(4)))
    report = poll(store, feed, at=T0 + timedelta(minutes=15))
    assert len(report.new) == 3 and report.updated == []
    assert len(store.documents(since=T0)) == 3


def test_an_edited_entry_updates_its_story_without_sending_it_again(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(200, {}, rss(item(1)))
    feed = add(store, server.url("/feed"))
    poll(store, feed)
    [before] = store.documents()
    chat = store.chat("test", "c1", timezone="UTC", digest_time="08:00")
    store.record_delivery(chat.id, before.id)
    corrected = BODY.format(day="day 1", thing="bridge 1 (corrected)")
    server.routes["/feed"] = Reply(
        200, {}, rss(item(1, text=corrected, title="Bridge 1 approved, corrected"))
    )
    report = poll(store, feed, at=T0 + timedelta(minutes=15))
    [after] = store.documents()
    assert report.updated == [after.id] and report.new == []
    assert after.headline == "Bridge 1 approved, corrected" and "(corrected)" in after.paragraphs[0]
    assert store.documents(new_to_chat=chat.id) == []  # the chat had it: not again


def test_a_304_stores_nothing_and_costs_no_parsing(store: Store, server: LoopbackServer) -> None:
    def answer(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"ETag": '"v1"'}, rss(item(1)))

    server.routes["/feed"] = answer
    feed = add(store, server.url("/feed"))
    poll(store, feed)
    report = poll(store, feed, at=T0 + timedelta(minutes=15))
    assert report.not_modified == 1 and report.new == []
    polled = store.get_feed(feed.id)
    assert polled is not None and polled.etag == '"v1"' and polled.entries == 1


def test_a_broken_feed_gets_an_error_and_backs_off_while_the_others_are_stored(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/good"] = Reply(200, {}, rss(item(1)))
    server.routes["/broken"] = Reply(
        200, {"Content-Type": "text/html"}, b"<html><body>Hi</body></html>"
    )
    server.routes["/busy"] = Reply(503, {"Retry-After": "3600"})
    good, broken, busy = (add(store, server.url(p)) for p in ("/good", "/broken", "/busy"))
    report = poll(store, broken, good, busy)
    assert len(report.new) == 1 and len(report.failed) == 2
    failed = store.get_feed(broken.id)
    assert failed is not None and failed.failures == 1
    assert failed.last_error is not None and failed.last_error.startswith("not a feed")
    assert failed.next_poll_at is not None and T0 < failed.next_poll_at <= T0 + timedelta(minutes=1)
    waiting = store.get_feed(busy.id)
    assert waiting is not None and waiting.next_poll_at == T0 + timedelta(hours=1)
    again = poll(store, broken, at=T0 + timedelta(minutes=2))
    failed = store.get_feed(broken.id)
    assert again.failed and failed is not None and failed.failures == 2
    assert failed.next_poll_at is not None
    assert failed.next_poll_at - (T0 + timedelta(minutes=2)) > timedelta(minutes=1, seconds=30)
    assert store.due_feeds(T0 + timedelta(minutes=2)) == []


def test_the_same_story_in_two_feeds_is_stored_once(store: Store, server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(200, {}, rss(item(1)))
    server.routes["/b"] = Reply(200, {}, rss(item(1), title="The Other Paper"))
    report = poll(store, add(store, server.url("/a")), add(store, server.url("/b")))
    assert len(report.new) == 1 and len(store.documents()) == 1


def test_a_removed_feed_is_no_longer_due_and_its_stories_stay(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed"] = Reply(200, {}, rss(item(1)))
    feed = add(store, server.url("/feed"))
    poll(store, feed)
    assert store.remove_feed(feed.id) and not store.remove_feed(feed.id)
    assert store.feeds() == [] and store.due_feeds(T0 + timedelta(days=1)) == []
    assert len(store.documents()) == 1
    assert add(store, server.url("/feed")).entries == 0
    assert store.add_feed(server.url("/feed"), "again", origin=CHAT, added_at=T0) is None


def test_the_scheduled_job_polls_only_the_feeds_that_are_due(
    store: Store, server: LoopbackServer
) -> None:
    from bot.bootstrap import bootstrap
    from bot.config import load_settings
    from bot.scheduler import FEED_JOB, DigestPlanner, FeedPollJob, make_scheduler

    app = bootstrap(load_settings(allow_private_feeds=True, summarizer="lead"), store)
    server.routes["/due"] = Reply(200, {}, rss(item(1)))
    server.routes["/later"] = Reply(200, {}, rss(item(2), title="Later"))
    due = add(store, server.url("/due"))
    later = add(store, server.url("/later"))
    store.feed_polled(
        later.id,
        polled_at=T0,
        next_poll_at=datetime.now(UTC) + timedelta(hours=1),
        etag=None,
        last_modified=None,
    )
    FeedPollJob(app)()
    assert [seen.path for seen in server.requests] == ["/due"]
    [story] = store.documents()
    assert story.headline == "Bridge 1 approved"
    assert store.summary(story.id, "lead", 3), "new stories are summarised as they arrive"
    polled = store.get_feed(due.id)
    assert polled is not None and polled.next_poll_at is not None

    scheduler = make_scheduler(store, "UTC")
    scheduler.start(paused=True)
    try:
        DigestPlanner(scheduler, app, {}).add_feed_job()
        job = scheduler.get_job(FEED_JOB)
        assert job is not None and job.trigger.interval == timedelta(minutes=1)
    finally:
        scheduler.shutdown(wait=False)


def test_control_characters_in_a_json_feed_are_dropped_and_the_story_stored(
    store: Store, server: LoopbackServer
) -> None:
    server.routes["/feed.json"] = Reply(
        200,
        {"Content-Type": "application/feed+json"},
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1",'
        b' "title": "Bridge\\u0000 approved", "content_text": "The council\\u0000 met today and'
        b' agreed the plan for the new bridge after a long debate."}]}',
    )
    report = poll(store, add(store, server.url("/feed.json")))
    assert report.failed == [] and len(report.new) == 1
    [story] = store.documents()
    assert story.headline == "Bridge approved" and "\x00" not in story.paragraphs[0]


def test_a_round_of_many_feeds_summarises_every_new_story_on_worker_processes(
    store: Store, server: LoopbackServer
) -> None:
    count = POOL_FEEDS + 4
    for n in range(count):
        server.routes[f"/feed/{n}"] = Reply(200, {}, rss(item(100 + n), title=f"Paper {n}"))
    # A page that names its feed, and a page that is no feed at all, parsed on the workers too.
    server.routes["/home"] = Reply(
        200,
        {"Content-Type": "text/html"},
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed/0">'
        b"</head><body>Home</body></html>",
    )
    server.routes["/broken"] = Reply(
        200, {"Content-Type": "text/html"}, b"<html><body>Hi</body></html>"
    )
    feeds = [add(store, server.url(f"/feed/{n}")) for n in range(1, count)]
    home, broken = add(store, server.url("/home")), add(store, server.url("/broken"))
    report = poll(store, home, *feeds, broken)

    assert len(report.new) == count and report.updated == []
    assert [(feed.id, error.split(":")[0]) for feed, error in report.failed] == [
        (broken.id, "not a feed")
    ]
    moved = store.get_feed(home.id)
    assert moved is not None and moved.url == server.url("/feed/0") and moved.entries == 1
    for doc_id in report.new:
        summary = store.summary(doc_id, SETTINGS.method, SETTINGS.sentences)
        document = store.get_document(doc_id)
        assert summary and document is not None
        sentences = {s for paragraph in document.sentences for s in paragraph}
        assert set(summary) <= sentences


def test_work_the_worker_processes_can_no_longer_take_is_done_in_the_round() -> None:
    async def round_after_a_worker_died() -> list[int]:
        workers = Workers(worker_pool())
        assert workers.pool is not None
        with pytest.raises(BrokenProcessPool):
            workers.pool.submit(os._exit, 1).result()
        try:
            return [await workers.run(len, "four"), await workers.run(abs, -2)]
        finally:
            await workers.close()

    assert asyncio.run(round_after_a_worker_died()) == [4, 2]


def _die_soon() -> None:
    time.sleep(0.3)
    os._exit(1)


def _slow_double(number: int) -> int:
    time.sleep(0.6)
    return 2 * number


def test_jobs_in_flight_when_a_worker_dies_are_all_done_in_the_round() -> None:
    async def round_with_a_dying_worker() -> list[int]:
        workers = Workers(worker_pool())
        assert workers.pool is not None
        workers.pool.submit(_die_soon)
        try:
            return list(await asyncio.gather(*(workers.run(_slow_double, n) for n in (1, 2, 3))))
        finally:
            await workers.close()

    assert asyncio.run(round_with_a_dying_worker()) == [2, 4, 6]
