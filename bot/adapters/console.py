"""The console adapter: a chat in the terminal, one line in, the reply out.

It only translates: each line becomes a `Message` for the command handler, each reply is
rendered as text. Scheduled digests are printed between prompts.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import select
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from bot.adapters.text import digest_text, render
from bot.core.commands import CommandHandler, Message
from bot.core.digest import Digest
from bot.core.replies import DigestReply, Reply

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

PLATFORM = "console"
CHAT_ID = "local"
PROMPT = "> "
POLL_SECONDS = 0.2
WELCOME = "newsdigest console. Type /help for the commands, a question to ask it, Ctrl-D to leave."


class ConsoleAdapter:
    """One console chat over a pair of text streams (the terminal, or a test's pipes)."""

    platform = PLATFORM

    def __init__(
        self, handler: CommandHandler, stdin: TextIO, stdout: TextIO, chat_id: str = CHAT_ID
    ) -> None:
        self.handler = handler
        self.stdin = stdin
        self.stdout = stdout
        self.chat_id = chat_id
        # Scheduled digests arrive from the scheduler's thread.
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._sent = 0
        self._reader: threading.Thread | None = None

    def routes(self) -> list[BaseRoute]:
        """None: the terminal brings the messages."""
        return []

    def stop(self) -> None:
        """Stop after the line being read; a blocked read of a terminal ends with the process."""
        self._stopped.set()

    def _write(self, text: str) -> None:
        with self._lock:
            self.stdout.write(text)
            self.stdout.flush()

    def publish(self, chat_id: str, reply: Reply) -> None:
        """Show a reply the bot sends on its own."""
        self._write(f"\n{render(reply)}\n\n{PROMPT}")

    def parts(self, digest: Digest) -> list[dict[str, Any]]:
        """A digest is one block of text in the console."""
        return [{"text": digest_text(digest)}]

    def send_part(self, chat_id: str, payload: dict[str, Any]) -> str:
        """Print a digest, between prompts when it comes on its own."""
        with self._lock:
            self._sent += 1
            number = self._sent
        interactive = threading.current_thread() is self._reader
        self._write(f"{payload['text']}\n\n" if interactive else f"\n{payload['text']}\n\n{PROMPT}")
        return str(number)

    def serve(self) -> None:
        """Read lines until end of input (or `stop`), answering each."""
        self._reader = threading.current_thread()
        # The terminal shows each message and its answer: their log lines would repeat them.
        logging.getLogger("bot.messages").setLevel(logging.WARNING)
        self.handler.chat(PLATFORM, self.chat_id)
        self._write(f"{WELCOME}\n\n{PROMPT}")
        for line in self._lines():
            text = line.strip()
            if text:
                reply = self.handler.handle(Message(PLATFORM, self.chat_id, text))
                if not (isinstance(reply, DigestReply) and reply.delivered):
                    self._write(f"{render(reply)}\n\n")
            self._write(PROMPT)
        self._write("\n")

    def _lines(self) -> Iterator[str]:
        """The input's lines as they are typed, ending at end of input or soon after `stop`."""
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            yield from self.stdin  # an in-memory stream: nothing to wait for
            return
        # Read the descriptor directly, waiting in short steps, so that `stop` is noticed
        # even while nobody types.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while not self._stopped.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += decoder.decode(chunk)
            *lines, pending = pending.split("\n")
            yield from lines
        if pending and not self._stopped.is_set():
            yield pending
