"""The chats the bot talks to and the topics each follows: the part of the store that reads
and writes the `chats` and `subscriptions` tables (`Store` inherits it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.models import ChatRow, SubscriptionRow
from bot.core.timestamps import as_utc, now


@dataclass(frozen=True)
class Chat:
    """A chat on a platform and its digest settings."""

    id: int
    platform: str
    platform_chat_id: str
    timezone: str
    digest_time: str
    paused: bool
    active: bool
    settings: dict[str, Any]
    created_at: datetime


def chat_from_row(row: ChatRow) -> Chat:
    """The chat a stored row describes (for the digests, which read chats with them)."""
    return Chat(
        id=row.id,
        platform=row.platform,
        platform_chat_id=row.platform_chat_id,
        timezone=row.timezone,
        digest_time=row.digest_time,
        paused=row.paused,
        active=row.active,
        settings=dict(row.settings or {}),
        created_at=as_utc(row.created_at),
    )


class ChatRecords:
    """Chats and their subscriptions. Mixed into `Store`, whose transactions it uses."""

    _transaction: Callable[[], AbstractContextManager[Session]]
    _add_new: Callable[[Sequence[Any], Callable[[], bool]], bool]

    def chat(
        self, platform: str, platform_chat_id: str, *, timezone: str, digest_time: str
    ) -> Chat:
        """The chat, created with the given defaults the first time it is seen."""
        query = select(ChatRow).where(
            ChatRow.platform == platform, ChatRow.platform_chat_id == platform_chat_id
        )
        with self._transaction() as session:
            row = session.scalars(query).first()
            if row:
                return chat_from_row(row)
        try:
            with self._transaction() as session:
                row = ChatRow(
                    platform=platform,
                    platform_chat_id=platform_chat_id,
                    timezone=timezone,
                    digest_time=digest_time,
                    paused=False,
                    active=True,
                    settings={},
                    created_at=now(),
                )
                session.add(row)
                session.flush()
                return chat_from_row(row)
        except IntegrityError:
            with self._transaction() as session:
                return chat_from_row(session.scalars(query).one())

    def get_chat(self, chat_id: int) -> Chat | None:
        with self._transaction() as session:
            row = session.get(ChatRow, chat_id)
            return chat_from_row(row) if row else None

    def chats(self, platform: str | None = None) -> list[Chat]:
        """All chats, or those of one platform, oldest first."""
        query = select(ChatRow).order_by(ChatRow.id)
        if platform is not None:
            query = query.where(ChatRow.platform == platform)
        with self._transaction() as session:
            return [chat_from_row(row) for row in session.scalars(query)]

    def update_chat(
        self,
        chat_id: int,
        *,
        timezone: str | None = None,
        digest_time: str | None = None,
        paused: bool | None = None,
        active: bool | None = None,
    ) -> Chat:
        """Change a chat's schedule or state; arguments left as None stay as they are."""
        with self._transaction() as session:
            row = session.get(ChatRow, chat_id)
            if row is None:
                raise KeyError(f"no chat with id {chat_id}")
            if timezone is not None:
                row.timezone = timezone
            if digest_time is not None:
                row.digest_time = digest_time
            if paused is not None:
                row.paused = paused
            if active is not None:
                row.active = active
            return chat_from_row(row)

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Follow `topic`; False when the chat already follows it."""
        row = SubscriptionRow(chat_id=chat_id, topic=topic, created_at=now())
        return self._add_new([row], lambda: topic in self.topics(chat_id))

    def unsubscribe(self, chat_id: int, topic: str) -> bool:
        """Stop following `topic`; False when the chat did not follow it."""
        with self._transaction() as session:
            result = session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.chat_id == chat_id, SubscriptionRow.topic == topic
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def topics(self, chat_id: int) -> list[str]:
        """The chat's topics in the order they were added."""
        query = (
            select(SubscriptionRow.topic)
            .where(SubscriptionRow.chat_id == chat_id)
            .order_by(SubscriptionRow.id)
        )
        with self._transaction() as session:
            return list(session.scalars(query))
