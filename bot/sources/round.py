"""The machinery of a round of polls: where its CPU work runs (`Workers`) and how its store
writes are gathered into few transactions (`RoundWriter`). The poller decides what the work
and the writes are."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.core.store import Store
from bot.sources.feeds import inline

log = logging.getLogger(__name__)
T = TypeVar("T")


class Workers:
    """Where a round's CPU work runs (parsing feeds, making entries ready, summarising new
    stories): on worker processes in a round of many feeds, so that it goes on while other
    feeds are fetched and stored and uses every core; on the event loop otherwise. Work
    that the pool can no longer take (a worker was killed) is done here instead, and the
    round goes on."""

    def __init__(self, pool: ProcessPoolExecutor | None) -> None:
        self.pool = pool

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        pool = self.pool
        if pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
            except BrokenProcessPool:
                # Every job waiting on the pool hears this; the first one says it.
                if self.pool is pool:
                    log.error("the worker processes stopped; the rest of the round runs here")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = None
        return await inline(function, *args)

    async def close(self) -> None:
        if self.pool is not None:
            await asyncio.to_thread(self.pool.shutdown, cancel_futures=True)


class RoundWriter:
    """The store writes of a round of polls: the polls that are waiting when the writer is
    free are written together, in one transaction (a savepoint each, so a poll whose write
    fails fails alone). A round of thousands of feeds then costs tens of commits, not
    thousands, and its writes never wait for each other's locks.

    On SQLite the writes run on the event loop's own thread, between fetches: in a worker
    thread each database call gives up the GIL and waits for the busy loop to hand it back,
    which made a sub-millisecond write cost several. A database server is different: there
    each statement is a round trip, and the loop would stand still while it waits, so the
    writes go to a thread and the loop fetches meanwhile."""

    # The most polls in one transaction: others (the scheduler, a chat's command) wait
    # their turn at SQLite's lock for no longer than these take.
    BATCH = 50

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._busy = False
        self._in_thread = store.engine.dialect.name != "sqlite"

    async def write(self, job: Callable[[], T]) -> T:
        """Run `job` (store calls) with the others waiting; its result, or its exception."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, future))
        if not self._busy:
            # This caller writes what is waiting, its own job first, until nothing is.
            self._busy = True
            await asyncio.sleep(0)  # polls ready in this turn of the loop join the batch
            try:
                while self._waiting:
                    batch = self._waiting[: self.BATCH]
                    del self._waiting[: self.BATCH]
                    await self._write(batch)
            finally:
                self._busy = False
        return await future

    async def _write(self, batch: list[tuple[Callable[[], Any], asyncio.Future[Any]]]) -> None:
        jobs = [job for job, _ in batch]
        try:
            if self._in_thread:
                outcomes = await asyncio.to_thread(self._run, jobs)
            else:
                outcomes = self._run(jobs)
        except Exception as error:  # the commit itself failed: every job in it did
            outcomes = [error] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _run(self, jobs: list[Callable[[], Any]]) -> list[Any]:
        outcomes: list[Any] = []
        with self.store.atomic():
            for job in jobs:
                try:
                    with self.store.atomic():
                        outcomes.append(job())
                except Exception as error:
                    outcomes.append(error)
        return outcomes
