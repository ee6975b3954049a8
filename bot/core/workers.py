"""Worker processes for the CPU work of a large batch: summarising (an ingest's, a feed
poll's), and whatever else a batch hands them (reading files, parsing feeds). Fresh
interpreters, which end when the process that started them ends; they get plain data and
send back plain data, and only the starting process touches the store."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import nullcontext

import summarizers
from bot.core.document_store import Sentences
from bot.core.store import Store, StoredDocument

Progress = Callable[[int, int], None]

POOL_WORKERS = 2
# Summaries from the pool are saved this many to a transaction.
SAVE_BATCH = 100
# prctl(2): the signal a process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


def _summary(
    paragraphs: tuple[tuple[str, ...], ...], title: str, method: str, count: int
) -> tuple[str, ...]:
    """A worker's job: one summary from plain data."""
    article = summarizers.Article(paragraphs=paragraphs, title=title)
    return summarizers.get(method).summarize(article, count)


def summarise_many(
    jobs: Sequence[tuple[str, Sentences, str]], method: str, count: int
) -> list[tuple[str, tuple[str, ...]]]:
    """A worker's job: the summaries of several stories, each (id, sentences, headline)."""
    return [
        (doc_id, _summary(sentences, title, method, count)) for doc_id, sentences, title in jobs
    ]


def worker_pool() -> ProcessPoolExecutor:
    """Worker processes for the CPU work of a large batch (summarising; a poll round's
    parsing too). Fresh interpreters rather than forks, since this also runs in the
    scheduler's threads; each ends when this process does."""
    return ProcessPoolExecutor(
        max_workers=POOL_WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def _die_with_parent(parent: int) -> None:
    """A worker's first act: to end when the process that started it ends, even killed with
    SIGKILL, rather than wait for work forever (and keep the resource tracker alive too)."""
    if sys.platform == "linux":
        # The kernel sends the signal when the thread that started the worker ends: the one
        # that runs the pool's `with` block, which outlives the pool.
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it went before the line above
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def summarise_in_pool(
    store: Store,
    batches: Iterable[Sequence[StoredDocument]],
    method: str,
    count: int,
    progress: Progress | None = None,
    *,
    done: int = 0,
    total: int = 0,
    pool: ProcessPoolExecutor | None = None,
) -> None:
    """Summarise `batches` of documents in worker processes, one pool for all of them; the
    next batch is handed out before the last one's summaries are collected, so the workers
    never wait. Summaries are saved `SAVE_BATCH` to a transaction; `progress` hears of them
    counted on from `done`."""
    finished: list[tuple[str, tuple[str, ...]]] = []

    def collect(jobs: dict[Future[tuple[str, ...]], str]) -> None:
        for job in as_completed(jobs):
            finished.append((jobs[job], job.result()))
            if len(finished) == SAVE_BATCH:
                save()

    def save() -> None:
        nonlocal done
        store.save_summaries(method, count, finished)
        done += len(finished)
        finished.clear()
        if progress:
            progress(done, total)

    with nullcontext(pool) if pool is not None else worker_pool() as workers:
        handed_out: dict[Future[tuple[str, ...]], str] = {}
        for batch in batches:
            jobs = {
                workers.submit(_summary, doc.sentences, doc.headline, method, count): doc.id
                for doc in batch
            }
            collect(handed_out)
            handed_out = jobs
        collect(handed_out)
        save()
