"""What a process of the bot does: receive messages, run the scheduler, send deliveries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Roles:
    """What a process does. `newsdigest run` does everything; on PostgreSQL the parts can
    run as processes of their own: `web` receives (adapters and the web front), `scheduler`
    schedules (leading when no other process does), `worker` sends."""

    receive: bool = True
    schedule: bool = True
    send: bool = True


ALL = Roles()
