"""Replies as Slack messages: mrkdwn text and Block Kit, within Slack's limits.

Pure functions from the core's plain-data replies to the keyword arguments of
`chat.postMessage` / `respond`, and the App Home view. Nothing here talks to Slack.
A story from the web has its headline linked to the article: `<url|headline>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatch
from typing import Any

from bot.adapters.text import split_text, web_link
from bot.core import messages
from bot.core.digest import Digest, Story
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

Block = dict[str, Any]

COMMAND = "/news"
MORE_ACTION = "more"
# A Follow button under a rising phrase (`/news trending`); its value is the phrase.
FOLLOW_ACTION = "subscribe_phrase"

# Slack's limits (api.slack.com/reference/block-kit): blocks per message and per Home tab,
# characters in a section's text, a header's text, a button's value.
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BUTTON_VALUE = 2000
# Kept well below Slack's 40,000 so that long digests stay readable: more messages instead.
MAX_MESSAGE_CHARS = 12000
# The plain text shown in notifications and by clients that cannot show blocks.
MAX_FALLBACK_CHARS = 3000
# A message of text alone: Slack truncates beyond 40,000 characters and advises 4,000.
MAX_TEXT_CHARS = 4000
# A longer link would crowd out the story it leads to: its headline goes unlinked.
MAX_LINK_CHARS = 1000
# Stories of the last digest listed on the Home tab.
HOME_STORIES = 20

# What Slack users read that the core does not say (it knows no platform).
DIGEST_CONTINUED = "Your digest, continued"
DIGEST_FOOTER = "Reply in this thread to ask about these stories, or press More for a longer one."
MORE_BUTTON = "More"
FOLLOW_BUTTON = "Follow"
NOT_IN_CHANNEL = (
    "I cannot post in this channel, so replies to this digest will not reach me. "
    "Invite me with /invite and try again."
)
HOME_TITLE = "newsdigest"
HOME_INTRO = (
    "Our direct messages are your own chat with me. Type /news help there for the commands, "
    "or /news subscribe followed by a topic."
)
HOME_NO_CHAT = "You have no chat with me yet. Open our direct messages and type /news digest."
HOME_SCHEDULE = "*Daily digest:* every day at {time} {zone}."
HOME_PAUSED = "*Daily digest:* paused. Type /news resume in our direct messages."
HOME_LAST_DIGEST = "*Your last digest*, {when}:"
HOME_NO_DIGEST = "*Your last digest:* none yet."

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# A command name written the core's way, `/digest`, not inside a word or a path.
_CORE_COMMAND = re.compile(r"(?<![\w/.:])/([a-z]+)\b")
_ID = re.compile(r"[0-9]{1,10}")
# What may not stand raw in the address of `<url|text>`: `|` and `>` would end the address,
# `<` open another link, a space end the URL; a valid address never holds them raw anyway.
_URL_UNSAFE = re.compile(r"[|<>\s]")


def escape(text: str) -> str:
    """Text safe in mrkdwn: Slack's three control characters escaped, nothing else."""
    return text.translate(_ESCAPES)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis.

    Never cuts an escape such as `&amp;` in two.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    # Escaped text has no raw "<": one opens a link, which goes whole or not at all.
    opened = cut.rfind("<")
    if opened != -1 and ">" not in cut[opened:]:
        cut = cut[:opened]
    return cut.rstrip() + "…"


def slack_commands(text: str) -> str:
    """The core's `/help` written as Slack users type it: `/news help`."""
    return _CORE_COMMAND.sub(lambda m: f"{COMMAND} {m[1]}", text)


def _escaped_len(text: str) -> int:
    return len(escape(text))


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: mrkdwn `text` (the fallback when there are blocks) and blocks."""

    text: str
    blocks: tuple[Block, ...] = ()

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for `chat.postMessage` and `respond`."""
        if not self.blocks:
            return {"text": self.text}
        return {"text": self.text, "blocks": list(self.blocks)}


def text_messages(text: str) -> list[SlackMessage]:
    """Plain text (not yet escaped) as messages of text alone, as many as it needs: split
    between paragraphs, lines, list items or words, never inside an escape."""
    pieces = split_text(text, MAX_TEXT_CHARS, _escaped_len)
    return [SlackMessage(escape(piece)) for piece in pieces]


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def section(text: str, **extra: Any) -> Block:
    """A section block with mrkdwn `text` (already escaped), clipped to Slack's limit."""
    return {"type": "section", "text": _mrkdwn(clip(text, MAX_SECTION_CHARS)), **extra}


def context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(clip(text, MAX_SECTION_CHARS))]}


def header(text: str) -> Block:
    plain = {"type": "plain_text", "text": clip(text, MAX_HEADER_CHARS), "emoji": True}
    return {"type": "header", "text": plain}


def button(action_id: str, label: str, value: str) -> Block:
    """A button labelled `label` that sends `action_id` with `value` when pressed."""
    plain = {"type": "plain_text", "text": label}
    return {"type": "button", "action_id": action_id, "text": plain, "value": value}


def more_value(digest_id: int, number: int) -> str:
    """A More button's value: the digest and the story's number in it."""
    return f"{digest_id}:{number}"


def parse_more_value(value: str) -> tuple[int | None, int]:
    """(digest id, story number) of a More button's value; ValueError when malformed.

    Only ASCII digits, and no more than a stored id: a client may send any value, and `int`
    takes "٣" and 10**30 alike."""
    digest, _, number = value.partition(":")
    if (digest and not _ID.fullmatch(digest)) or not _ID.fullmatch(number):
        raise ValueError(f"not a More button's value: {value[:40]!r}")
    ids = (int(digest) if digest else None), int(number)
    if max(i or 0 for i in ids) > MAX_ID:
        raise ValueError(f"not a stored digest or story: {value[:40]!r}")
    return ids


def link(text: str, source: str) -> str:
    """`text` (mrkdwn, escaped) as a link to `source` when it is a web address; else as it is.

    The address keeps `&` as `&amp;` (Slack reads it back) and has `|`, `<`, `>` and spaces
    percent-encoded; one still longer than `MAX_LINK_CHARS` is left out.
    """
    url = web_link(source)
    if url is None:
        return text
    address = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)
    address = address.replace("&", "&amp;")
    return f"<{address}|{text}>" if len(address) <= MAX_LINK_CHARS else text


def _byline(story: Story) -> str:
    return f"_{story.published.isoformat()} · {escape(source_name(story.source))}_"


def _title(number: int, headline: str, source: str) -> str:
    return f"*{number}. {link(escape(headline), source)}*"


def _with_room(title: str, text: str, byline: str) -> str:
    """Title, text and byline as one section's mrkdwn: the text is shortened to fit."""
    room = MAX_SECTION_CHARS - len(title) - len(byline) - 2
    return "\n".join(part for part in (title, clip(text, max(room, 1)), byline) if part)


def story_text(story: Story) -> str:
    """A story as mrkdwn: headline (linked to the article), summary (or what an update
    adds), date and source; the summary is shortened so that the whole fits in one section."""
    title = _title(story.number, story.headline, story.source)
    text = " ".join(story.summary)
    if story.update:
        text = messages.UPDATE.format(text=text)
    byline = _byline(story)
    if len(story.sources) > 1:
        count = messages.SOURCES.format(count=len(story.sources))
        byline = f"_{max(s.published for s in story.sources).isoformat()} · {count}_"
    return _with_room(title, escape(text), byline)


def sources_context(story: Story, *, every_source: bool = False) -> Block | None:
    """A context block naming a story's sources, each linked to its article (the first
    `SOURCES_LISTED`, or as many as fit with `every_source`); None for a story of one
    source that is no update."""
    if len(story.sources) < 2 and not story.update:
        return None
    most = len(story.sources) if every_source else messages.SOURCES_LISTED
    names: list[str] = []
    for source in story.sources[:most]:
        name = f"{link(escape(source.name), source.link)} ({source.published.isoformat()})"
        if sum(len(n) + 2 for n in names) + len(name) > MAX_SECTION_CHARS - 40:
            break
        names.append(name)
    text = ", ".join(names)
    if len(names) < len(story.sources):
        text += f" {messages.MORE_SOURCES.format(count=len(story.sources) - len(names))}"
    return context(text)


def story_block(story: Story, digest_id: int | None) -> Block:
    block = section(story_text(story))
    if digest_id is not None:
        block["block_id"] = f"story-{digest_id}-{story.number}"
        block["accessory"] = button(MORE_ACTION, MORE_BUTTON, more_value(digest_id, story.number))
    return block


@dataclass
class _Chunk:
    """Blocks that must stay in one message (a topic's label and its first story)."""

    blocks: list[Block]
    headlines: list[str]

    @property
    def chars(self) -> int:
        return sum(len(str(b)) for b in self.blocks)


def _digest_heading(digest: Digest) -> str:
    count = len(digest.stories)
    return messages.DIGEST_HEADER.format(count=count, stories="story" if count == 1 else "stories")


def digest_messages(digest: Digest) -> list[SlackMessage]:
    """A digest as one message or, when it is too long for one, several, split between
    stories: a header, a section per story with its More button, the topics with nothing
    new, and a footer."""
    nothing_new_on = ""
    if digest.nothing_new_on:
        nothing_new_on = messages.NOTHING_NEW_ON.format(topics=", ".join(digest.nothing_new_on))
    if digest.empty:
        lines = (digest.nothing, nothing_new_on)
        return text_messages(slack_commands("\n".join(line for line in lines if line)))
    heading = _digest_heading(digest)
    chunks = [_Chunk([header(heading)], [])]
    for part in digest.sections:
        for index, story in enumerate(part.stories):
            chunk = _Chunk([], [f"{story.number}. {story.headline}"])
            if part.topic is not None and index == 0:
                chunk.blocks.append(context(f"*{escape(part.topic)}*"))
            chunk.blocks.append(story_block(story, digest.digest_id))
            listed = sources_context(story)
            if listed is not None:
                chunk.blocks.append(listed)
            chunks.append(chunk)
    tail = _Chunk([], [])
    if nothing_new_on:
        # Fifty long topics may be more than one context holds: a context each, in order.
        pieces = split_text(nothing_new_on, MAX_SECTION_CHARS, _escaped_len)
        tail.blocks.extend(context(escape(piece)) for piece in pieces)
    if not digest.preview:
        tail.blocks.append(context(DIGEST_FOOTER))
    if tail.blocks:
        chunks.append(tail)

    packed: list[list[_Chunk]] = [[]]
    for chunk in chunks:
        current = packed[-1]
        count = sum(len(c.blocks) for c in current) + len(chunk.blocks)
        chars = sum(c.chars for c in current) + chunk.chars
        if current and (count > MAX_BLOCKS or chars > MAX_MESSAGE_CHARS):
            packed.append([chunk])
        else:
            current.append(chunk)

    result = []
    for number, group in enumerate(packed):
        title = heading if number == 0 else DIGEST_CONTINUED
        headlines = "; ".join(h for c in group for h in c.headlines)
        fallback = f"{title}: {headlines}" if headlines else title
        blocks = tuple(b for c in group for b in c.blocks)
        result.append(SlackMessage(clip(escape(fallback), MAX_FALLBACK_CHARS), blocks))
    return result


@singledispatch
def render(reply: Reply) -> list[SlackMessage]:
    """The reply as Slack messages (one, except for a long digest)."""
    raise TypeError(f"cannot render {type(reply).__name__}")


@render.register
def _(reply: Text) -> list[SlackMessage]:
    return text_messages(slack_commands(reply.text))


@render.register
def _(reply: Help) -> list[SlackMessage]:
    lines = [escape(slack_commands(reply.greeting)), ""] if reply.greeting else []
    for usage, what in reply.commands:
        lines.append(f"`{escape(slack_commands(usage))}`  {escape(what)}")
    return [SlackMessage("\n".join(lines))]


@render.register
def _(reply: DigestReply) -> list[SlackMessage]:
    return digest_messages(reply.digest)


@render.register
def _(reply: AnswerReply) -> list[SlackMessage]:
    answer = reply.answer
    if not answer.found:
        return [SlackMessage(escape(slack_commands(messages.NOTHING_FOUND)))]
    blocks = []
    fallback = []
    for evidence in answer.evidence:
        headline = link(escape(evidence.headline), evidence.source)
        source = f"_— {headline}, {evidence.published.isoformat()}_"
        room = MAX_SECTION_CHARS - len(source) - 1
        blocks.append(section(f"{clip(escape(evidence.text), max(room, 1))}\n{source}"))
        fallback.append(evidence.text)
    return [SlackMessage(clip(escape(" ".join(fallback)), MAX_FALLBACK_CHARS), tuple(blocks))]


@render.register
def _(reply: SearchReply) -> list[SlackMessage]:
    if not reply.hits:
        return [SlackMessage(escape(messages.NO_HITS.format(query=reply.query)))]
    title = escape(messages.HITS.format(query=reply.query))
    blocks = [section(title)]
    for number, hit in enumerate(reply.hits, start=1):
        where = escape(source_name(hit.source))
        if len(hit.sources) > 1:
            names = ", ".join(link(escape(source.name), source.link) for source in hit.sources)
            where = f"{messages.SOURCES.format(count=len(hit.sources))}: {names}"
        byline = f"_{hit.published.isoformat()} · {where}_"
        title = _title(number, hit.headline, hit.source)
        blocks.append(section(_with_room(title, escape(hit.snippet), byline)))
    headlines = "; ".join(hit.headline for hit in reply.hits)
    return [SlackMessage(clip(f"{title} {escape(headlines)}", MAX_FALLBACK_CHARS), tuple(blocks))]


@render.register
def _(reply: StoryReply) -> list[SlackMessage]:
    story = reply.story
    fallback = clip(escape(f"{story.number}. {story.headline}"), MAX_FALLBACK_CHARS)
    listed = sources_context(story, every_source=True)
    blocks = (section(story_text(story)), *([listed] if listed else []))
    return [SlackMessage(fallback, blocks)]


@render.register
def _(reply: TrendingReply) -> list[SlackMessage]:
    trending = reply.trending
    title = messages.trending_title(trending.stories, len(trending.trends), trending.compared)
    if not trending.trends:
        return text_messages(title)
    blocks = [section(f"*{escape(title)}*")]
    for number, trend in enumerate(trending.trends, start=1):
        counts = messages.trend_counts(trend.today, trend.per_day, trending.compared)
        follow = button(FOLLOW_ACTION, FOLLOW_BUTTON, trend.phrase[:MAX_BUTTON_VALUE])
        blocks.append(
            section(f"*{number}. {escape(trend.phrase)}*  {escape(counts)}", accessory=follow)
        )
    blocks.append(context(escape(messages.TRENDING_FOLLOW)))
    phrases = "; ".join(trend.phrase for trend in trending.trends)
    return [SlackMessage(clip(escape(f"{title} {phrases}"), MAX_FALLBACK_CHARS), tuple(blocks))]


@dataclass(frozen=True)
class HomeState:
    """What the Home tab shows: the user's own chat with the bot (None: no chat yet)."""

    topics: tuple[str, ...] = ()
    digest_time: str | None = None
    timezone: str = "UTC"
    paused: bool = False
    last_digest_at: datetime | None = None
    last_stories: Sequence[Story] = ()


def home_view(state: HomeState) -> dict[str, Any]:
    """The App Home tab for `views.publish`: subscriptions, schedule and the last digest."""
    blocks: list[Block] = [header(HOME_TITLE)]
    if state.digest_time is None:
        blocks.append(section(escape(HOME_NO_CHAT)))
        return {"type": "home", "blocks": blocks}
    if state.topics:
        topics = messages.TOPICS.format(topics=", ".join(state.topics))
    else:
        topics = messages.NO_TOPICS
    blocks.append(section(escape(slack_commands(topics))))
    if state.paused:
        blocks.append(section(escape(HOME_PAUSED)))
    else:
        schedule = HOME_SCHEDULE.format(time=state.digest_time, zone=state.timezone)
        blocks.append(section(escape(schedule)))
    blocks.append({"type": "divider"})
    if state.last_digest_at is None:
        blocks.append(section(HOME_NO_DIGEST))
    else:
        when = state.last_digest_at.strftime("%Y-%m-%d %H:%M UTC")
        blocks.append(section(HOME_LAST_DIGEST.format(when=when)))
        room = MAX_HOME_BLOCKS - len(blocks) - 1
        for story in list(state.last_stories)[: min(HOME_STORIES, room)]:
            line = f"{_title(story.number, story.headline, story.source)}\n{_byline(story)}"
            blocks.append(section(line))
    blocks.append(context(escape(HOME_INTRO)))
    return {"type": "home", "blocks": blocks}
