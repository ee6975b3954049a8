"""What every chat adapter offers the rest of the bot."""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.digest import Digest
from bot.core.replies import Reply


class Adapter(Protocol):
    """A chat platform: serves incoming messages and sends what the bot starts itself.

    `serve` blocks until `stop` is called (or the platform's connection ends for good).
    `publish`, `parts` and `send_part` may be called from any thread while `serve` runs:
    `publish` sends a plain reply; digests go through the outbox, which asks the adapter
    to render a digest into `parts` and sends them one by one with `send_part` (raising
    `bot.core.delivery.ChatUnreachable` when the chat blocked or removed the bot).
    """

    platform: str

    def serve(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, chat_id: str, reply: Reply) -> None: ...

    def parts(self, digest: Digest) -> list[dict[str, Any]]: ...

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str: ...
