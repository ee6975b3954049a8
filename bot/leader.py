"""Which process runs the scheduler: the one that holds a PostgreSQL advisory lock.

Every process that may run the scheduler (`newsdigest run`, `newsdigest scheduler`) asks for
the lock on a connection of its own; one gets it and leads, the others stand by and ask again
every few seconds. The lock belongs to the connection: when the leader dies, or its
connection does, PostgreSQL lets it go and a standby takes it at its next try. A leader that
finds its connection gone stops leading at once (before anyone else can have the lock, since
PostgreSQL frees it only once it has noticed the connection is gone), so there are never two.

On SQLite there is one process: it leads from the start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# The advisory lock's key: "newsdigest scheduler", as a 64-bit number.
LOCK_KEY = 0x6E65777364696765
# How often a standby asks for the lock and a leader checks that it still holds it.
POLL_SECONDS = 5.0
LEADER, STANDBY = "leader", "standby"


class Leadership:
    """Leads (calls `on_gain`) while this process holds the lock, stands by otherwise
    (`on_loss` when the lock is lost). `run` blocks until `stop` is set."""

    def __init__(
        self,
        engine: Engine,
        on_gain: Callable[[], None],
        on_loss: Callable[[], None],
        *,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.engine = engine
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.poll = poll
        self.role = STANDBY
        self._connection: Connection | None = None
        self._sole = engine.dialect.name != "postgresql"

    def run(self, stop: threading.Event) -> None:
        """Take the lead when the lock is free, give it up when it is lost, until `stop`."""
        try:
            while not stop.is_set():
                if self.role == STANDBY:
                    if self._acquire():
                        self._lead()
                elif not self._still_held():
                    log.warning("lost the scheduler's lock (its connection ended): standing by")
                    self._stand_by()
                stop.wait(self.poll)
        finally:
            if self.role == LEADER:
                self._stand_by()
            self._close()

    def _lead(self) -> None:
        self.role = LEADER
        if not self._sole:  # with one process, there is nothing to tell
            log.info("leading: this process runs the scheduler")
        try:
            self.on_gain()
        except Exception:
            log.exception("starting the scheduler failed; standing by")
            self._stand_by()

    def _stand_by(self) -> None:
        self.role = STANDBY
        try:
            self.on_loss()
        finally:
            self._close()

    def _acquire(self) -> bool:
        if self._sole:
            return True
        try:
            if self._connection is None:
                self._connection = self.engine.connect()
            got = self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            )
            # Not in a transaction: the lock is the session's, and a transaction left open
            # would hold back the database's vacuum.
            self._connection.commit()
        except Exception as error:
            log.warning("cannot ask for the scheduler's lock (%s); trying again", error)
            self._close()
            return False
        if not got and self.role == STANDBY:
            log.debug("another process leads; standing by")
        return bool(got)

    def _still_held(self) -> bool:
        if self._sole:
            return True
        if self._connection is None:
            return False
        try:
            held = self._connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid()"
                    " AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": LOCK_KEY},
            )
            self._connection.commit()
        except Exception:
            return False
        return bool(held)

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                # Closed for real, not returned to the pool: the lock goes with the session.
                connection.invalidate()
                connection.close()
            except Exception:
                log.debug("closing the lock's connection failed", exc_info=True)
