"""Replies as Slack shows them: Block Kit within Slack's limits, mrkdwn escaped, `/news`."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from bot.adapters.slack import core_text, plain_text
from bot.adapters.slack_blocks import (
    DIGEST_FOOTER,
    MAX_SECTION_CHARS,
    HomeState,
    clip,
    digest_messages,
    home_view,
    parse_more_value,
    render,
    slack_commands,
    story_text,
)
from bot.core.answers import Answer, Evidence, Hit
from bot.core.digest import Digest, Section, Story
from bot.core.replies import AnswerReply, DigestReply, SearchReply, StoryReply
from tests.adapters.slack_fakes import block_problems

_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def story(number: int, *, headline: str = "", summary: tuple[str, ...] = ()) -> Story:
    return Story(
        number=number,
        doc_id=f"doc{number}",
        headline=headline or f"Headline {number}",
        summary=summary or (f"Summary of story {number}.",),
        published=date(2020, 3, 1),
        source=f"seeds/{number:03d}.txt",
    )


def long_digest(per_topic: int = 20, topics: tuple[str, ...] = ("oil", "tea", "Idlib")) -> Digest:
    sections, number = [], 0
    for topic in topics:
        stories = []
        for _ in range(per_topic):
            number += 1
            stories.append(story(number))
        sections.append(Section(topic, tuple(stories)))
    return Digest(tuple(sections), nothing_new_on=("coffee",), digest_id=7)


def test_mrkdwn_control_characters_in_a_story_are_escaped() -> None:
    text = story_text(
        Story(
            number=1,
            doc_id="d",
            headline="Q&A: <b>prices</b> > costs",
            summary=("Tea & coffee <rose>.",),
            published=date(2020, 3, 1),
            source="feeds/a<b>.txt",
        )
    )
    assert "Q&amp;A: &lt;b&gt;prices&lt;/b&gt; &gt; costs" in text
    assert "Tea &amp; coffee &lt;rose&gt;." in text
    assert "a&lt;b&gt;.txt" in text
    assert "<" not in text and ">" not in text and not _ENTITY.search(text)


def test_a_long_digest_goes_out_as_several_messages_split_between_stories() -> None:
    digest = long_digest()
    messages = digest_messages(digest)

    assert len(messages) >= 2
    numbers = []
    for index, message in enumerate(messages):
        blocks = list(message.blocks)
        assert block_problems(blocks) == []
        assert (blocks[0]["type"] == "header") == (index == 0)
        last = index == len(messages) - 1
        footer = blocks[-1].get("elements", [{}])[0].get("text") == DIGEST_FOOTER
        assert footer == last
        # A topic's label never ends a message: its first story comes with it.
        assert blocks[-1]["type"] != "context" or last
        for block in blocks:
            if "accessory" in block:
                digest_id, number = parse_more_value(block["accessory"]["value"])
                assert digest_id == 7
                assert block["text"]["text"].startswith(f"*{number}. Headline {number}*")
                numbers.append(number)
        assert message.text and len(message.text) <= 3000
    assert numbers == list(range(1, 61))
    assert "Nothing new on coffee." in str(messages[-1].blocks)


def test_a_very_long_summary_is_shortened_to_fit_one_section() -> None:
    long = story(1, summary=tuple("A sentence about oil & prices. " * 20 for _ in range(10)))
    [message] = render(DigestReply(Digest((Section(None, (long,)),), digest_id=1)))
    [section] = [b for b in message.blocks if "accessory" in b]
    text = section["text"]["text"]
    assert len(text) <= MAX_SECTION_CHARS
    assert "…\n_2020-03-01 · 001.txt_" in text
    assert not _ENTITY.search(text)


def test_an_empty_digest_says_nothing_is_new_on_which_topics() -> None:
    [message] = digest_messages(Digest((), nothing_new_on=("oil", "tea")))
    assert message.text == "Nothing new since your last digest.\nNothing new on oil, tea."
    assert message.blocks == ()


def test_news_subcommands_become_the_core_commands() -> None:
    assert core_text("digest Idlib") == "/digest Idlib"
    assert core_text("  subscribe “oil price” -OPEC ") == '/subscribe "oil price" -OPEC'
    assert core_text("") == "/help"
    assert core_text("/topics") == "/topics"


def test_a_message_is_read_as_typed_without_the_mention_links_or_escapes() -> None:
    typed = plain_text("<@UBOT> what about <https://example.org|example.org> &amp; tea &lt;3?")
    assert typed == "what about example.org & tea <3?"


def test_the_core_commands_in_replies_are_written_as_slash_news() -> None:
    said = slack_commands("Type /help, or /schedule 07:30 Europe/Berlin; see https://x.org/more")
    assert said == (
        "Type /news help, or /news schedule 07:30 Europe/Berlin; see https://x.org/more"
    )


def test_a_more_value_a_client_made_up_is_refused() -> None:
    assert parse_more_value("12:3") == (12, 3)
    assert parse_more_value(":3") == (None, 3)
    for value in ("1:²", "⁸:1", "1:❽", "1:٣", "1:-1", "1:", f"{2**40}:1"):
        with pytest.raises(ValueError):
            parse_more_value(value)


def web_story(source: str, *, summary: tuple[str, ...] = ("Tea rose.",)) -> Story:
    return Story(1, "d", "Q&A: <b>tea</b>", summary, date(2020, 3, 1), source)


def links(text: str) -> list[tuple[str, str]]:
    """(address, label) of each `<address|label>` in mrkdwn; AssertionError for a stray
    `<`, `>` or `|` in an address, which Slack would read wrongly."""
    found = re.findall(r"<([^<>|]*)\|([^<>]*)>", text)
    rest = re.sub(r"<[^<>|]*\|[^<>]*>", "", text)
    assert "<" not in rest and ">" not in rest, text
    return found


def test_a_web_story_s_headline_links_to_the_article_and_the_byline_names_its_host() -> None:
    text = story_text(web_story("https://news.example/a?x=1&y=2"))
    assert text.startswith(
        "*1. <https://news.example/a?x=1&amp;y=2|Q&amp;A: &lt;b&gt;tea&lt;/b&gt;>*"
    )
    assert text.endswith("_2020-03-01 · news.example_")
    assert links(text) == [
        ("https://news.example/a?x=1&amp;y=2", "Q&amp;A: &lt;b&gt;tea&lt;/b&gt;")
    ]


def test_a_url_with_a_bar_or_angle_brackets_keeps_the_link_whole() -> None:
    text = story_text(web_story("https://news.example/a|b?q=<c> d"))
    assert links(text) == [
        ("https://news.example/a%7Cb?q=%3Cc%3E%20d", "Q&amp;A: &lt;b&gt;tea&lt;/b&gt;")
    ]


def test_a_story_from_a_file_or_a_link_that_is_not_the_web_is_not_linked() -> None:
    for source in ("seeds/001.txt", "javascript:alert(1)", "ftp://files.example/a.txt"):
        assert links(story_text(web_story(source))) == [], source


def test_a_long_link_shortens_the_summary_and_a_pathological_one_is_dropped() -> None:
    summary = tuple("A sentence about tea & prices. " * 20 for _ in range(10))
    long_url = "https://news.example/" + "p" * 900
    text = story_text(web_story(long_url, summary=summary))
    assert len(text) <= MAX_SECTION_CHARS and "…\n_2020-03-01 · news.example_" in text
    assert [address for address, _ in links(text)] == [long_url]

    huge_url = "https://news.example/" + "|" * 2_500
    story = web_story(huge_url, summary=summary)
    hit = Hit("d", "Tea", date(2020, 3, 1), huge_url, "A snippet " * 500, 1.0)
    for reply in (
        DigestReply(Digest((Section(None, (story,)),), digest_id=1)),
        StoryReply(story),
        SearchReply("tea", (hit,)),
    ):
        [message] = render(reply)
        assert block_problems(list(message.blocks)) == []
        for block in message.blocks:
            assert links(str(block.get("text", {}).get("text", ""))) == []


def test_search_hits_the_more_story_the_home_tab_and_answers_link_their_headlines() -> None:
    url = "https://news.example/a?x=1&y=2"
    link = "<https://news.example/a?x=1&amp;y=2|"
    hit = Hit("d", "Tea <prices>", date(2020, 3, 1), url, "Tea rose. " * 400, 1.0)
    [search] = render(SearchReply("tea", (hit,)))
    text = search.blocks[1]["text"]["text"]
    assert text.startswith(f"*1. {link}Tea &lt;prices&gt;>*\n") and len(text) <= 3000
    assert text.endswith("…\n_2020-03-01 · news.example_")
    [more] = render(StoryReply(web_story(url)))
    assert more.blocks[0]["text"]["text"].startswith(f"*1. {link}Q&amp;A")
    home = home_view(
        HomeState(
            digest_time="07:30", last_digest_at=datetime(2020, 3, 1), last_stories=(web_story(url),)
        )
    )
    assert f"*1. {link}Q&amp;A" in str(home["blocks"])
    evidence = Evidence("Tea rose. " * 400, "d", "Tea & co", date(2020, 3, 1), url)
    [answer] = render(AnswerReply(Answer("q", (evidence,))))
    text = answer.blocks[0]["text"]["text"]
    assert text.endswith(f"…\n_— {link}Tea &amp; co>, 2020-03-01_") and len(text) <= 3000


def test_clipping_never_cuts_a_link_in_two() -> None:
    text = "Tea rose. <https://news.example/" + "p" * 100 + "|Tea>"
    clipped = clip(text, 80)
    assert clipped == "Tea rose.…"
    assert links(clipped) == []


def test_a_link_slack_marked_up_in_a_command_is_its_address() -> None:
    url = "https://courier.example/rss.xml"
    assert core_text(f"feeds add <{url}|courier.example/rss.xml>") == f"/feeds add {url}"
    assert core_text(f"feeds add <{url}>") == f"/feeds add {url}"
    assert core_text(f"feeds add {url}") == f"/feeds add {url}"
