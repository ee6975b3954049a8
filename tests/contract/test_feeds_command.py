"""`/feeds` in a chat, on each store, with feeds on a loopback server: what an admin and a
member of a group can do, and what each of them reads back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import App, bootstrap
from bot.config import FeedSetting, load_settings
from bot.core import messages
from bot.core.commands import Message
from bot.core.replies import Text
from bot.core.store import Store
from tests.sources.server import LoopbackServer, Reply

BODY = "The harbour council approved the sea wall plan after a long debate on Thursday. " * 4


def rss(title: str, count: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><guid>s{n}</guid>"
        f"<description>{n} {BODY}</description></item>"
        for n in range(count)
    )
    return f'<rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'.encode()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        running.routes["/courier.xml"] = Reply(200, {}, rss("Kellshore Courier", 5))
        running.routes["/page"] = Reply(200, {"Content-Type": "text/html"}, b"<p>Hello</p>")
        yield running


@pytest.fixture
def app(store: Store, server: LoopbackServer) -> Iterator[App]:
    settings = load_settings(
        allow_private_feeds=True,
        summarizer="lead",
        feeds=[FeedSetting(name="Town hall", url=server.url("/listed.xml"))],
    )
    running = bootstrap(settings, store)
    yield running


def say(app: App, text: str, *, admin: bool = True) -> str:
    reply = app.handler.handle(Message("test", "group", text, can_change_settings=admin))
    assert isinstance(reply, Text), reply
    return reply.text


def test_an_admin_adds_a_feed_and_everyone_sees_how_it_is_doing(
    app: App, server: LoopbackServer
) -> None:
    assert say(app, "/feeds", admin=False) == messages.NO_FEEDS
    url = server.url("/courier.xml")
    added = say(app, f"/feeds add {url}")
    assert added == f"Now polling Kellshore Courier ({url}): 5 entries; the newest 3 count as new."
    listing = say(app, "/feeds", admin=False)
    assert listing.splitlines() == [
        "Feeds (1):",
        f"1. Kellshore Courier — {url}",
        "   5 stories; polled just now",
    ]
    assert len(app.store.documents()) == 5
    assert say(app, f"/feeds add {url}") == f"Kellshore Courier is polled already ({url})."


def test_a_member_of_a_group_may_not_add_or_remove_feeds(app: App, server: LoopbackServer) -> None:
    refused = say(app, f"/feeds add {server.url('/courier.xml')}", admin=False)
    assert refused == messages.NOT_ALLOWED.format(command="/feeds add")
    assert app.store.feeds() == [] and server.requests == []
    say(app, f"/feeds add {server.url('/courier.xml')}")
    assert say(app, "/feeds remove 1", admin=False) == messages.NOT_ALLOWED.format(
        command="/feeds remove"
    )
    assert len(app.store.feeds()) == 1


def test_what_is_not_a_feed_is_refused_saying_why(app: App, server: LoopbackServer) -> None:
    refused = say(app, f"/feeds add {server.url('/page')}")
    assert refused.startswith("Cannot add that feed: not a feed:")
    assert "Cannot add that feed: feed URLs must start with http://" in say(
        app, "/feeds add ftp://example.com/feed"
    )
    assert app.store.feeds() == []


def test_removing_by_number_or_url_and_the_settings_list_stays(
    app: App, server: LoopbackServer
) -> None:
    app.sync_feeds()
    url = server.url("/courier.xml")
    say(app, f"/feeds add {url}")
    assert "1. Town hall" in say(app, "/feeds") and "(from the settings)" in say(app, "/feeds")
    assert say(app, "/feeds remove 1") == messages.FEED_LISTED.format(name="Town hall")
    assert say(app, "/feeds remove 9").startswith("There is no feed 9.")
    assert (
        say(app, f"/feeds remove {url}") == "Stopped polling Kellshore Courier; its stories stay."
    )
    assert [f.name for f in app.store.feeds()] == ["Town hall"]
    assert len(app.store.documents()) == 5
    assert say(app, "/feeds frobnicate") == messages.FEEDS_USAGE
