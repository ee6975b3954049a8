"""Ingest: files → parse → skip duplicates → store → summarise (cached).

A bad file is reported with its name and the reason, and the rest of the batch goes in.
Re-reading a folder is cheap: a file whose path, size and modification time are unchanged
is skipped before it is read. A large batch of new stories is summarised by a pool of
worker processes, which get plain sentences and send back plain sentences; only this
process touches the store.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import summarizers
from bot.core.documents import ACCEPTED_SUFFIXES, DocumentError, read_file
from bot.core.store import Store, StoredDocument
from bot.core.summaries import summary_of
from summarizers import split_sentences

Progress = Callable[[int, int], None]

# From this many files on, new stories are summarised in worker processes; below it, starting
# the workers costs more than it saves.
POOL_FROM = 50
POOL_WORKERS = 2


@dataclass(frozen=True)
class Problem:
    """A file and what is wrong with it."""

    name: str
    reason: str


@dataclass
class IngestReport:
    """What one ingest did."""

    new: list[str] = field(default_factory=list)
    unchanged: int = 0
    duplicate: int = 0
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary: new / unchanged / duplicate / rejected."""
        return (
            f"{len(self.new)} new, {self.unchanged} unchanged, "
            f"{self.duplicate} duplicate, {len(self.rejected)} rejected"
        )


def collect(paths: Iterable[Path], report: IngestReport) -> list[Path]:
    """The files to read: given files as they are, folders searched for .txt and .md files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in ACCEPTED_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            report.rejected.append(Problem(str(path), "no such file or folder"))
    return files


def ingest(
    store: Store,
    paths: Iterable[Path],
    *,
    max_bytes: int,
    method: str,
    sentences: int,
    progress: Progress | None = None,
) -> IngestReport:
    """Read every document under `paths` into the store and summarise the new ones."""
    report = IngestReport()
    files = collect(paths, report)
    pooled = len(files) >= POOL_FROM
    # A new story read for the pool counts as done once its summary is back.
    waiting: list[StoredDocument] = []
    for read, path in enumerate(files, start=1):
        stored = _ingest_file(store, path, report, max_bytes=max_bytes)
        if stored is not None and pooled:
            waiting.append(stored)
        elif stored is not None:
            summary_of(store, stored, method, sentences)
        if progress:
            progress(read - len(waiting), len(files))
    if waiting:
        _summarise_in_pool(store, waiting, method, sentences, progress, len(files))
    return report


def _summary(
    paragraphs: tuple[tuple[str, ...], ...], title: str, method: str, count: int
) -> tuple[str, ...]:
    """A worker's job: one summary from plain data."""
    article = summarizers.Article(paragraphs=paragraphs, title=title)
    return summarizers.get(method).summarize(article, count)


def _summarise_in_pool(
    store: Store,
    documents: list[StoredDocument],
    method: str,
    count: int,
    progress: Progress | None,
    total: int,
) -> None:
    # Fresh interpreters rather than forks: ingest also runs in the scheduler's threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=POOL_WORKERS, mp_context=context) as pool:
        jobs = {
            pool.submit(_summary, document.sentences, document.headline, method, count): document
            for document in documents
        }
        for done, job in enumerate(as_completed(jobs), start=total - len(documents) + 1):
            store.save_summary(jobs[job].id, method, count, job.result())
            if progress:
                progress(done, total)


def _ingest_file(
    store: Store, path: Path, report: IngestReport, *, max_bytes: int
) -> StoredDocument | None:
    """Read one file into the store; the stored document when it is a new story."""
    name = str(path)
    try:
        stat = path.stat()
        key = str(path.resolve())
        if store.file_unchanged(key, stat.st_size, stat.st_mtime_ns):
            report.unchanged += 1
            return None
        document = read_file(path, max_bytes=max_bytes)
    except DocumentError as error:
        report.rejected.append(Problem(name, str(error)))
        return None
    except OSError as error:
        report.rejected.append(Problem(name, f"cannot be read: {error.strerror or error}"))
        return None
    report.warnings.extend(Problem(name, warning) for warning in document.warnings)
    paragraphs = tuple(split_sentences(p) for p in document.paragraphs)
    stored = None
    if store.add_document(document, paragraphs):
        report.new.append(document.doc_id)
        stored = store.get_document(document.doc_id)
    else:
        report.duplicate += 1
    store.remember_file(key, stat.st_size, stat.st_mtime_ns, document.doc_id)
    return stored
