"""One poll of one feed against a loopback server: teasers become articles, a page leads to
its feed, a 304 costs no parsing, dates are never missing nor in the future."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.errors import FeedError, FetchError
from bot.sources.feeds import Poll, PollOptions, poll_feed
from bot.sources.fetch import make_client
from tests.sources.server import LoopbackServer, Reply, Seen

ARTICLE = (Path(__file__).parent / "data" / "article.html").read_bytes()
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LOCAL = PollOptions(allow_private=True)


def rss(base: str, items: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Kellshore Courier</title><link>{base}/</link>
<ttl>30</ttl>{items}</channel></rss>""".encode()


def poll(url: str, **kwargs: object) -> Poll:
    async def run() -> Poll:
        async with make_client() as client:
            return await poll_feed(client, url, now=NOW, options=LOCAL, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_a_teaser_is_replaced_by_the_article_from_its_page(server: LoopbackServer) -> None:
    base = server.url("")
    server.routes["/feed"] = Reply(
        200,
        {"Content-Type": "application/rss+xml"},
        rss(
            base,
            f"""<item><title>Harbour town votes to rebuild its sea wall</title>
            <link>{base}/news/sea-wall?utm_source=rss</link><guid>sea-wall-1</guid>
            <pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate>
            <description>Residents voted on Thursday…</description></item>""",
        ),
    )
    server.routes["/news/sea-wall"] = Reply(200, {"Content-Type": "text/html"}, ARTICLE)

    result = poll(server.url("/feed"))

    [article] = result.articles
    assert result.title == "Kellshore Courier" and result.ttl_minutes == 30
    assert article.title == "Harbour town votes to rebuild its sea wall"
    assert "£18 million plan, which will raise the wall by two metres" in article.text
    assert "Cheap flights" not in article.text
    assert article.published == datetime(2026, 3, 2, 8, 0, tzinfo=UTC) and article.dated


def test_a_full_entry_is_taken_as_it_is_without_fetching_its_page(
    server: LoopbackServer,
) -> None:
    base = server.url("")
    body = "Long enough to be the story itself. " * 30
    server.routes["/feed"] = Reply(
        200,
        {},
        rss(
            base,
            f"<item><title>Full</title><link>{base}/p</link><description>{body}</description></item>",
        ),
    )
    [article] = poll(server.url("/feed")).articles
    assert article.text.startswith("Long enough")
    assert [seen.path for seen in server.requests] == ["/feed"]


def test_a_page_that_cannot_be_had_leaves_the_teaser_and_the_poll_goes_on(
    server: LoopbackServer,
) -> None:
    base = server.url("")
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/gone/{n}</link>"
        f"<description>Teaser {n}.</description></item>"
        for n in range(3)
    )
    server.routes["/feed"] = Reply(200, {}, rss(base, items))
    articles = poll(server.url("/feed")).articles
    assert [a.text for a in articles] == ["Teaser 0.", "Teaser 1.", "Teaser 2."]


def test_dates_missing_or_in_the_future_become_the_poll_time(server: LoopbackServer) -> None:
    base = server.url("")
    server.routes["/feed"] = Reply(
        200,
        {},
        rss(
            base,
            "<item><title>Undated</title><description>No date at all.</description></item>"
            "<item><title>Ahead</title><pubDate>Sun, 01 Jan 2999 00:00:00 GMT</pubDate>"
            "<description>From the future.</description></item>",
        ),
    )
    undated, ahead = poll(server.url("/feed")).articles
    assert undated.published == NOW and not undated.dated and not undated.clamped
    assert ahead.published == NOW and ahead.dated and ahead.clamped


def test_a_second_poll_with_the_etag_parses_nothing(server: LoopbackServer) -> None:
    base = server.url("")
    feed = rss(base, "<item><title>One</title><description>Text.</description></item>")

    def answer(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}, feed)

    server.routes["/feed"] = answer
    first = poll(server.url("/feed"))
    second = poll(server.url("/feed"), etag=first.etag)
    assert first.etag == '"v1"' and len(first.articles) == 1
    assert second.not_modified and second.articles == () and second.etag == '"v1"'


def test_a_web_page_given_instead_of_its_feed_leads_to_the_feed(server: LoopbackServer) -> None:
    base = server.url("")
    server.routes["/"] = Reply(
        200,
        {"Content-Type": "text/html"},
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        b"</head><body>Home</body></html>",
    )
    server.routes["/rss.xml"] = Reply(
        200,
        {},
        rss(base, "<item><title>Found</title><description>Via the page.</description></item>"),
    )
    result = poll(server.url("/"))
    assert result.url == server.url("/rss.xml")
    assert [a.title for a in result.articles] == ["Found"]


def test_a_broken_feed_is_a_sentence(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(
        200, {"Content-Type": "application/xml"}, b"<?xml version='1.0'?><rss><<<garbage"
    )
    with pytest.raises(FeedError, match="not a feed"):
        poll(server.url("/feed"))
    server.routes["/busy"] = Reply(429, {"Retry-After": "120"})
    with pytest.raises(FetchError) as busy:
        poll(server.url("/busy"))
    assert busy.value.retry_after == 120
