"""`/trending` on each store: the phrases that rose in the last day's stored stories, and
following one, which is typing `/subscribe` with it."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.text import render
from bot.core import messages
from bot.core.commands import CommandHandler, Message, Options
from bot.core.documents import parse_text
from bot.core.replies import Reply, Text, TrendingReply
from bot.core.store import Store
from bot.core.timestamps import now
from bot.core.trending import OPENING_CHARS, Trend, find_trends
from summarizers import split_sentences

STEADY = [
    "Harbour cranes were repaired after the storm damaged the northern pier.",
    "Harbour cranes stood idle while dockers held a meeting about pay.",
]
RISING = [
    "Federal Reserve holds rates. Bond traders in Chicago had expected as much.",
    "Pension funds ask the Federal Reserve for clarity on the timing of cuts.",
    "Federal Reserve chair testifies before a Senate panel on banking rules.",
]


def keep(store: Store, text: str, days_ago: float) -> None:
    """Store a story as though it was read `days_ago` days ago."""
    document = parse_text(f"date 2020-03-01 {text}", source=f"{abs(hash(text))}.txt")
    sentences = tuple(split_sentences(p) for p in document.paragraphs)
    assert store.add_document(document, sentences, ingested_at=now() - timedelta(days=days_ago))


def week_with_a_rising_phrase(store: Store) -> None:
    for day in range(1, 8):
        for text in STEADY:
            keep(store, f"{text} Report {day}.", day + 0.5)
    for text in STEADY:
        keep(store, f"{text} Report today.", 0.2)
    for text in RISING:
        keep(store, text, 0.3)


def send(handler: CommandHandler, text: str, **kwargs: object) -> Reply:
    return handler.handle(Message("test", "c1", text, **kwargs))  # type: ignore[arg-type]


def test_trending_names_the_phrase_that_rose_with_its_counts_and_not_the_steady_one(
    store: Store,
) -> None:
    week_with_a_rising_phrase(store)
    reply = send(CommandHandler(store, Options(method="lead")), "/trending")
    assert isinstance(reply, TrendingReply)
    trending = reply.trending
    assert trending.trends[0] == Trend("Federal Reserve", 3, 0.0)
    assert not any("Harbour" in trend.phrase for trend in trending.trends)
    assert (trending.stories, trending.days_before) == (5, 7)


def test_a_day_without_new_stories_says_so(store: Store) -> None:
    keep(store, STEADY[0], 3)
    reply = send(CommandHandler(store, Options(method="lead")), "/trending")
    assert isinstance(reply, TrendingReply)
    assert reply.trending.trends == ()
    assert render(reply) == "No stories were stored in the last day, so nothing is trending."


def test_following_a_phrase_is_subscribing_to_it_with_every_rule_of_subscribe(
    store: Store,
) -> None:
    week_with_a_rising_phrase(store)
    handler = CommandHandler(store, Options(method="lead"))
    [first, *_] = find_trends(store).trends
    follow = f"/subscribe {first.topic}"
    assert follow == '/subscribe "Federal Reserve"'

    refused = send(handler, follow, can_change_settings=False)
    assert refused == Text(messages.NOT_ALLOWED.format(command="/subscribe"), error=True)
    subscribed = send(handler, follow)
    assert subscribed == Text('Subscribed to "Federal Reserve". Your topics: "Federal Reserve".')
    again = send(handler, follow)
    assert again == Text('You already follow "Federal Reserve".')
    chat = handler.chat("test", "c1")
    assert store.topics(chat.id) == ['"Federal Reserve"']
    # The quoted topic means the phrase: its digest has the three stories.
    digest = handler.build_digest(chat)
    assert len(digest.stories) == 3


def test_openings_are_the_week_s_documents_oldest_first_cut_short(store: Store) -> None:
    keep(store, "Old news about the harbour. " * 3, 9)
    keep(store, "Quite new. " + "Long text " * 100, 1)
    keep(store, "Newest of all, on the dam.", 0.1)
    openings = store.openings(now() - timedelta(days=8), OPENING_CHARS)
    assert [o.headline for o in openings] == ["Quite new", "Newest of all, on the dam"]
    assert len(openings[0].text) == OPENING_CHARS
    assert openings[0].text.startswith("Quite new. Long text")
    assert all(o.story_id for o in openings)
    assert openings[0].ingested_at < openings[1].ingested_at
