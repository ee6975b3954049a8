"""Rising phrases (`/trending`): found in the day's stories, weighed against the week before,
shown as written, and followed by a button that fits Telegram's 64 bytes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.adapters import slack_blocks, telegram_html, text
from bot.core.document_store import Opening
from bot.core.replies import TrendingReply
from bot.core.trending import Trend, Trending, rising, topic_of

START = datetime(2020, 3, 9, 8, 0, tzinfo=UTC)  # the last day began then
_ids = itertools.count()


def opening(headline: str, body: str = "", *, days_ago: float = 0.5, story: str = "") -> Opening:
    """A document stored `days_ago` days before the end of the last day."""
    doc_id = f"d{next(_ids)}"
    at = START + timedelta(days=1) - timedelta(days=days_ago)
    return Opening(doc_id, story or doc_id, at, headline, body)


def week_of(headlines: list[str], per_day: int = 1) -> list[Opening]:
    """Each headline told in `per_day` stories on each of the seven days before."""
    return [
        opening(headline, days_ago=1.5 + day)
        for day in range(7)
        for headline in headlines
        for _ in range(per_day)
    ]


FILLER = ["Harbour traffic resumed", "Tea growers met", "Rail fares reviewed", "Bridge repaired"]
CITIES = ["Lyon", "Porto", "Turin", "Ghent", "Basel", "Split"]
CITIES += ["Cork", "Graz", "Bergen", "Tartu", "Kaunas", "Plovdiv"]


def phrases(trending: Trending) -> list[str]:
    return [trend.phrase for trend in trending.trends]


def test_a_phrase_that_rose_comes_first_and_one_steady_all_week_is_left_out() -> None:
    before = week_of(["Parliament debated the budget", *FILLER], per_day=2)
    fed = [
        "Federal Reserve holds rates",
        "Banks watch the Federal Reserve",
        "Federal Reserve chair speaks",
        "Markets await Federal Reserve",
        "Federal Reserve surprises traders",
    ]
    today = [
        *(opening("Parliament debated the budget") for _ in range(2)),
        *(opening(headline) for headline in [*fed, *FILLER]),
    ]
    trending = rising(today, before, START)
    assert trending.trends == (Trend("Federal Reserve", 5, 0.0),)
    assert (trending.stories, trending.days_before) == (11, 7)


def test_a_phrase_that_grew_from_a_little_to_a_lot_outranks_one_new_but_rare() -> None:
    before = week_of(["Oil prices climbed", *FILLER])
    today = [
        *(opening(f"Oil prices climbed in {city}") for city in CITIES),
        *(opening(f"Volcano ash cloud {verb}") for verb in ("spreads", "grows", "thins")),
    ]
    assert rising(today, before, START).trends == (
        Trend("Oil prices climbed", 12, 1.0),
        Trend("Volcano ash cloud", 3, 0.0),
    )


def test_a_story_told_by_three_documents_counts_once() -> None:
    one_story = [opening("Assam dam burst", story="s1") for _ in range(3)]
    trending = rising([*one_story, opening("Weather calm")], [], START)
    assert (trending.trends, trending.stories) == ((), 2)
    two_stories = [*one_story, opening("Assam dam burst", "More rain.", story="s2")]
    assert rising(two_stories, [], START).trends == (Trend("Assam dam burst", 2, 0.0),)


def test_the_phrase_is_shown_as_its_stories_most_often_write_it() -> None:
    today = [
        opening("Markets wait", "The Federal Reserve meets. Analysts expect a cut."),
        opening("Rates", "Officials of the Federal Reserve's board spoke on Monday."),
        opening("FEDERAL RESERVE WARNS", "Little else was said."),
        opening("Federal Reserve holds", "Nothing more."),
    ]
    assert rising(today, [], START).trends == (Trend("Federal Reserve", 4, 0.0),)


def test_words_inside_a_longer_phrase_with_the_same_stories_give_way_to_it() -> None:
    today = [opening("Bank of England acts") for _ in range(3)]
    today.append(opening("England win the cup"))
    shown = phrases(rising(today, week_of(FILLER), START))
    # "Bank" and "acts" are in nothing but "Bank of England acts", whose last three words
    # ("England acts") overlap the first three.
    assert sorted(shown) == ["Bank of England", "England"]  # England: in one story more


def test_a_phrase_never_spans_punctuation_or_a_days_name() -> None:
    today = [opening(f"Talks ended. Ceasefire began on Thursday, day {n}") for n in range(3)]
    shown = phrases(rising(today, [], START))
    assert "Talks ended" in shown and "Ceasefire began" in shown
    assert not any("ended Ceasefire" in p or "Thursday" in p for p in shown)


def test_an_empty_day_and_a_quiet_day_say_so_in_a_sentence() -> None:
    empty = rising([], week_of(FILLER), START)
    assert empty == Trending((), 0, 7)
    assert text.render(TrendingReply(empty)) == (
        "No stories were stored in the last day, so nothing is trending."
    )
    quiet = rising([opening(headline) for headline in FILLER], week_of(FILLER), START)
    assert quiet.trends == ()
    assert text.render(TrendingReply(quiet)) == (
        "Nothing stands out in the last day's 4 stories yet."
    )
    [message] = telegram_html.render(TrendingReply(quiet))
    assert message.buttons == ()


TRENDING = Trending(
    (Trend("Federal Reserve", 12, 1.43), Trend("Idlib", 4, 0.0), Trend("ceasefire", 3, 14.0)),
    stories=120,
    days_before=7,
)


def test_the_console_lists_each_phrase_with_its_counts_and_how_to_follow_it() -> None:
    assert text.render(TrendingReply(TRENDING)) == (
        "Rising in the last day's 120 stories, against the week before:\n"
        "1. Federal Reserve — 12 stories today (1.4 a day last week)\n"
        "2. Idlib — 4 stories today (none last week)\n"
        "3. ceasefire — 3 stories today (14 a day last week)\n"
        "\n"
        'Follow one with /subscribe "Federal Reserve"'
    )


def test_telegram_has_a_follow_button_per_phrase_that_types_subscribe() -> None:
    [message] = telegram_html.render(TrendingReply(TRENDING))
    assert "1. <b>Federal Reserve</b> — 12 stories today (1.4 a day last week)" in message.html
    assert [label for label, _ in message.buttons] == [
        "Follow Federal Reserve",
        "Follow Idlib",
        "Follow ceasefire",
    ]
    assert message.columns == 1
    commands = [telegram_html.button_command(data) for _, data in message.buttons]
    assert commands == [
        ('/subscribe "Federal Reserve"', None),
        ("/subscribe Idlib", None),
        ("/subscribe ceasefire", None),
    ]
    assert telegram_html.button_command(telegram_html.more_data(7, 2)) == ("/more 2", 7)
    assert telegram_html.button_command("sub:") is None
    assert telegram_html.button_command("other") is None


def test_a_phrase_too_long_for_64_bytes_loses_whole_words_never_half_a_character() -> None:
    phrase = "Владимир Путин заявил сегодня утром"  # two bytes a letter: 70 bytes of data
    label, data = telegram_html.follow_button(phrase) or ("", "")
    assert data == "sub:Владимир Путин заявил сегодня"
    assert len(data.encode()) <= 64
    assert label == "Follow Владимир Путин заявил сегодня"
    assert telegram_html.button_command(data) == (
        '/subscribe "Владимир Путин заявил сегодня"',
        None,
    )
    assert telegram_html.follow_button("Ж" * 40) is None


def test_slack_has_a_follow_button_per_phrase_with_the_phrase_as_its_value() -> None:
    [message] = slack_blocks.render(TrendingReply(TRENDING))
    buttons = [block["accessory"] for block in message.blocks if "accessory" in block]
    assert [b["value"] for b in buttons] == ["Federal Reserve", "Idlib", "ceasefire"]
    assert {b["action_id"] for b in buttons} == {slack_blocks.FOLLOW_ACTION}
    assert message.blocks[1]["text"]["text"] == (
        "*1. Federal Reserve*  12 stories today (1.4 a day last week)"
    )


def test_a_phrase_of_several_words_is_followed_as_a_quoted_phrase() -> None:
    assert topic_of("Federal  Reserve") == '"Federal Reserve"'
    assert topic_of("Covid-19") == "Covid-19"
