"""What every chat adapter offers the rest of the bot."""

from __future__ import annotations

from typing import Protocol

from bot.core.replies import Reply


class Adapter(Protocol):
    """A chat platform: serves incoming messages and sends what the bot starts itself.

    `serve` blocks until `stop` is called (or the platform's connection ends for good);
    `publish` may be called from any thread (the scheduler's) while `serve` runs.
    """

    platform: str

    def serve(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, chat_id: str, reply: Reply) -> None: ...
