"""Follow-up questions under a digest: a story named by its place or its words, and a
pronoun meaning the person the conversation is about."""

from __future__ import annotations

import pytest

from bot.core.commands import CommandHandler
from bot.core.replies import AnswerReply, SearchReply, StoryReply
from tests.contract.test_commands import digest_of, handler, send

__all__ = ["handler"]  # the fixture: the seed stories in a store on each database


@pytest.mark.parametrize(
    "question",
    ["tell me more about the second one", "the 2nd story?", "story 2", "#2", "second"],
)
def test_a_story_named_by_its_place_gets_the_longer_summary(
    handler: CommandHandler, question: str
) -> None:
    digest = digest_of(send(handler, "/digest")).digest
    reply = send(handler, question)
    assert isinstance(reply, StoryReply)
    assert reply.story.doc_id == digest.stories[1].doc_id
    assert len(reply.story.summary) > len(digest.stories[1].summary)


def test_the_last_one_is_the_last_story_of_the_digest(handler: CommandHandler) -> None:
    digest = digest_of(send(handler, "/digest")).digest
    reply = send(handler, "and the last one?")
    assert isinstance(reply, StoryReply)
    assert reply.story.doc_id == digest.stories[-1].doc_id


def test_more_on_a_word_gets_the_digest_story_about_it(handler: CommandHandler) -> None:
    send(handler, "/subscribe Idlib OR Fed OR Mars")
    digest = digest_of(send(handler, "/digest")).digest
    mars = next(s for s in digest.stories if "Mars" in s.headline)
    reply = send(handler, "Tell me more about the rover?")
    assert isinstance(reply, StoryReply)
    assert reply.story.doc_id == mars.doc_id


def test_more_on_something_without_a_digest_searches_for_it(handler: CommandHandler) -> None:
    reply = send(handler, "more on Idlib")
    assert isinstance(reply, SearchReply)
    assert reply.hits and "Idlib" in reply.query


def test_a_pronoun_means_the_person_of_the_story_the_conversation_is_about(
    handler: CommandHandler,
) -> None:
    send(handler, "/subscribe Fed OR Idlib")
    digest = digest_of(send(handler, "/digest")).digest
    fed = next(n for n, s in enumerate(digest.stories, 1) if "Federal Reserve" in s.headline)
    send(handler, f"/more {fed}")
    reply = send(handler, "what did he say?")
    assert isinstance(reply, AnswerReply) and reply.answer.found
    assert "Powell" in reply.answer.evidence[0].text
    turkey = next(n for n, s in enumerate(digest.stories, 1) if "Turkey" in s.headline)
    send(handler, f"/more {turkey}")
    reply = send(handler, "what did he say?")
    assert isinstance(reply, AnswerReply) and reply.answer.found
    assert "Erdogan" in reply.answer.evidence[0].text
