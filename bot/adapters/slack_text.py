"""Slack's text, read for the core: chat ids (`<team id>:<channel id>`), a `/news` command's
arguments as the core's command, and a message as the user typed it (Slack's markup undone).
"""

from __future__ import annotations

import html
import re

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})


def chat_id(team_id: str, channel_id: str) -> str:
    """The core's chat id of a Slack channel: `<team id>:<channel id>`."""
    return f"{team_id}:{channel_id}"


def split_chat_id(chat: str) -> tuple[str, str]:
    """(team id, channel id) of a chat id; ValueError when it is not a Slack one."""
    team, sep, channel = chat.partition(":")
    if not sep or not team or not channel:
        raise ValueError(f"not a Slack chat id (team:channel): {chat!r}")
    return team, channel


def core_text(arguments: str) -> str:
    """`/news <sub> <args>` as the core's `/<sub> <args>`; `/news` alone asks for help.

    A link Slack marked up (`<https://…|label>`) is its address: `/news feeds add` needs it."""
    text = _LINK.sub(_address, arguments).strip().lstrip("/").translate(_QUOTES)
    return f"/{text}" if text else "/help"


def _address(link: re.Match[str]) -> str:
    target, label = link[1], link[2]
    return target if target.startswith(("http://", "https://")) else (label or target)


def plain_text(text: str) -> str:
    """A message as the user typed it: mentions dropped, links and escapes undone."""
    text = _MENTION.sub("", text)
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    return html.unescape(text).translate(_QUOTES).strip()
