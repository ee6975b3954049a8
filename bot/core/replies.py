"""What the command handler answers with: plain data that each adapter renders its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.answers import Answer, Hit
from bot.core.digest import Digest, Story
from bot.core.trending import Trending


@dataclass(frozen=True)
class Text:
    """A short message; `error` when it tells the user what to type instead."""

    text: str
    error: bool = False


@dataclass(frozen=True)
class Help:
    """The command list: (usage, what it does) pairs, after an optional greeting."""

    commands: tuple[tuple[str, str], ...]
    greeting: str = ""


@dataclass(frozen=True)
class DigestReply:
    """A digest; `delivered` when the outbox has already sent it to the chat."""

    digest: Digest
    delivered: bool = False


@dataclass(frozen=True)
class AnswerReply:
    answer: Answer


@dataclass(frozen=True)
class SearchReply:
    query: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class StoryReply:
    """One story in more detail (`/more n`)."""

    story: Story


@dataclass(frozen=True)
class TrendingReply:
    """The phrases rising in the last day's stories (`/trending`), each one tap from being
    followed."""

    trending: Trending


Reply = Text | Help | DigestReply | AnswerReply | SearchReply | StoryReply | TrendingReply
