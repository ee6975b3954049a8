"""Replies as Slack shows them: Block Kit within Slack's limits, mrkdwn escaped, `/news`."""

from __future__ import annotations

import re
from datetime import date

from bot.adapters.slack import core_text, plain_text
from bot.adapters.slack_blocks import (
    DIGEST_FOOTER,
    MAX_SECTION_CHARS,
    digest_messages,
    parse_more_value,
    render,
    slack_commands,
    story_text,
)
from bot.core.digest import Digest, Section, Story
from bot.core.replies import DigestReply
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
