"""Replies as Telegram messages: HTML (`parse_mode=HTML`) within Telegram's limits.

Every piece of article and user text is escaped. A story from the web has its headline
linked to the article. A digest longer than one message is split on story boundaries,
never inside a story or a tag; each story's summary is shortened, by whole sentences, until
the story (its link included) fits in one message. Any other reply too long for one
message is split between paragraphs, lines or words, never inside an escape; a sentence
quoted from a story (a search hit, an answer) is shortened to fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import singledispatch
from html import escape
from typing import cast

from bot.adapters.text import split_text, web_link
from bot.core import messages
from bot.core.answers import Hit
from bot.core.digest import Digest, Story
from bot.core.documents import shorten
from bot.core.models import MAX_ID
from bot.core.replies import (
    AnswerReply,
    DigestReply,
    Help,
    Reply,
    SearchReply,
    StoryReply,
    Text,
    TrendingReply,
)
from bot.core.stories import source_name
from bot.core.trending import topic_of

MAX_CHARS = 4096
MAX_CALLBACK_BYTES = 64
# A longer link (escaped) would crowd out the story it leads to: its headline goes unlinked.
MAX_LINK_CHARS = 1000
BUTTONS_PER_ROW = 5
_MORE = "more"
# A Follow button's callback data: this, then the phrase itself (the bot may have restarted
# since the button was shown, so the data must say all).
_FOLLOW = "sub:"
_DIGITS = re.compile(r"[0-9]{1,10}")

Buttons = tuple[tuple[str, str], ...]
Block = tuple[str, Buttons]


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text and buttons (label, callback data), `columns` a row."""

    html: str
    buttons: Buttons = ()
    columns: int = BUTTONS_PER_ROW


def more_data(digest_id: int, number: int) -> str:
    """Callback data of a story's "More" button."""
    data = f"{_MORE}:{digest_id}:{number}"
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    return data


def parse_more(data: str) -> tuple[int, int] | None:
    """(digest id, story number) of a "More" button's callback data, None for anything else."""
    kind, _, rest = data.partition(":")
    digest, _, number = rest.partition(":")
    # Not `str.isdigit`: a client may send any data, and "²" passes it but not `int`.
    if kind != _MORE or not _DIGITS.fullmatch(digest) or not _DIGITS.fullmatch(number):
        return None
    ids = int(digest), int(number)
    return ids if max(ids) <= MAX_ID else None


def follow_button(phrase: str) -> tuple[str, str] | None:
    """The Follow button of a phrase: (label, callback data). A phrase too long for the data's
    64 bytes loses words from its end until it fits, and the label says what is followed;
    None when not even its first word fits (a word is never cut)."""
    words = phrase.split()
    while words:
        data = _FOLLOW + " ".join(words)
        if len(data.encode()) <= MAX_CALLBACK_BYTES:
            return messages.FOLLOW_BUTTON.format(phrase=data[len(_FOLLOW) :]), data
        words.pop()
    return None


def button_command(data: str) -> tuple[str, int | None] | None:
    """What pressing a button says, as the command typed: (text, the digest it is under, if
    any); None for data no button of ours carries."""
    if data.startswith(_FOLLOW) and data[len(_FOLLOW) :].strip():
        return f"/subscribe {topic_of(data[len(_FOLLOW) :])}", None
    more = parse_more(data)
    return (f"/more {more[1]}", more[0]) if more else None


def _e(text: str) -> str:
    return escape(text, quote=False)


def _escaped_len(text: str) -> int:
    return len(_e(text))


def _fit(text: str, room: int) -> str:
    """`text` escaped, and shortened at a word first where it is longer than `room`."""
    if room < 1:
        return ""
    limit = room
    html = _e(shorten(text, limit))
    while len(html) > room and limit > 1:
        # An escape is up to five characters for one: cut until the escaped text fits.
        limit = max(1, limit - max(1, (len(html) - room) // 5))
        html = _e(shorten(text, limit))
    return html if len(html) <= room else ""


def _linked(html: str, source: str) -> str:
    """`html` as a link to `source` when it is a web address, not too long; else as it is."""
    url = web_link(source)
    if url is None:
        return html
    # Named entities only (a "'" may stay as it is inside double quotes).
    href = escape(url, quote=False).replace('"', "&quot;")
    return f'<a href="{href}">{html}</a>' if len(href) <= MAX_LINK_CHARS else html


def _byline(published: date, source: str) -> str:
    # The headline carries the link: the byline names the host (or file) only.
    return f"<i>{published.isoformat()}</i> · {_e(source_name(source))}"


def story_html(
    story: Story,
    summary: tuple[str, ...] | None = None,
    *,
    link: bool = True,
    listed: int = messages.SOURCES_LISTED,
) -> str:
    """The story's HTML: headline (linked to the article when `link`), byline, summary.

    A story of several sources names the first `listed` of them in its byline, each linked;
    an update says what is new and where it comes from."""
    sentences = story.summary if summary is None else summary
    headline = _e(story.headline)
    if link:
        headline = _linked(headline, story.source)
    lines = [f"<b>{story.number}. {headline}</b>"]
    if len(story.sources) > 1 or story.update:
        lines.append(_sources_line(story, listed, link=link))
    else:
        lines.append(_byline(story.published, story.source))
    if sentences:
        text = " ".join(sentences)
        lines.append(_e(messages.UPDATE.format(text=text) if story.update else text))
    return "\n".join(lines)


def _sources_line(story: Story, listed: int, *, link: bool) -> str:
    """`date · N sources: A, B and 3 more`, each name linked to its article when `link`."""
    shown = story.sources[:listed]
    names = ", ".join(_linked(_e(s.name), s.link) if link else _e(s.name) for s in shown)
    left = len(story.sources) - len(shown)
    if left:
        names += f" {_e(messages.MORE_SOURCES.format(count=left))}"
    if len(story.sources) > 1:
        names = f"{_e(messages.SOURCES.format(count=len(story.sources)))}: {names}"
    published = max(s.published for s in story.sources)
    return f"<i>{published.isoformat()}</i> · {names}"


def _hit_byline(hit: Hit) -> str:
    """A search hit's date and source; a story's several sources named and linked."""
    if len(hit.sources) < 2:
        return _byline(hit.published, hit.source)
    names = ", ".join(_linked(_e(s.name), s.link) for s in hit.sources[: messages.SOURCES_LISTED])
    left = len(hit.sources) - messages.SOURCES_LISTED
    more = f" {_e(messages.MORE_SOURCES.format(count=left))}" if left > 0 else ""
    count = _e(messages.SOURCES.format(count=len(hit.sources)))
    return f"<i>{hit.published.isoformat()}</i> · {count}: {names}{more}"


def fitted_story_html(story: Story, room: int = MAX_CHARS, *, every_source: bool = False) -> str:
    """The story's HTML, with as many whole summary sentences as fit in `room` characters
    (the links counted), its sources listed (all of them with `every_source`) as far as they
    fit too; without links only where not even the headline fits with them."""
    most = len(story.sources) if every_source else messages.SOURCES_LISTED
    for link in (True, False):
        for listed in dict.fromkeys((most, messages.SOURCES_LISTED, 1)):
            for keep in range(len(story.summary), -1, -1):
                html = story_html(story, story.summary[:keep], link=link, listed=listed)
                if len(html) <= room:
                    return html
    # Only a headline longer than a whole message gets here; headlines are short by design.
    raise ValueError("a story's headline does not fit in a Telegram message")


def _pack(blocks: Sequence[Block]) -> list[Outgoing]:
    """Blocks joined by blank lines into as few messages as fit; a block is never split,
    so each must fit in a message on its own."""
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
    nothing_new_on = ""
    if digest.nothing_new_on:
        nothing_new_on = messages.NOTHING_NEW_ON.format(topics=", ".join(digest.nothing_new_on))
    if digest.empty:
        return _lines("\n".join(line for line in (digest.nothing, nothing_new_on) if line))
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
    footer = [nothing_new_on] if nothing_new_on else []
    if not digest.preview:
        footer.append(messages.TELEGRAM_DIGEST_FOOTER)
    # Fifty long topics with nothing new may fill more than one message on their own.
    pieces = split_text("\n".join(footer), MAX_CHARS, _escaped_len)
    blocks.extend((_e(piece), ()) for piece in pieces)
    return _pack(blocks)


def _lines(text: str) -> list[Outgoing]:
    """Plain text, escaped, in as many messages as it needs."""
    return [Outgoing(_e(piece)) for piece in split_text(text, MAX_CHARS, _escaped_len)]


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
    blocks: list[Block] = []
    for evidence in answer.evidence:
        headline = _linked(_e(evidence.headline), evidence.source)
        source = f"\n<i>— {headline}, {evidence.published.isoformat()}</i>"
        blocks.append((_fit(evidence.text, MAX_CHARS - len(source)) + source, ()))
    return _pack(blocks)


@render.register
def _(reply: SearchReply) -> list[Outgoing]:
    if not reply.hits:
        return _lines(messages.NO_HITS.format(query=reply.query))
    blocks: list[Block] = [(f"<b>{_e(messages.HITS.format(query=reply.query))}</b>", ())]
    for number, hit in enumerate(reply.hits, start=1):
        head = f"<b>{number}. {_linked(_e(hit.headline), hit.source)}</b>\n{_hit_byline(hit)}\n"
        blocks.append((head + _fit(hit.snippet, MAX_CHARS - len(head)), ()))
    return _pack(blocks)


@render.register
def _(reply: StoryReply) -> list[Outgoing]:
    return [Outgoing(fitted_story_html(reply.story, every_source=True))]


@render.register
def _(reply: TrendingReply) -> list[Outgoing]:
    trending = reply.trending
    title = messages.trending_title(trending.stories, len(trending.trends), trending.compared)
    if not trending.trends:
        return _lines(title)
    lines = [f"<b>{_e(title)}</b>"]
    buttons: list[tuple[str, str]] = []
    for number, trend in enumerate(trending.trends, start=1):
        counts = messages.trend_counts(trend.today, trend.per_day, trending.compared)
        lines.append(f"{number}. <b>{_e(trend.phrase)}</b> — {_e(counts)}")
        button = follow_button(trend.phrase)
        if button is not None:
            buttons.append(button)
    lines.extend(["", _e(messages.TRENDING_FOLLOW)])
    # One button a row: a phrase is too long to share one.
    return [Outgoing("\n".join(lines), tuple(buttons), columns=1)]
