"""Replies as the console prints them: a story from the web shows its address in full."""

from __future__ import annotations

from datetime import date

from bot.adapters.text import render
from bot.core.answers import Answer, Evidence, Hit
from bot.core.digest import Digest, Section, Story
from bot.core.replies import AnswerReply, DigestReply, SearchReply, StoryReply

URL = "https://news.example/a?x=1&y=<2>"


def story(source: str) -> Story:
    return Story(1, "d", "Harbour reopens", ("Ships came back.",), date(2020, 3, 1), source)


def test_a_web_story_shows_its_address_in_full_on_its_byline() -> None:
    byline = f"   2020-03-01 · {URL}"
    digest = render(DigestReply(Digest((Section(None, (story(URL),)),), digest_id=1)))
    assert f"1. Harbour reopens\n{byline}\n   Ships came back." in digest
    assert render(StoryReply(story(URL))).splitlines()[1] == byline
    hit = Hit("d", "Harbour reopens", date(2020, 3, 1), URL, "Ships came back.", 1.0)
    assert render(SearchReply("harbour", (hit,))).splitlines()[2] == byline


def test_a_story_from_a_file_shows_the_file_s_name() -> None:
    assert render(StoryReply(story("seeds/2020/harbour.txt"))).splitlines()[1] == (
        "   2020-03-01 · harbour.txt"
    )


def test_an_answer_gives_the_address_of_a_web_story_it_quotes() -> None:
    web = Evidence("Ships came back.", "d", "Harbour reopens", date(2020, 3, 1), URL)
    local = Evidence("Tea rose.", "e", "Tea", date(2020, 3, 2), "seeds/tea.txt")
    assert render(AnswerReply(Answer("q", (web, local)))) == (
        f"Ships came back.\n   — Harbour reopens, 2020-03-01 · {URL}\n"
        "Tea rose.\n   — Tea, 2020-03-02"
    )
