"""What a command's argument must be: a topic within its limits and syntax, a number typed
as digits; and the mistake of the user's (`UserError`) that says what to type instead."""

from __future__ import annotations

from bot.core import messages
from bot.core.models import TOPIC_CHARS
from bot.core.topics import Topic, TopicError, parse_topic


class UserError(ValueError):
    """A mistake of the user's; the message tells them what to type instead."""


def needs(command: str, what: str, example: str) -> UserError:
    return UserError(messages.NEEDS_ARGUMENT.format(command=command, what=what, example=example))


def whole_number(text: str) -> int | None:
    """The number a user typed as digits, None for anything else.

    Not `str.isdigit`: it accepts "²" and "❽", which `int` refuses. Nine digits are plenty
    for a story's number, and `int` refuses thousands of them.
    """
    if not text.isdecimal() or len(text) > 9:
        return None
    return int(text)


def topic_argument(text: str) -> Topic:
    """The topic a user typed, or UserError saying what is wrong with it."""
    if len(text) > TOPIC_CHARS:
        raise UserError(messages.TOPIC_TOO_LONG.format(length=len(text), limit=TOPIC_CHARS))
    try:
        return parse_topic(text)
    except TopicError as error:
        raise UserError(messages.BAD_TOPIC.format(reason=error)) from None


def find_topic(topics: list[str], wanted: str) -> str | None:
    """The stored topic that is `wanted`, ignoring case."""
    return next((t for t in topics if t.casefold() == wanted.casefold()), None)
