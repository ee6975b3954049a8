"""What every chat adapter offers the rest of the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bot.core.digest import Digest
from bot.core.replies import Reply

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


class InvalidCredentials(PermissionError):
    """The platform refused the bot's credentials, or they cannot be right: retrying cannot
    help, someone must fix `setting` (a settings field name). `advice` says how."""

    def __init__(self, message: str, *, setting: str, advice: str) -> None:
        super().__init__(message)
        self.setting = setting
        self.advice = advice


class PlatformUnavailable(ConnectionError):
    """The platform cannot be reached just now and its adapter keeps reconnecting: a send that
    meets this is worth retrying later (the outbox retries anything but `ChatUnreachable`)."""


class Adapter(Protocol):
    """A chat platform: serves incoming messages and sends what the bot starts itself.

    `serve` blocks until `stop` is called (or the platform's connection ends for good).
    `publish`, `parts` and `send_part` may be called from any thread while `serve` runs:
    `publish` sends a plain reply; digests go through the outbox, which asks the adapter
    to render a digest into `parts` and sends them one by one with `send_part` (raising
    `bot.core.delivery.ChatUnreachable` when the chat blocked or removed the bot).
    A network outage is the adapter's to ride out (it reconnects; sends meanwhile raise
    `PlatformUnavailable`); `serve` raises `InvalidCredentials` when retrying cannot help.
    What comes in over HTTP (a webhook, Slack's requests) comes through the bot's one web
    front, to the adapter's `routes`.
    """

    platform: str

    def routes(self) -> list[BaseRoute]: ...

    def serve(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, chat_id: str, reply: Reply) -> None: ...

    def parts(self, digest: Digest) -> list[dict[str, Any]]: ...

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str: ...
