"""Random messages through the command handler, on every command and each store.

Whatever a user types: nothing escapes and nothing is logged as an error, a refusal is a
sentence that does not quote a wall of their text back, a command that only reads leaves the
stored data as it was, and every reply renders within each platform's limits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.adapters import slack_blocks, telegram_html
from bot.adapters.text import render as console_render
from bot.core import messages
from bot.core.commands import COMMANDS, CommandHandler, Message, Options, split_command
from bot.core.models import MAX_ID, Base, ChatRow, SubscriptionRow
from bot.core.replies import Reply, Text
from bot.core.store import Store
from tests.conftest import SEEDS
from tests.contract.test_commands import ingest_into

pytestmark = pytest.mark.fuzz

NAMES = [usage.split()[0].lstrip("/") for usage, _ in COMMANDS]
# Commands that read only: they, and any refusal, must leave the stored data as it was.
READ_ONLY = {None, "start", "help", "topics", "search", "ask", "more"}
TRICKY = [
    "",
    "²",
    "⁸",
    "❽",
    "٣",
    "0",
    "-1",
    "1",
    "3",
    "99999999999999999999999",
    "the of and",
    '"',
    '"oil price" -OPEC',
    "-",
    "OR",
    "OR OR",
    "Idlib",
    "Idlib -Turkey",
    "25:00",
    "7:30",
    "07:30 America",
    "07:30 Mars/Olympus",
    "07:30 ../../etc/passwd",
    "<b>&amp;</i>",
    "*bold* _it_ <!channel>",
    "\x00",
    "Idlib\x00",
    "07:30\x00",
    "\u200b",
    "a" * 10_000,
    "oil " * 3_000,
]
TAGS = {"b", "i", "a", "u", "s", "code", "pre", "blockquote"}


def arguments() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY),
        st.text(max_size=40),
        st.text(min_size=200, max_size=3_000),
        st.lists(
            st.sampled_from(["Idlib", "Turkey", "oil", "the", "-", "OR", '"']), max_size=8
        ).map(" ".join),
    )


@st.composite
def user_messages(draw: st.DrawFn) -> tuple[str | None, Message]:
    kind = draw(st.sampled_from(["command"] * 4 + ["unknown", "question"]))
    argument = draw(arguments())
    name: str | None
    if kind == "question":
        name, text = None, argument
    else:
        name = draw(st.sampled_from(NAMES)) if kind == "command" else draw(st.text(min_size=1))
        separator = draw(st.sampled_from([" ", "\n", "  ", "\t"]))
        mention = draw(st.sampled_from(["", "@digest_test_bot"]))
        text = f"/{name}{mention}{separator}{argument}"
        if kind == "unknown" or name.lower() not in NAMES:
            name = "unknown"
    message = Message(
        "test",
        draw(st.sampled_from(["c1", "c2"])),
        text,
        can_change_settings=draw(st.booleans()),
        digest_id=draw(st.sampled_from([None, 1, 2, MAX_ID])),
    )
    return name, message


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def handler(store: Store) -> CommandHandler:
    ingest_into(store, SEEDS)
    handler = CommandHandler(store, Options(method="lead", sentences=3, longer_sentences=6))
    for chat in ("c1", "c2"):
        handler.chat("test", chat)
    return handler


def stored(store: Store) -> tuple[object, ...]:
    """The chats and their topics as they are, and how many rows every other table holds."""
    with store.engine.connect() as connection:
        chats = connection.execute(select(ChatRow).order_by(ChatRow.id)).all()
        topics = connection.execute(
            select(SubscriptionRow.chat_id, SubscriptionRow.topic).order_by(
                SubscriptionRow.chat_id, SubscriptionRow.topic
            )
        ).all()
        # Summaries are a cache: reading a story may fill it.
        counts = [
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
            if table.name != "summaries"
        ]
    return tuple(map(tuple, chats)), tuple(map(tuple, topics)), tuple(counts)


class _TelegramHtml(HTMLParser):
    """Checks what Telegram checks: known tags, each closed in order, known entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"unknown tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing")

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"unknown entity &{name};")

    def handle_charref(self, name: str) -> None:
        self.problems.append(f"character reference &#{name};")


def assert_renders_within_limits(reply: Reply) -> None:
    for outgoing in telegram_html.render(reply):
        assert 0 < len(outgoing.html) <= telegram_html.MAX_CHARS
        parser = _TelegramHtml()
        parser.feed(outgoing.html)
        parser.close()
        assert parser.problems == [] and parser.open == [], outgoing.html[:300]
        for _label, data in outgoing.buttons:
            assert len(data.encode()) <= telegram_html.MAX_CALLBACK_BYTES
    for message in slack_blocks.render(reply):
        assert 0 < len(message.text) <= slack_blocks.MAX_TEXT_CHARS
        assert len(message.blocks) <= slack_blocks.MAX_BLOCKS
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= slack_blocks.MAX_SECTION_CHARS
            if block["type"] == "context":
                for element in block["elements"]:
                    assert len(element["text"]) <= slack_blocks.MAX_SECTION_CHARS
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= slack_blocks.MAX_HEADER_CHARS
    assert console_render(reply).strip()


@given(messages=st.lists(user_messages(), min_size=1, max_size=4))
def test_any_message_gets_a_reply_that_fits_every_platform(
    handler: CommandHandler, errors: _Errors, messages: list[tuple[str | None, Message]]
) -> None:
    errors.records.clear()  # what an earlier example logged is that example's failure
    for name, message in messages:
        before = stored(handler.store)
        reply = handler.handle(message)
        assert errors.records == [], errors.records[0].getMessage()
        assert_renders_within_limits(reply)
        refused = isinstance(reply, Text) and reply.error
        if refused:
            assert_is_a_sentence(reply.text, message.text)
        if refused or name in READ_ONLY:
            assert stored(handler.store) == before, f"{message.text[:60]!r} changed the store"


def assert_is_a_sentence(text: str, typed: str) -> None:
    assert text != messages.APOLOGY
    assert text[0].isupper() or text[0] in "/'\"", text[:80]
    assert "Traceback" not in text and "Error" not in text
    # What the user typed may be quoted, but not a wall of it.
    _name, argument = split_command(typed)
    if len(argument) > 2 * messages.ECHO_CHARS:
        assert argument not in text


@pytest.mark.parametrize("command", ["/more ²", "/more ⁸", "/more ❽", "/more 99999999999999999999"])
def test_a_story_number_in_other_digits_is_refused_with_the_range(
    handler: CommandHandler, errors: _Errors, command: str
) -> None:
    handler.handle(Message("test", "c1", "/digest"))
    reply = handler.handle(Message("test", "c1", command))
    assert isinstance(reply, Text) and reply.error
    assert reply.text == messages.BAD_STORY_NUMBER.format(count=5)
    assert errors.records == []


def test_a_long_topic_that_is_not_followed_is_not_quoted_back_whole(
    handler: CommandHandler,
) -> None:
    reply = handler.handle(Message("test", "c1", "/unsubscribe " + "a" * 10_000))
    assert isinstance(reply, Text) and reply.error
    assert reply.text.startswith("You do not follow a")
    assert len(reply.text) < 200
    assert_renders_within_limits(reply)


def test_fifty_long_topics_are_listed_in_messages_that_each_fit(handler: CommandHandler) -> None:
    for n in range(50):
        topic = f"topic{n} " + " ".join(f"word{n}x{i}" for i in range(20))
        reply = handler.handle(Message("test", "c1", f"/subscribe {topic[:200]}"))
        assert isinstance(reply, Text) and not reply.error, reply
    listing = handler.handle(Message("test", "c1", "/topics"))
    assert isinstance(listing, Text) and len(listing.text) > telegram_html.MAX_CHARS
    parts = telegram_html.render(listing)
    assert len(parts) == 3
    assert "topic0 " in parts[0].html and "topic49 " in parts[-1].html
    assert_renders_within_limits(listing)
    # No topic is cut in two: each is whole in one message.
    for n in range(50):
        assert sum(f"topic{n} word{n}x0" in part.html for part in parts) == 1


def test_control_characters_are_dropped_before_a_topic_is_stored(
    handler: CommandHandler, errors: _Errors
) -> None:
    reply = handler.handle(Message("test", "c1", "/subscribe Id\x00lib\x07"))
    assert isinstance(reply, Text) and not reply.error, reply
    assert handler.store.topics(handler.chat("test", "c1").id) == ["Idlib"]
    assert errors.records == []


def test_more_under_a_digest_that_is_gone_says_there_is_none(handler: CommandHandler) -> None:
    reply = handler.handle(Message("test", "c1", "/more 1", digest_id=MAX_ID))
    assert isinstance(reply, Text) and reply.text == messages.NO_DIGEST_YET
