"""Replies rendered as plain text, for the console and the scriptable commands."""

from __future__ import annotations

from functools import singledispatch
from pathlib import PurePath

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
)

INDENT = "   "


def source_label(source: str) -> str:
    """A source as people read it: a web address as it is, a file by its name."""
    return source if "://" in source else PurePath(source).name


def story_lines(story: Story) -> list[str]:
    return [
        f"{story.number}. {story.headline}",
        f"{INDENT}{story.published.isoformat()} · {source_label(story.source)}",
        f"{INDENT}{' '.join(story.summary)}",
    ]


def digest_text(digest: Digest) -> str:
    lines: list[str] = []
    if digest.empty:
        lines.append(messages.NOTHING_NEW)
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
    if not digest.empty:
        lines.extend(["", messages.DIGEST_FOOTER])
    return "\n".join(lines)


def answer_text(answer: Answer) -> str:
    if not answer.found:
        return messages.NOTHING_FOUND
    lines = []
    for evidence in answer.evidence:
        lines.append(evidence.text)
        lines.append(f"{INDENT}— {evidence.headline}, {evidence.published.isoformat()}")
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
        lines.append(f"{INDENT}{hit.published.isoformat()} · {source_label(hit.source)}")
        lines.append(f"{INDENT}{hit.snippet}")
    return "\n".join(lines)


@render.register
def _(reply: StoryReply) -> str:
    return "\n".join(story_lines(reply.story))
