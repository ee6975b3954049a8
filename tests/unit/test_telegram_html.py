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
from bot.core.answers import Answer, Evidence, Hit
from bot.core.digest import Digest, Section, Story
from bot.core.models import MAX_ID
from bot.core.replies import AnswerReply, DigestReply, SearchReply, StoryReply, Text


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
    digest = Digest((Section(None, tuple(story(n) for n in range(1, 6))),), (), MAX_ID)
    [part] = digest_messages(digest)
    assert [label for label, _ in part.buttons] == [f"More on {n}" for n in range(1, 6)]
    for number, (_, data) in enumerate(part.buttons, start=1):
        assert len(data.encode()) <= 64
        assert parse_more(data) == (MAX_ID, number)
    assert parse_more("something:else") is None
    assert parse_more(more_data(3, 4)) == (3, 4)


def test_button_data_a_client_made_up_is_not_a_story() -> None:
    for data in ("more:1:²", "more:⁸:1", "more:1:❽", "more:1:٣", "more:1:-1", "more:1:"):
        assert parse_more(data) is None, data
    assert parse_more(f"more:{MAX_ID + 1}:1") is None  # no stored digest has such an id


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


def web_story(source: str, sentences: int = 2, length: int = 60) -> Story:
    return Story(
        number=1,
        doc_id="d",
        headline="Harbour & docks",
        summary=tuple(f"Sentence {i} {'x' * length}." for i in range(sentences)),
        published=date(2020, 3, 1),
        source=source,
    )


def test_a_web_story_s_headline_links_to_the_article_and_the_byline_names_its_host() -> None:
    [part] = digest_messages(
        Digest((Section(None, (web_story("https://news.example/a?x=1&y=<2>"),)),))
    )
    assert (
        '<b>1. <a href="https://news.example/a?x=1&amp;y=&lt;2&gt;">Harbour &amp; docks</a></b>\n'
        "<i>2020-03-01</i> · news.example\n"
    ) in part.html
    assert part.html.count("<a ") == 1


def test_a_story_from_a_file_or_a_link_that_is_not_the_web_is_not_linked() -> None:
    for source, shown in (
        ("seeds/2020/a<1>.txt", "a&lt;1&gt;.txt"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("ftp://files.example/a.txt", "files.example"),
    ):
        html = fitted_story_html(web_story(source))
        assert "<a" not in html and "href" not in html, source
        assert html.startswith("<b>1. Harbour &amp; docks</b>\n<i>2020-03-01</i> · " + shown)


def test_a_link_counts_towards_the_limit_and_the_summary_gives_way() -> None:
    url = "https://news.example/" + "p" * 900
    story = web_story(url, sentences=10, length=500)
    html = fitted_story_html(story)
    assert f'href="{url}"' in html and len(html) <= MAX_CHARS
    without_link = fitted_story_html(web_story("a.txt", sentences=10, length=500))
    assert html.count("Sentence") < without_link.count("Sentence")


def test_a_pathological_url_is_dropped_rather_than_break_the_limit() -> None:
    url = "https://news.example/?q=" + "&" * 2_500  # 12,500 characters once escaped
    story = web_story(url, sentences=10, length=500)
    hit = Hit("d", "Harbour & docks", date(2020, 3, 1), url, "A snippet " * 500, 1.0)
    evidence = Evidence("Said. " * 800, "d", "Harbour", date(2020, 3, 1), url)
    for reply in (
        DigestReply(Digest((Section("harbour", (story,)),), (), 1)),
        StoryReply(story),
        SearchReply("harbour", (hit,)),
        AnswerReply(Answer("q", (evidence,))),
    ):
        parts = render(reply)
        assert all(len(part.html) <= MAX_CHARS for part in parts)
        assert all("href" not in part.html for part in parts)
        assert "Harbour" in parts[-1].html  # the headline is still there, unlinked


def test_search_hits_the_more_story_and_answers_link_their_headlines() -> None:
    url = "https://news.example/a?x=1&y=2"
    href = 'href="https://news.example/a?x=1&amp;y=2"'
    hit = Hit("d", "Tea <prices>", date(2020, 3, 1), url, "Tea rose.", 1.0)
    [search] = render(SearchReply("tea", (hit,)))
    assert f"<b>1. <a {href}>Tea &lt;prices&gt;</a></b>\n<i>2020-03-01</i> · news.example" in (
        search.html
    )
    [more] = render(StoryReply(web_story(url)))
    assert more.html.startswith(f"<b>1. <a {href}>Harbour &amp; docks</a></b>")
    evidence = Evidence("Tea rose.", "d", "Tea & co", date(2020, 3, 1), url)
    [answer] = render(AnswerReply(Answer("q", (evidence,))))
    assert answer.html == f"Tea rose.\n<i>— <a {href}>Tea &amp; co</a>, 2020-03-01</i>"
