"""The command handler, on each store: what a user of any platform gets back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core import messages
from bot.core.commands import CommandHandler, Message, Options
from bot.core.ingest import ingest
from bot.core.replies import AnswerReply, DigestReply, Help, Reply, SearchReply, StoryReply, Text
from bot.core.store import Chat, Store
from tests.conftest import SEEDS

IDLIB = "000_663a48dea55a7912.txt"


def ingest_into(store: Store, *paths: Path) -> None:
    ingest(store, list(paths), max_bytes=2_000_000, method="lead", sentences=3)


@pytest.fixture
def handler(store: Store) -> CommandHandler:
    ingest_into(store, SEEDS)
    return CommandHandler(store, Options(method="lead", sentences=3, longer_sentences=6))


def send(handler: CommandHandler, text: str, chat: str = "c1", **kwargs: object) -> Reply:
    return handler.handle(Message("test", chat, text, **kwargs))  # type: ignore[arg-type]


def digest_of(reply: Reply) -> DigestReply:
    assert isinstance(reply, DigestReply), reply
    return reply


def text_of(reply: Reply) -> str:
    assert isinstance(reply, Text), reply
    return reply.text


def write_story(folder: Path, name: str, day: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"date {day} {body}")
    return path


def test_a_subscribed_chat_gets_the_matching_stories_with_headline_summary_and_date(
    handler: CommandHandler,
) -> None:
    assert "Subscribed to Idlib" in text_of(send(handler, "/subscribe Idlib"))
    digest = digest_of(send(handler, "/digest")).digest
    assert [s.topic for s in digest.sections] == ["Idlib"]
    story = next(s for s in digest.stories if s.source.endswith(IDLIB))
    assert story.headline == "Turkey refuses to back down"
    assert story.published.isoformat() == "2020-02-27"
    assert 2 <= len(story.summary) <= 3
    assert all("Idlib" in s.headline + " ".join(s.summary) for s in digest.stories)
    assert digest.digest_id is not None


def test_a_story_never_reaches_the_same_chat_twice(
    handler: CommandHandler, store: Store, tmp_path: Path
) -> None:
    first = digest_of(send(handler, "/digest")).digest
    assert len(first.stories) == 5
    again = digest_of(send(handler, "/digest")).digest
    assert again.empty
    write_story(tmp_path, "new.txt", "2020-03-11", "Fresh news arrived today about tea.")
    ingest_into(store, tmp_path)
    third = digest_of(send(handler, "/digest")).digest
    assert [s.headline for s in third.stories] == ["Fresh news arrived today about tea"]
    # Another chat has had nothing yet.
    assert len(digest_of(send(handler, "/digest", chat="c2")).digest.stories) == 5


def test_without_topics_the_newest_stories_come_first(handler: CommandHandler) -> None:
    digest = digest_of(send(handler, "/digest")).digest
    dates = [s.published for s in digest.stories]
    assert dates == sorted(dates, reverse=True)
    assert [s.number for s in digest.stories] == [1, 2, 3, 4, 5]
    assert digest.sections[0].topic is None


def test_stories_are_grouped_by_topic_and_an_empty_topic_says_nothing_new(
    handler: CommandHandler,
) -> None:
    for topic in ("Idlib", '"oil prices"', "volcano"):
        send(handler, f"/subscribe {topic}")
    digest = digest_of(send(handler, "/digest")).digest
    assert [s.topic for s in digest.sections] == ["Idlib", '"oil prices"']
    assert digest.nothing_new_on == ("volcano",)
    assert [s.number for s in digest.stories] == list(range(1, len(digest.stories) + 1))


def test_a_digest_on_one_topic_leaves_the_other_stories_for_the_daily_digest(
    handler: CommandHandler,
) -> None:
    only = digest_of(send(handler, "/digest oil")).digest
    assert only.stories and all(s.topic == "oil" for s in only.stories)
    full = digest_of(send(handler, "/digest")).digest
    assert len(full.stories) == 5
    assert not {s.doc_id for s in only.stories} & {s.doc_id for s in full.stories}


def test_ask_answers_with_a_sentence_of_the_story_and_its_headline_and_date(
    handler: CommandHandler, store: Store
) -> None:
    send(handler, "/subscribe Idlib")
    send(handler, "/digest")
    reply = send(handler, "/ask What did Erdogan say about Idlib?")
    assert isinstance(reply, AnswerReply)
    answer = reply.answer
    assert answer.from_context
    assert 1 <= len(answer.evidence) <= 3
    seed = next(d for d in store.documents() if d.source.endswith(IDLIB))
    sentences = [s for p in seed.sentences for s in p]
    from_seed = [e for e in answer.evidence if e.doc_id == seed.id]
    assert from_seed, answer
    assert all(e.text in sentences and "Erdogan" in e.text for e in from_seed)
    assert from_seed[0].headline == "Turkey refuses to back down"
    assert from_seed[0].published.isoformat() == "2020-02-27"


def test_asking_about_something_absent_says_nothing_was_found(handler: CommandHandler) -> None:
    reply = send(handler, "/ask What is the capital of Peru?")
    assert isinstance(reply, AnswerReply)
    assert not reply.answer.found


def test_a_question_after_a_digest_is_answered_from_its_stories_first(
    store: Store, tmp_path: Path
) -> None:
    handler = CommandHandler(store, Options(method="lead"))
    write_story(tmp_path, "a.txt", "2020-03-01", "Tea prices rose in March, growers said.")
    ingest_into(store, tmp_path)
    send(handler, "/digest")
    # A newer story matches as well: outside the digest's context it would win.
    write_story(tmp_path, "b.txt", "2020-03-09", "Tea prices rose again, traders said.")
    ingest_into(store, tmp_path)
    reply = send(handler, "why did tea prices rise?")
    assert isinstance(reply, AnswerReply)
    assert reply.answer.from_context
    assert reply.answer.evidence[0].text == "Tea prices rose in March, growers said."
    plain = handler.answer_question("why did tea prices rise?")
    assert plain.answer.evidence[0].text == "Tea prices rose again, traders said."


def test_a_reply_to_an_older_digest_is_answered_from_that_digest(
    store: Store, tmp_path: Path
) -> None:
    handler = CommandHandler(store, Options(method="lead"))
    write_story(tmp_path, "a.txt", "2020-03-01", "Coffee exports fell in Brazil, officials said.")
    ingest_into(store, tmp_path)
    older = digest_of(send(handler, "/digest")).digest.digest_id
    write_story(tmp_path, "b.txt", "2020-03-09", "Coffee exports fell again in Brazil this week.")
    ingest_into(store, tmp_path)
    send(handler, "/digest")
    reply = send(handler, "coffee exports Brazil?", digest_id=older)
    assert isinstance(reply, AnswerReply)
    assert reply.answer.evidence[0].text == "Coffee exports fell in Brazil, officials said."


def test_more_gives_a_longer_summary_with_its_date_and_source(handler: CommandHandler) -> None:
    send(handler, "/subscribe Idlib")
    digest = digest_of(send(handler, "/digest")).digest
    reply = send(handler, "/more 1")
    assert isinstance(reply, StoryReply)
    first = digest.stories[0]
    assert reply.story.doc_id == first.doc_id
    assert len(reply.story.summary) == 6 > len(first.summary)
    assert reply.story.published == first.published
    assert reply.story.source == first.source


def test_search_finds_stories_best_first_with_a_snippet(handler: CommandHandler) -> None:
    reply = send(handler, '/search "oil prices"')
    assert isinstance(reply, SearchReply)
    assert reply.hits
    assert "oil price" in reply.hits[0].snippet.lower()
    nothing = send(handler, "/search volcano")
    assert isinstance(nothing, SearchReply) and not nothing.hits


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/frobnicate", "Unknown command /frobnicate. Type /help"),
        ("/subscribe", "/subscribe needs a topic, e.g. /subscribe Idlib"),
        ("/subscribe " + "x" * 201, "201 characters long; the limit is 200"),
        ("/subscribe -war", "not only -excluded words"),
        ("/unsubscribe", "/unsubscribe needs a topic"),
        ("/unsubscribe Mars", "You do not follow Mars"),
        ("/search", "/search needs something to look for"),
        ("/ask", "Type a question with some words in it"),
        ("/ask ???", "Type a question with some words in it"),
        ("/schedule", "/schedule needs a time HH:MM"),
        ("/schedule 25:00", "'25:00' is not a time. Type /schedule HH:MM"),
        ("/schedule 7pm", "'7pm' is not a time"),
        ("/schedule 07:00 Mars/Olympus", "Unknown time zone 'Mars/Olympus'"),
        ("/more 1", "There is no digest yet"),
    ],
)
def test_bad_input_gets_a_one_line_reply_saying_what_to_type(
    handler: CommandHandler, text: str, says: str
) -> None:
    reply = send(handler, text)
    assert isinstance(reply, Text) and reply.error
    assert says in reply.text
    assert "\n" not in reply.text


def test_a_story_number_outside_the_last_digest_is_refused(handler: CommandHandler) -> None:
    send(handler, "/digest")
    for argument in ("0", "6", "two", ""):
        assert "from 1 to 5" in text_of(send(handler, f"/more {argument}"))


def test_a_chat_may_follow_at_most_fifty_topics(handler: CommandHandler) -> None:
    for n in range(50):
        assert "Subscribed" in text_of(send(handler, f"/subscribe topic{n}"))
    reply = send(handler, "/subscribe topic50")
    assert "You follow 50 topics" in text_of(reply)


def test_topics_are_listed_and_removed_whatever_their_case(handler: CommandHandler) -> None:
    assert "no topics" in text_of(send(handler, "/topics"))
    send(handler, "/subscribe Idlib")
    assert "already follow" in text_of(send(handler, "/subscribe idlib"))
    assert text_of(send(handler, "/topics")) == "Your topics: Idlib."
    assert "Unsubscribed from Idlib" in text_of(send(handler, "/unsubscribe IDLIB"))


def test_commands_addressed_to_the_bot_by_name_work(handler: CommandHandler) -> None:
    assert isinstance(send(handler, "/help@newsdigest_bot"), Help)
    assert isinstance(send(handler, "/HELP"), Help)
    start = send(handler, "/start")
    assert isinstance(start, Help) and start.greeting


def test_only_members_allowed_to_change_settings_can(handler: CommandHandler) -> None:
    for command in ("/subscribe Idlib", "/unsubscribe Idlib", "/schedule 09:00", "/pause"):
        reply = send(handler, command, can_change_settings=False)
        assert "Only the chat's admins" in text_of(reply)
    assert isinstance(send(handler, "/digest", can_change_settings=False), DigestReply)
    assert isinstance(send(handler, "/ask Idlib?", can_change_settings=False), AnswerReply)


def test_schedule_sets_time_and_zone_and_tells_the_scheduler(store: Store) -> None:
    changed: list[Chat] = []
    handler = CommandHandler(store, Options(), schedule_changed=changed.append)
    reply = text_of(send(handler, "/schedule 7:05 Europe/Berlin"))
    assert reply.startswith("Your daily digest comes at 07:05 Europe/Berlin")
    assert [(c.digest_time, c.timezone) for c in changed] == [("07:05", "Europe/Berlin")]
    send(handler, "/schedule 18:30")  # the zone stays
    chat = handler.chat("test", "c1")
    assert (chat.digest_time, chat.timezone) == ("18:30", "Europe/Berlin")


def test_pause_and_resume_the_daily_digest(store: Store) -> None:
    changed: list[Chat] = []
    handler = CommandHandler(store, Options(), schedule_changed=changed.append)
    assert "paused" in text_of(send(handler, "/pause"))
    assert "already paused" in text_of(send(handler, "/pause"))
    assert handler.chat("test", "c1").paused
    assert "resumed" in text_of(send(handler, "/resume"))
    assert "not paused" in text_of(send(handler, "/resume"))
    assert [c.paused for c in changed] == [True, False]


class BrokenStore(Store):
    def documents(self, **kwargs: object) -> list:  # type: ignore[override]
        raise RuntimeError("disk on fire")


def test_an_unexpected_error_is_logged_with_the_chat_and_answered_with_an_apology(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    handler = CommandHandler(BrokenStore(store.engine), Options())
    with caplog.at_level(logging.ERROR):
        reply = send(handler, "/digest", chat="chat-42")
    assert "Sorry, something went wrong" in text_of(reply)
    assert "chat test:chat-42" in caplog.text
    assert "disk on fire" in caplog.text
    # The next command still works.
    assert isinstance(send(handler, "/help", chat="chat-42"), Help)


def test_common_words_alone_are_refused_alike_as_a_topic_and_as_a_question(
    handler: CommandHandler,
) -> None:
    subscribed = send(handler, "/subscribe the of and")
    asked = send(handler, "/ask the of and")
    assert isinstance(subscribed, Text) and subscribed.error
    assert "common words" in subscribed.text
    assert isinstance(asked, Text) and asked.error
    assert text_of(send(handler, "/topics")) == messages.NO_TOPICS  # nothing was followed


def test_a_common_words_topic_stored_before_the_rule_still_gets_digests(
    handler: CommandHandler, store: Store
) -> None:
    chat = handler.chat("test", "c1")
    store.subscribe(chat.id, "the of and")
    digest = digest_of(send(handler, "/digest")).digest
    assert digest.stories and [s.topic for s in digest.sections] == ["the of and"]
