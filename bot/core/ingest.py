"""Ingest: files → parse → skip duplicates → store → summarise (cached).

A bad file is reported with its name and the reason, and the rest of the batch goes in; so is
a link that leads nowhere or out of the folder, and a folder that cannot be read. Re-reading a
folder is cheap: a file whose path, size and modification time are unchanged is skipped
before it is read, and a file that was edited replaces the document it held. In a large
batch, worker processes (`workers`) read, parse and fingerprint the files and summarise the
new stories; only this process touches the store.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from bot.core.document_store import Prints, Sentences, document_values
from bot.core.documents import (
    ACCEPTED_SUFFIXES,
    Document,
    DocumentError,
    paragraph_sentences,
    path_text,
    read_file,
)
from bot.core.store import Store, StoredDocument, now
from bot.core.story_store import new_document
from bot.core.summaries import summary_of
from bot.core.workers import Progress, summarise_in_pool, worker_pool

# From this many files on, new stories are summarised in worker processes; below it, starting
# the workers costs more than it saves.
POOL_FROM = 50
# Files of a large ingest are stored this many to a transaction.
READ_BATCH = 100
# A date this far ahead of the day of reading is a mistake, not a time zone.
_FUTURE_SLACK = timedelta(days=1)
# The longest path the store keeps as a file's key (its column's width).
_KEY_CHARS = 1000


@dataclass(frozen=True)
class Problem:
    """A file and what is wrong with it."""

    name: str
    reason: str


@dataclass
class IngestReport:
    """What one ingest did."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    duplicate: int = 0
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary: new / (updated) / unchanged / duplicate / rejected."""
        updated = f"{len(self.updated)} updated, " if self.updated else ""
        return (
            f"{len(self.new)} new, {updated}{self.unchanged} unchanged, "
            f"{self.duplicate} duplicate, {len(self.rejected)} rejected"
        )

    @property
    def nothing_stored(self) -> bool:
        """True when something was given but nothing of it is in the store: every file was
        rejected. (Files stored before, unchanged or as copies, count as stored.)"""
        stored = len(self.new) + len(self.updated) + self.unchanged + self.duplicate
        return bool(self.rejected) and not stored


def _cannot_read(error: OSError) -> str:
    """Why a file or folder could not be read, as a sentence: `cannot be read: permission
    denied`."""
    reason = error.strerror or (os.strerror(error.errno) if error.errno else "unknown error")
    return f"cannot be read: {reason[:1].lower()}{reason[1:]}"


def collect(
    paths: Iterable[Path], report: IngestReport, *, follow_outside_links: bool = False
) -> list[Path]:
    """The files to read: given files as they are, folders searched for .txt and .md files.

    What cannot be read is reported, not skipped in silence: a folder without permission, a
    link that leads nowhere or round in a circle, and (unless `follow_outside_links`) a link
    that leads out of the folder it is in.
    """
    files: list[Path] = []
    for path in paths:
        try:
            if path.is_dir():
                files.extend(_walk(path, report, follow_outside_links=follow_outside_links))
            elif path.is_file():
                files.append(path)
            else:
                report.rejected.append(Problem(path_text(path), _not_a_file(path)))
        except OSError as error:
            report.rejected.append(Problem(path_text(path), _cannot_read(error)))
    return files


def _walk(folder: Path, report: IngestReport, *, follow_outside_links: bool) -> list[Path]:
    """The .txt and .md files under `folder`, hidden ones and links to folders left out."""
    root = folder.resolve()
    found: list[Path] = []

    def unreadable(error: OSError) -> None:
        name = path_text(error.filename) if error.filename else path_text(folder)
        report.rejected.append(Problem(name, _cannot_read(error)))

    for parent, folders, names in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            path = Path(parent, name)
            if name.startswith(".") or path.suffix.lower() not in ACCEPTED_SUFFIXES:
                continue
            try:
                problem = _link_problem(path, root, follow_outside_links=follow_outside_links)
                if problem is None and not path.is_file():
                    problem = "not a regular file"
            except OSError as error:  # a folder that may be listed but not entered
                problem = _cannot_read(error)
            if problem is None:
                found.append(path)
            else:
                report.rejected.append(Problem(path_text(path), problem))
    return sorted(found)


def _link_problem(path: Path, root: Path, *, follow_outside_links: bool) -> str | None:
    """What is wrong with `path` as a link: it leads nowhere, in a circle, or out of `root`."""
    if not path.is_symlink():
        return None
    try:
        target = path_text(os.readlink(path))
    except OSError as error:
        return _cannot_read(error)
    try:
        path.stat()
    except OSError as error:
        if error.errno == errno.ENOENT:
            return f"a broken link: {target} does not exist"
        if error.errno == errno.ELOOP:
            return "a link that leads round in a circle, to no file"
        return _cannot_read(error)
    if not follow_outside_links and not path.resolve().is_relative_to(root):
        return (
            f"a link to {target}, outside the folder; such links are not followed "
            "(set NEWSDIGEST_FOLLOW_OUTSIDE_LINKS=1 to follow them)"
        )
    return None


def _not_a_file(path: Path) -> str:
    """Why a path given by name is neither a file nor a folder."""
    problem = _link_problem(path, path.parent, follow_outside_links=True)
    if problem is not None:
        return problem
    return "not a regular file" if path.exists() else "no such file or folder"


def ingest(
    store: Store,
    paths: Iterable[Path],
    *,
    max_bytes: int,
    method: str,
    sentences: int,
    progress: Progress | None = None,
    follow_outside_links: bool = False,
) -> IngestReport:
    """Read every document under `paths` into the store, summarise the new ones and make
    them searchable."""
    report = IngestReport()
    files = collect(paths, report, follow_outside_links=follow_outside_links)
    today = now().date()
    if len(files) >= POOL_FROM:
        # The workers read and fingerprint a batch of files while the one before is stored (a
        # transaction a batch), and summarise each batch's new stories: nothing holds every
        # document at once. The names wait as text, a quarter of the memory of paths.
        names = [str(path) for path in files]
        del files
        with worker_pool() as pool:
            batches = _stored_batches(store, names, report, pool, max_bytes=max_bytes,
                                      today=today, progress=progress)  # fmt: skip
            summarise_in_pool(store, batches, method, sentences, pool=pool)
    else:
        for read, path in enumerate(files, start=1):
            with store.atomic():  # the file's document and the note it was read: both or none
                stored = _ingest_file(store, path, report, max_bytes=max_bytes, today=today)
            if stored is not None:
                summary_of(store, stored, method, sentences)
            if progress:
                progress(read, len(files))
    if report.new or report.updated:
        store.update_index()  # searchable from now, rather than at the first search
    return report


def _stored_batches(
    store: Store,
    names: Sequence[str],
    report: IngestReport,
    pool: ProcessPoolExecutor,
    *,
    max_bytes: int,
    today: date,
    progress: Progress | None,
) -> Iterator[list[StoredDocument]]:
    """Read the files `names` into the store, `READ_BATCH` to a transaction (their documents
    and the notes that they were read: all or none); the new stories of each batch. The
    workers read each batch while the one before is stored."""
    batches = [names[start : start + READ_BATCH] for start in range(0, len(names), READ_BATCH)]

    def hand_out(batch: Sequence[str]) -> tuple[dict[Path, _Seen], Future[list[_Read]]]:
        seen = _seen_files(store, [Path(name) for name in batch], report)
        changed = [path for path, found in seen.items() if not found.unchanged]
        return seen, pool.submit(read_files, changed, max_bytes, today)

    pending = hand_out(batches[0]) if batches else None
    done = 0
    for number, batch in enumerate(batches):
        assert pending is not None
        seen, job = pending
        if number + 1 < len(batches):
            pending = hand_out(batches[number + 1])
        with store.atomic():
            stored = _store_reads(store, job.result(), seen, report)
        yield stored
        done += len(batch)
        if progress:
            progress(done, len(names))


@dataclass(frozen=True)
class _Seen:
    """A file as the store knows it: its key, size and time, the document it held when last
    read, and whether it is unchanged since."""

    key: str
    size: int
    mtime_ns: int
    previous: str | None
    unchanged: bool


def _seen_files(store: Store, paths: Sequence[Path], report: IngestReport) -> dict[Path, _Seen]:
    """What the store knows of each of `paths` (one query); unchanged files are counted,
    files that cannot be looked at rejected."""
    stats = {}
    for path in paths:
        try:
            stats[path] = (_file_key(path), path.stat())
        except OSError as error:
            report.rejected.append(Problem(path_text(path), _cannot_read(error)))
    records = store.file_records([key for key, _ in stats.values()])
    seen = {}
    for path, (key, stat) in stats.items():
        size, mtime, previous = records.get(key, (-1, -1, None))
        unchanged = (size, mtime) == (stat.st_size, stat.st_mtime_ns)
        report.unchanged += unchanged
        seen[path] = _Seen(key, stat.st_size, stat.st_mtime_ns, previous, unchanged)
    return seen


@dataclass(frozen=True)
class _Read:
    """A file as read: its document with its sentences and prints, or why it was refused."""

    path: Path
    document: Document | None = None
    paragraphs: Sentences = ()
    prints: Prints | None = None
    problem: str = ""


def read_files(paths: Sequence[Path], max_bytes: int, today: date) -> list[_Read]:
    """A worker's job: read, parse and fingerprint files (the CPU work of storing them)."""
    return [_read_one(path, max_bytes, today, prints=True) for path in paths]


def _read_one(path: Path, max_bytes: int, today: date, *, prints: bool) -> _Read:
    try:
        document = _not_in_future(read_file(path, max_bytes=max_bytes), today)
    except DocumentError as error:
        return _Read(path, problem=str(error))
    except OSError as error:
        return _Read(path, problem=_cannot_read(error))
    paragraphs = tuple(paragraph_sentences(p) for p in document.paragraphs)
    if not prints:
        return _Read(path, document, paragraphs)
    new = new_document(document_values(document, paragraphs, now()))
    new.print_.band_keys  # made here, they travel with the fingerprint  # noqa: B018
    return _Read(path, document, paragraphs, (new.print_, new.event))


def _file_key(path: Path) -> str:
    """The key the store remembers a file by: its real path, as text that fits the column."""
    text = path_text(path.resolve())
    if len(text) <= _KEY_CHARS:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{text[: _KEY_CHARS - len(digest) - 1]}…{digest}"


def _not_in_future(document: Document, today: date) -> Document:
    """The document, dated `today` if its date is later than tomorrow (with a warning): a
    story from the future would top every digest until that day came."""
    if document.published <= today + _FUTURE_SLACK:
        return document
    warning = f"dated {document.published}, in the future; dated {today}, the day it was read"
    return replace(document, published=today, warnings=(*document.warnings, warning))


def _ingest_file(
    store: Store, path: Path, report: IngestReport, *, max_bytes: int, today: date
) -> StoredDocument | None:
    """Read one file into the store; the stored document when it is a new story (or a new
    version of one)."""
    seen = _seen_files(store, [path], report).get(path)
    if seen is None or seen.unchanged:
        return None
    read = _read_one(path, max_bytes, today, prints=False)
    return next(iter(_store_reads(store, [read], {path: seen}, report)), None)


def _store_reads(
    store: Store, reads: Sequence[_Read], seen: dict[Path, _Seen], report: IngestReport
) -> list[StoredDocument]:
    """Store files as read (or report why each was refused): an edited file's document in
    the place of the one it held, the others added at once; the new stories (and new
    versions) among them."""
    stored: list[StoredDocument] = []
    adding: list[tuple[Document, Sentences, Prints | None]] = []
    files = []
    for read in reads:
        document = read.document
        name = path_text(read.path)
        if document is None:
            report.rejected.append(Problem(name, read.problem))
            continue
        report.warnings.extend(Problem(name, warning) for warning in document.warnings)
        found = seen[read.path]
        if found.previous is not None and store.replace_document(
            found.previous, document, read.paragraphs, read.prints
        ):
            report.updated.append(document.doc_id)
            if (replaced := store.get_document(document.doc_id)) is not None:
                stored.append(replaced)
        else:
            adding.append((document, read.paragraphs, read.prints))
        files.append((found.key, found.size, found.mtime_ns, document.doc_id))
    for added_one in store.add_documents(adding):
        if added_one is None:
            report.duplicate += 1
        else:
            report.new.append(added_one.id)
            stored.append(added_one)
    store.remember_files(files)
    return stored


def summarise(
    store: Store, doc_ids: Sequence[str], method: str, count: int, *, batch: int = 2000
) -> None:
    """Summarise stored documents that came from elsewhere (a feed poll): in the process pool
    when there are many, read `batch` at a time so that memory stays bounded however many
    there are; here when there are few."""
    if len(doc_ids) < POOL_FROM:
        for document in store.get_documents(doc_ids).values():
            summary_of(store, document, method, count)
        return
    batches = (
        list(store.get_documents(doc_ids[start : start + batch]).values())
        for start in range(0, len(doc_ids), batch)
    )
    summarise_in_pool(store, batches, method, count)
