"""Replies rendered as plain text, for the console and the scriptable commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatch
from pathlib import PurePath
from urllib.parse import urlsplit

from bot.core import messages
from bot.core.answers import Answer
from bot.core.digest import Digest, Story
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

INDENT = "   "
# Where a text too long for one message is broken, best first: between paragraphs, lines,
# the items of a list ("Your topics: a, b, c"), words; a word longer than a message is cut.
_BREAKS = ("\n\n", "\n", ", ", " ")


def source_label(source: str) -> str:
    """A source as people read it: a web address as it is, a file by its name."""
    return source if "://" in source else PurePath(source).name


def web_link(source: str) -> str | None:
    """The source as it is, when it is an http(s) address a reader can open (a feed's
    article); None for a file or anything else."""
    try:
        parts = urlsplit(source)
    except ValueError:  # e.g. an unclosed "[" where an IPv6 host should be
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return source


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """`text` in as few pieces as fit in `limit`, as `size` measures a piece (e.g. its
    escaped length); blank pieces are left out.

    `size` must add up over characters (escaping does): a piece is measured as a whole.
    """
    return [piece for piece in _split(text, limit, size, _BREAKS) if piece.strip()]


def _split(text: str, limit: int, size: Callable[[str], int], breaks: tuple[str, ...]) -> list[str]:
    if size(text) <= limit:
        return [text]
    if not breaks:
        return _cut(text, limit, size)
    glue, rest = breaks[0], breaks[1:]
    # A piece broken after a list item keeps its comma: "a, b," then "c".
    kept = glue.rstrip()
    glue = glue[len(kept) :]
    parts = text.split(breaks[0])
    items = [part + kept for part in parts[:-1]] + parts[-1:]
    pieces: list[str] = []
    current = ""
    for item in items:
        joined = f"{current}{glue}{item}" if current else item
        if size(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        *whole, current = _split(item, limit, size, rest)
        pieces.extend(whole)
    pieces.append(current)
    return pieces


def _cut(text: str, limit: int, size: Callable[[str], int]) -> list[str]:
    """`text` cut into runs of characters that fit; the last resort, for a word too long."""
    pieces: list[str] = []
    start = used = 0
    for index, char in enumerate(text):
        width = size(char)
        if used + width > limit and index > start:
            pieces.append(text[start:index])
            start, used = index, 0
        used += width
    pieces.append(text[start:])
    return pieces


def story_lines(story: Story, *, every_source: bool = False) -> list[str]:
    """A story as lines: headline, date and source (or how many), summary (or update), and
    a story's several sources one a line (the first `SOURCES_LISTED`, or `every_source`)."""
    many = len(story.sources) > 1
    where = source_label(story.source)
    if many:
        where = messages.SOURCES.format(count=len(story.sources))
    text = " ".join(story.summary)
    lines = [
        f"{story.number}. {story.headline}",
        f"{INDENT}{story.published.isoformat()} · {where}",
        f"{INDENT}{messages.UPDATE.format(text=text) if story.update else text}",
    ]
    if many or story.update:
        listed = story.sources if every_source else story.sources[: messages.SOURCES_LISTED]
        lines.extend(f"{INDENT}– {s.name} · {s.published.isoformat()} · {s.link}" for s in listed)
        if len(listed) < len(story.sources):
            more = messages.MORE_SOURCES.format(count=len(story.sources) - len(listed))
            lines.append(f"{INDENT}– {more}")
    return lines


def digest_text(digest: Digest) -> str:
    lines: list[str] = []
    if digest.empty:
        lines.append(digest.nothing)
    else:
        count = len(digest.stories)
        lines.append(
            messages.DIGEST_HEADER.format(count=count, stories="story" if count == 1 else "stories")
        )
        for section in digest.sections:
            lines.append("")
            if section.topic is not None:
                lines.append(f"— {section.topic} —")
            for story in section.stories:
                lines.extend(story_lines(story))
    if digest.nothing_new_on:
        lines.extend(["", messages.NOTHING_NEW_ON.format(topics=", ".join(digest.nothing_new_on))])
    if not digest.empty and not digest.preview:
        lines.extend(["", messages.DIGEST_FOOTER])
    return "\n".join(lines)


def answer_text(answer: Answer) -> str:
    if not answer.found:
        return messages.NOTHING_FOUND
    lines = []
    for evidence in answer.evidence:
        lines.append(evidence.text)
        line = f"{INDENT}— {evidence.headline}, {evidence.published.isoformat()}"
        link = web_link(evidence.source)
        lines.append(f"{line} · {link}" if link else line)
    return "\n".join(lines)


@singledispatch
def render(reply: Reply) -> str:
    """The reply as plain text."""
    raise TypeError(f"cannot render {type(reply).__name__}")


@render.register
def _(reply: Text) -> str:
    return reply.text


@render.register
def _(reply: Help) -> str:
    width = max(len(usage) for usage, _ in reply.commands)
    lines = [reply.greeting, ""] if reply.greeting else []
    lines.extend(f"{usage.ljust(width)}  {what}" for usage, what in reply.commands)
    return "\n".join(lines)


@render.register
def _(reply: DigestReply) -> str:
    return digest_text(reply.digest)


@render.register
def _(reply: AnswerReply) -> str:
    return answer_text(reply.answer)


@render.register
def _(reply: SearchReply) -> str:
    if not reply.hits:
        return messages.NO_HITS.format(query=reply.query)
    lines = [messages.HITS.format(query=reply.query)]
    for number, hit in enumerate(reply.hits, start=1):
        lines.append(f"{number}. {hit.headline}")
        where = source_label(hit.source)
        if len(hit.sources) > 1:
            names = ", ".join(source.name for source in hit.sources)
            where = f"{messages.SOURCES.format(count=len(hit.sources))}: {names}"
        lines.append(f"{INDENT}{hit.published.isoformat()} · {where}")
        lines.append(f"{INDENT}{hit.snippet}")
    return "\n".join(lines)


@render.register
def _(reply: StoryReply) -> str:
    return "\n".join(story_lines(reply.story, every_source=True))


@render.register
def _(reply: TrendingReply) -> str:
    trending = reply.trending
    lines = [messages.trending_title(trending.stories, len(trending.trends), trending.compared)]
    if not trending.trends:
        return lines[0]
    for number, trend in enumerate(trending.trends, start=1):
        counts = messages.trend_counts(trend.today, trend.per_day, trending.compared)
        lines.append(f"{number}. {trend.phrase} — {counts}")
    lines.extend(["", messages.TRENDING_SUBSCRIBE.format(topic=trending.trends[0].topic)])
    return "\n".join(lines)
