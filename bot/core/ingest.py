"""Ingest: files → parse → skip duplicates → store → summarise (cached).

A bad file is reported with its name and the reason, and the rest of the batch goes in.
Re-reading a folder is cheap: a file whose path, size and modification time are unchanged
is skipped before it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.documents import ACCEPTED_SUFFIXES, DocumentError, read_file
from bot.core.store import Store
from bot.core.summaries import summary_of
from summarizers import split_sentences

Progress = Callable[[int, int], None]


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
    for done, path in enumerate(files, start=1):
        _ingest_file(store, path, report, max_bytes=max_bytes, method=method, count=sentences)
        if progress:
            progress(done, len(files))
    return report


def _ingest_file(
    store: Store, path: Path, report: IngestReport, *, max_bytes: int, method: str, count: int
) -> None:
    name = str(path)
    try:
        stat = path.stat()
        key = str(path.resolve())
        if store.file_unchanged(key, stat.st_size, stat.st_mtime_ns):
            report.unchanged += 1
            return
        document = read_file(path, max_bytes=max_bytes)
    except DocumentError as error:
        report.rejected.append(Problem(name, str(error)))
        return
    except OSError as error:
        report.rejected.append(Problem(name, f"cannot be read: {error.strerror or error}"))
        return
    report.warnings.extend(Problem(name, warning) for warning in document.warnings)
    paragraphs = tuple(split_sentences(p) for p in document.paragraphs)
    if store.add_document(document, paragraphs):
        report.new.append(document.doc_id)
        stored = store.get_document(document.doc_id)
        if stored is not None:
            summary_of(store, stored, method, count)
    else:
        report.duplicate += 1
    store.remember_file(key, stat.st_size, stat.st_mtime_ns, document.doc_id)
