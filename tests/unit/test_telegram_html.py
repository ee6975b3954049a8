"""Replies rendered as Telegram HTML: escaped, within 4096 characters, split between stories."""

from __future__ import annotations

from datetime import date

from bot.adapters.telegram_html import (
    MAX_CHARS,
    digest_messages,
    fitted_story_html,
    more_data,
    parse_more,
    render,
)
from bot.core.answers import Answer, Evidence
from bot.core.digest import Digest, Section, Story
from bot.core.replies import AnswerReply, Text


def story(number: int, sentences: int = 3, length: int = 60, headline: str = "") -> Story:
    return Story(
        number=number,
        doc_id=f"d{number}",
        headline=headline or f"Story {number}",
        summary=tuple(f"Sentence {i} {'x' * length}." for i in range(sentences)),
        published=date(2020, 3, number % 28 + 1),
        source=f"https://news.example/{number}?a=1&b=2",
    )


def test_article_and_user_text_is_escaped() -> None:
    hostile = Story(
        number=1,
        doc_id="d",
        headline="<script>alert(1)</script> & co",
        summary=("Prices <rose> & fell.",),
        published=date(2020, 1, 1),
        source="https://news.example/a?x=1&y=<2>",
    )
    [part] = digest_messages(Digest((Section("<b>oil</b>", (hostile,)),), (), 9))
    assert "<script>" not in part.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in part.html
    assert "Prices &lt;rose&gt; &amp; fell." in part.html
    assert "— &lt;b&gt;oil&lt;/b&gt; —" in part.html
    assert 'href="https://news.example/a?x=1&amp;y=&lt;2&gt;"' in part.html
    [text] = render(Text("Use <topic> & more"))
    assert text.html == "Use &lt;topic&gt; &amp; more"


def test_every_story_has_a_more_button_whose_data_fits_in_64_bytes() -> None:
    digest = Digest((Section(None, tuple(story(n) for n in range(1, 6))),), (), 2**62)
    [part] = digest_messages(digest)
    assert [label for label, _ in part.buttons] == [f"More on {n}" for n in range(1, 6)]
    for number, (_, data) in enumerate(part.buttons, start=1):
        assert len(data.encode()) <= 64
        assert parse_more(data) == (2**62, number)
    assert parse_more("something:else") is None
    assert parse_more(more_data(3, 4)) == (3, 4)


def test_a_long_digest_is_split_between_stories_never_inside_one() -> None:
    stories = tuple(story(n, sentences=6, length=300) for n in range(1, 16))
    parts = digest_messages(Digest((Section("harbour", stories),), (), 1))
    assert sum(len(p.html) for p in parts) > 15_000
    assert all(len(p.html) <= MAX_CHARS for p in parts)
    seen = []
    for part in parts:
        for label, _ in part.buttons:
            number = int(label.split()[-1])
            whole = fitted_story_html(stories[number - 1])
            assert whole in part.html  # the story is whole, in the message with its button
            seen.append(number)
    assert seen == list(range(1, 16))
    assert part.html.endswith("Reply to this message with a question about these stories.")


def test_a_story_too_long_for_one_message_keeps_whole_sentences_only() -> None:
    huge = story(1, sentences=10, length=1000)
    html = fitted_story_html(huge)
    assert len(html) <= MAX_CHARS
    kept = [s for s in huge.summary if s in html]
    assert 0 < len(kept) < 10
    assert html.endswith(kept[-1])


def test_an_empty_digest_says_nothing_new_on_the_topics() -> None:
    [part] = digest_messages(Digest((), ("Idlib", "oil"), None))
    assert part.html == "Nothing new since your last digest.\nNothing new on Idlib, oil."
    assert part.buttons == ()


def test_an_answer_names_the_story_each_sentence_came_from() -> None:
    evidence = Evidence("Erdogan spoke.", "d", "Turkey & Syria", date(2020, 2, 27), "a.txt")
    [part] = render(AnswerReply(Answer("q", (evidence,))))
    assert part.html == "Erdogan spoke.\n<i>— Turkey &amp; Syria, 2020-02-27</i>"
