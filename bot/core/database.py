"""Connecting to the database: the engine for a URL, and a sentence when it cannot be opened.

SQLite files get their folder, foreign keys, WAL and a busy timeout; PostgreSQL gets a
connection timeout, so that an unreachable server is an error within seconds, not minutes.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

# Seconds to wait for PostgreSQL to accept a connection.
CONNECT_TIMEOUT = 10


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened; the message says where and why, without a password."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args = {}
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise NotADirectoryError(
                errno.ENOTDIR, "a file stands where its folder should be", str(folder)
            ) from None
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        # Transactions are begun below, not by the driver.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode a commit need not wait for the disk: a crash of the bot loses nothing
        # committed, and a crash of the machine loses at most the last commits, never the
        # database's consistency. Each commit costs microseconds instead of an fsync.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Take the write lock up front: a transaction that reads, then writes, would
        # otherwise fail at once ("database is locked") when another process wrote in
        # between, instead of waiting its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def unavailable(url: str, error: Exception) -> DatabaseUnavailable:
    """The error to raise when `url` cannot be opened: the URL with its password hidden and
    the driver's own reason on one line (the reason never carries the password either)."""
    shown = make_url(url).render_as_string(hide_password=True)
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    if isinstance(cause, OSError) and cause.strerror:
        reason = f"{cause.strerror}: {cause.filename}" if cause.filename else cause.strerror
    else:
        reason = " ".join(str(cause).split())
    password = make_url(url).password
    if password:
        reason = reason.replace(str(password), "***")
    return DatabaseUnavailable(f"cannot open the database {shown}: {reason}")
