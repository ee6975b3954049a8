"""A question typed in a chat (or `/ask`): answered from the digest it follows first, with
its follow-ups resolved — a story named by its place or its words gets the longer summary,
a pronoun means the person of the story the conversation is about."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.follow_ups import (
    focus_of,
    main_person,
    more_on,
    names_no_one,
    story_named,
    with_person,
)
from bot.core.replies import AnswerReply, Reply
from bot.core.search_queries import words_query
from bot.core.store import Chat, StoredDocument, now
from bot.core.terms import words

if TYPE_CHECKING:
    from bot.core.commands import CommandHandler


def question_reply(
    handler: CommandHandler, chat: Chat, question: str, digest_id: int | None
) -> Reply:
    """The reply to a question in `chat`, about the digest `digest_id` (a reply to it) or
    else the chat's last digest."""
    store = handler.store
    if digest_id is None:
        last = store.last_digest(chat.id)
        digest_id = last.id if last else None
    context: list[StoredDocument] = []
    if digest_id is not None:
        ids = [doc_id for doc_id, _ in store.digest_items(digest_id)]
        found = store.get_documents(ids)
        context = [found[doc_id] for doc_id in ids if doc_id in found]
    number = story_named(question, len(context))
    about = more_on(question)
    if number is None and about is not None and context and words(about):
        among = [d.id for d in context]
        best = store.find(words_query(words(about)), 1, among=among)
        number = among.index(best[0].document.id) + 1 if best else None
    if number is not None and digest_id is not None:
        return handler.story(chat, digest_id, number)
    if about is not None and not context:
        return handler.search_stories(about)
    focus = handler.focus.get(chat.id) or focus_of(context)
    person = main_person(focus) if focus is not None and names_no_one(question) else None
    if person is not None:
        question = with_person(question, person)
    today = now().astimezone(ZoneInfo(chat.timezone)).date()
    reply: AnswerReply = handler.answer_question(question, context, today)
    if reply.answer.evidence:
        first = reply.answer.evidence[0].doc_id
        about_now = next((d for d in context if d.id == first), None) or store.get_document(first)
        if about_now is not None:
            handler.focus[chat.id] = about_now
    return reply
