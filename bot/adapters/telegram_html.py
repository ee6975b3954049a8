"""Replies as Telegram messages: HTML (`parse_mode=HTML`) within Telegram's limits.

Every piece of article and user text is escaped. A digest longer than one message is split
on story boundaries, never inside a story or a tag; each story's summary is shortened, by
whole sentences, until the story fits in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import singledispatch
from html import escape
from typing import cast
from urllib.parse import urlsplit

from bot.adapters.text import source_label
from bot.core import messages
from bot.core.digest import Digest, Story
from bot.core.replies import (
    AnswerReply,
    DigestReply,
    Help,
    Reply,
    SearchReply,
    StoryReply,
    Text,
)

MAX_CHARS = 4096
MAX_CALLBACK_BYTES = 64
BUTTONS_PER_ROW = 5
_MORE = "more"

Buttons = tuple[tuple[str, str], ...]
Block = tuple[str, Buttons]


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text and "More" buttons (label, callback data)."""

    html: str
    buttons: Buttons = ()


def more_data(digest_id: int, number: int) -> str:
    """Callback data of a story's "More" button."""
    data = f"{_MORE}:{digest_id}:{number}"
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    return data


def parse_more(data: str) -> tuple[int, int] | None:
    """(digest id, story number) of a "More" button's callback data, None for anything else."""
    kind, _, rest = data.partition(":")
    digest, _, number = rest.partition(":")
    if kind != _MORE or not digest.isdigit() or not number.isdigit():
        return None
    return int(digest), int(number)


def _e(text: str) -> str:
    return escape(text, quote=False)


def _source(source: str) -> str:
    if "://" in source:
        host = urlsplit(source).hostname or source
        return f'<a href="{escape(source)}">{_e(host)}</a>'
    return _e(source_label(source))


def story_html(story: Story, summary: tuple[str, ...] | None = None) -> str:
    sentences = story.summary if summary is None else summary
    lines = [
        f"<b>{story.number}. {_e(story.headline)}</b>",
        f"<i>{story.published.isoformat()}</i> · {_source(story.source)}",
    ]
    if sentences:
        lines.append(_e(" ".join(sentences)))
    return "\n".join(lines)


def fitted_story_html(story: Story, room: int = MAX_CHARS) -> str:
    """The story's HTML, with as many whole summary sentences as fit in `room` characters."""
    for keep in range(len(story.summary), -1, -1):
        html = story_html(story, story.summary[:keep])
        if len(html) <= room:
            return html
    # Only a headline longer than a whole message gets here; headlines are short by design.
    raise ValueError("a story's headline does not fit in a Telegram message")


def _pack(blocks: Sequence[Block]) -> list[Outgoing]:
    """Blocks joined by blank lines into as few messages as fit; a block is never split."""
    parts: list[Outgoing] = []
    html, buttons = "", cast(Buttons, ())
    for block, block_buttons in blocks:
        joined = f"{html}\n\n{block}" if html else block
        if html and len(joined) > MAX_CHARS:
            parts.append(Outgoing(html, buttons))
            html, buttons = block, block_buttons
        else:
            html, buttons = joined, buttons + block_buttons
    if html:
        parts.append(Outgoing(html, buttons))
    return parts


def digest_messages(digest: Digest) -> list[Outgoing]:
    """A digest as one or more messages, split between stories."""
    if digest.empty:
        lines = [_e(messages.NOTHING_NEW)]
        if digest.nothing_new_on:
            lines.append(
                _e(messages.NOTHING_NEW_ON.format(topics=", ".join(digest.nothing_new_on)))
            )
        return [Outgoing("\n".join(lines))]
    count = len(digest.stories)
    header = "<b>{}</b>".format(
        _e(messages.DIGEST_HEADER.format(count=count, stories="story" if count == 1 else "stories"))
    )
    blocks: list[Block] = [(header, ())]
    for section in digest.sections:
        for index, story in enumerate(section.stories):
            title = f"<b>— {_e(section.topic)} —</b>\n" if section.topic and index == 0 else ""
            body = fitted_story_html(story, MAX_CHARS - len(title))
            button: Buttons = ()
            if digest.digest_id is not None:
                button = ((f"More on {story.number}", more_data(digest.digest_id, story.number)),)
            blocks.append((title + body, button))
    footer = []
    if digest.nothing_new_on:
        footer.append(_e(messages.NOTHING_NEW_ON.format(topics=", ".join(digest.nothing_new_on))))
    footer.append(_e(messages.TELEGRAM_DIGEST_FOOTER))
    blocks.append(("\n".join(footer), ()))
    return _pack(blocks)


def _lines(text: str) -> list[Outgoing]:
    """Escaped plain text, split between lines where it is longer than a message."""
    return _pack([(_e(line), ()) for line in text.split("\n\n")])


@singledispatch
def render(reply: Reply) -> list[Outgoing]:
    """The reply as Telegram messages."""
    raise TypeError(f"cannot render {type(reply).__name__}")


@render.register
def _(reply: Text) -> list[Outgoing]:
    return _lines(reply.text)


@render.register
def _(reply: Help) -> list[Outgoing]:
    lines = [_e(reply.greeting), ""] if reply.greeting else []
    lines.extend(f"{_e(usage)} — {_e(what)}" for usage, what in reply.commands)
    return [Outgoing("\n".join(lines))]


@render.register
def _(reply: DigestReply) -> list[Outgoing]:
    return digest_messages(reply.digest)


@render.register
def _(reply: AnswerReply) -> list[Outgoing]:
    answer = reply.answer
    if not answer.found:
        return _lines(messages.NOTHING_FOUND)
    blocks: list[Block] = [
        (f"{_e(e.text)}\n<i>— {_e(e.headline)}, {e.published.isoformat()}</i>", ())
        for e in answer.evidence
    ]
    return _pack(blocks)


@render.register
def _(reply: SearchReply) -> list[Outgoing]:
    if not reply.hits:
        return _lines(messages.NO_HITS.format(query=reply.query))
    blocks: list[Block] = [(f"<b>{_e(messages.HITS.format(query=reply.query))}</b>", ())]
    for number, hit in enumerate(reply.hits, start=1):
        blocks.append(
            (
                f"<b>{number}. {_e(hit.headline)}</b>\n"
                f"<i>{hit.published.isoformat()}</i> · {_source(hit.source)}\n{_e(hit.snippet)}",
                (),
            )
        )
    return _pack(blocks)


@render.register
def _(reply: StoryReply) -> list[Outgoing]:
    return [Outgoing(fitted_story_html(reply.story))]
