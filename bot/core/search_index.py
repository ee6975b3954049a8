"""The search index: the words of every stored document in a tantivy index on disk, where
search, topics and answers find their candidates, ranked by BM25.

The store stays the truth. The index knows each document by its number in `story_prints`
(the order documents were stored in, by any process) and reads the rows numbered after the
last it read; when first used it checks itself against the store and mends what differs
(documents stored while it was closed, or deleted); `rebuild` makes it anew. Several
processes may share its folder: each holds the writer only while it adds what it read, and a
document added twice is kept once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.models import DocumentRow, StoryPrintRow, chunks
from bot.core.terms import WORD
from bot.core.timestamps import as_utc

log = logging.getLogger(__name__)

TOKENIZER = "news"
# Bumped when the schema or the analyzer changes: an index of another version is rebuilt.
VERSION = 1
STATE = "newsdigest-index.json"
# Rows a process may commit under a lower number than one already read (PostgreSQL hands out
# numbers before commit); SQLite writes one transaction at a time.
_LOOK_BACK = {"sqlite": 0}
_DEFAULT_LOOK_BACK = 1000
_LOOK_BACK_EVERY = 5.0  # seconds
# Another process's commits are looked for at most this often (seconds).
_RELOAD_EVERY = 0.5
_WRITER_HEAP = 30_000_000
# From this many documents added at once, the writer indexes in several threads (the heap
# shared among them).
_MANY = 5_000
_MOST_THREADS = 2
_WRITER_WAIT = 30.0  # seconds another process may hold the writer before we give up
_READ_AT_ONCE = 500
_COMMIT_EVERY = 10_000

Progress = Callable[[int, int], None]


def _analyzer() -> tantivy.TextAnalyzer:
    """Words as `terms` finds them (letters and digits, an apostrophe inside a word),
    lower-cased and stemmed with the Snowball English stemmer."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORD.pattern))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


_ANALYZER = _analyzer()


def index_terms(text: str) -> list[str]:
    """The terms the index holds for `text`, in order."""
    return list(_ANALYZER.analyze(text))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("number", indexed=True, fast=True)
    builder.add_integer_field("story", fast=True)
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("ingested", indexed=True, fast=True)
    builder.add_text_field("headline", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("body", tokenizer_name=TOKENIZER, index_option="position")
    return builder.build()


SCHEMA = _schema()


def story_key(story_id: str) -> int:
    """A story's id as the index keeps it: 63 bits of its hash."""
    digest = hashlib.blake2b(story_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class Found:
    """A document the index found: its number, its story's key, its score and its day."""

    number: int
    story: int
    score: float
    day: int  # its publication date's ordinal


class SearchIndex:
    """The index in `folder` (a folder of its own, removed on close, when None)."""

    def __init__(self, folder: Path | None) -> None:
        self._temporary = folder is None
        # A temporary folder is made when the index is first used.
        self.folder = folder
        self._index: tantivy.Index | None = None
        self._read = 0  # the highest `story_prints` row read
        self._recent: set[int] = set()  # rows read within the look-back
        self._checked = False
        self._gone: set[int] = set()  # numbers of documents this process deleted
        self._reloaded = 0.0
        self._looked_back = 0.0
        self.lock = threading.Lock()

    # Reading the store

    def catch_up(self, session: Session, progress: Progress | None = None) -> None:
        """Bring the index up to date with the store: the first time, check it against the
        store; then add what was stored since and drop what was deleted."""
        with self.lock:
            index = self._open()
            if not self._checked:
                self._check(session, index, progress)
                self._recent = self._held_recently(session)
                self._checked = True
            else:
                self._add_new(session, index)
            if self._gone:
                self._drop_gone(session, index)
            now = time.monotonic()
            if now - self._reloaded > _RELOAD_EVERY:
                index.reload()
                self._reloaded = now

    def rebuild(self, session: Session, progress: Progress | None = None) -> int:
        """Index every stored document anew; how many."""
        with self.lock:
            index = self._open()
            numbers = list(session.scalars(select(StoryPrintRow.id).order_by(StoryPrintRow.id)))
            with self._writer(index, len(numbers)) as writer:
                writer.delete_all_documents()
                self._add(session, writer, numbers, progress)
            self._read = numbers[-1] if numbers else 0
            self._recent = self._held_recently(session)
            self._checked = True
            self._save_state()
            index.reload()
            return len(numbers)

    def forget(self, number: int) -> None:
        """Note that the document numbered `number` was deleted (it leaves the index at the
        next catch-up, if the store agrees)."""
        with self.lock:
            self._gone.add(number)

    def _check(self, session: Session, index: tantivy.Index, progress: Progress | None) -> None:
        count, last = session.execute(
            select(func.count(StoryPrintRow.id), func.max(StoryPrintRow.id))
        ).one()
        last = last or 0
        searcher = index.searcher()
        if searcher.num_docs == count and self._state().get("read") == last:
            self._read = last
            return
        stored = set(session.scalars(select(StoryPrintRow.id)))
        held = set(self._numbers(searcher))
        missing, extra = sorted(stored - held), sorted(held - stored)
        log.info(
            "search index: %d documents to add and %d to drop to match the store",
            len(missing),
            len(extra),
        )
        if missing or extra:
            with self._writer(index, len(missing)) as writer:
                for number in extra:
                    writer.delete_documents_by_term("number", number)
                self._add(session, writer, missing, progress)
        self._read = last
        self._save_state()
        index.reload()

    def _held_recently(self, session: Session) -> set[int]:
        """The rows within the look-back, all held once the index matches the store."""
        since = self._read - _look_back(session)
        return set(session.scalars(select(StoryPrintRow.id).where(StoryPrintRow.id > since)))

    def _add_new(self, session: Session, index: tantivy.Index) -> None:
        look_back = _look_back(session)
        if look_back:
            # Rows committed late under a lower number are looked for when new rows came,
            # or every few seconds: not a thousand rows read back at every search.
            top = session.scalar(select(func.max(StoryPrintRow.id))) or 0
            if top <= self._read and time.monotonic() - self._looked_back < _LOOK_BACK_EVERY:
                return
            self._looked_back = time.monotonic()
        listed = session.scalars(
            select(StoryPrintRow.id)
            .where(StoryPrintRow.id > self._read - look_back)
            .order_by(StoryPrintRow.id)
        ).all()
        fresh = [number for number in listed if number not in self._recent]
        if not fresh:
            return
        with self._writer(index, len(fresh)) as writer:
            self._add(session, writer, fresh, None)
        self._read = max(self._read, listed[-1])
        self._recent = {n for n in (*self._recent, *fresh) if n > self._read - look_back}
        self._save_state()
        index.reload()
        self._reloaded = time.monotonic()

    def _drop_gone(self, session: Session, index: tantivy.Index) -> None:
        gone, self._gone = self._gone, set()
        present = set(session.scalars(select(StoryPrintRow.id).where(StoryPrintRow.id.in_(gone))))
        dropped = gone - present
        if dropped:
            with self._writer(index) as writer:
                for number in dropped:
                    writer.delete_documents_by_term("number", number)
            index.reload()

    def _add(
        self,
        session: Session,
        writer: tantivy.IndexWriter,
        numbers: Sequence[int],
        progress: Progress | None,
    ) -> None:
        """Add the documents numbered `numbers` (each replacing any copy of it held)."""
        done = waiting = 0  # added, and added since the last commit
        for chunk in chunks(numbers, _READ_AT_ONCE):
            query = (
                select(
                    StoryPrintRow.id,
                    DocumentRow.id,
                    DocumentRow.story_id,
                    DocumentRow.published,
                    DocumentRow.ingested_at,
                    DocumentRow.headline,
                    DocumentRow.body,
                )
                .join(DocumentRow, DocumentRow.id == StoryPrintRow.document_id)
                .where(StoryPrintRow.id.in_(chunk))
            )
            for number, doc_id, story, published, ingested, headline, body in session.execute(
                query
            ):
                writer.delete_documents_by_term("number", number)
                writer.add_document(_document(number, story or doc_id, published, ingested,
                                              headline, body))  # fmt: skip
            done += len(chunk)
            waiting += len(chunk)
            if waiting >= _COMMIT_EVERY and done < len(numbers):
                writer.commit()  # the documents waiting to be indexed would fill memory
                waiting = 0
            if progress:
                progress(done, len(numbers))

    # Searching

    def search(
        self,
        query: tantivy.Query,
        limit: int,
        *,
        days: tuple[date | None, date | None] | None = None,
        ingested_after: datetime | None = None,
        numbers: Sequence[int] | None = None,
    ) -> list[Found]:
        """The best `limit` documents for `query`, best first; published within `days`
        (first, last; either open), stored after `ingested_after`, among `numbers`."""
        clauses = [(tantivy.Occur.Must, query)]
        if days is not None:
            first, last = days
            within = tantivy.Query.range_query(
                SCHEMA,
                "day",
                tantivy.FieldType.Integer,
                first.toordinal() if first else None,
                last.toordinal() if last else None,
            )
            clauses.append(_filter(within))
        if ingested_after is not None:
            after = tantivy.Query.range_query(
                SCHEMA,
                "ingested",
                tantivy.FieldType.Integer,
                _micros(ingested_after),
                None,
                include_lower=False,
            )
            clauses.append(_filter(after))
        if numbers is not None:
            if not numbers:
                return []
            clauses.append(_filter(tantivy.Query.term_set_query(SCHEMA, "number", list(numbers))))
        searcher = self._open().searcher()
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit, count=False)
        addresses = [address for _, address in result.hits]
        found = zip(
            searcher.fast_field_values("number", addresses),
            searcher.fast_field_values("story", addresses),
            (score for score, _ in result.hits),
            searcher.fast_field_values("day", addresses),
            strict=True,
        )
        return [
            Found(_whole(number), _whole(story), float(score), _whole(day))
            for number, story, score, day in found
        ]

    def document_frequency(self, term: str) -> int:
        """How many documents hold `term` in their text."""
        return int(self._open().searcher().doc_freq("body", term))

    def __len__(self) -> int:
        return int(self._open().searcher().num_docs)

    def close(self) -> None:
        self._index = None
        if self._temporary and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # The folder

    def _open(self) -> tantivy.Index:
        if self._index is not None:
            return self._index
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="newsdigest-search-"))
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        index = None
        if self._state().get("version") == VERSION and tantivy.Index.exists(str(folder)):
            try:
                index = tantivy.Index(SCHEMA, path=str(folder), reuse=True)
            except ValueError as error:
                log.warning("search index in %s unreadable (%s): made anew", folder, error)
        if index is None:
            # Another version's index, a broken one or none: made anew (the check fills it).
            for entry in folder.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            index = tantivy.Index(SCHEMA, path=str(folder), reuse=False)
            self._save_state(read=0)
        index.register_tokenizer(TOKENIZER, _ANALYZER)
        self._index = index
        return index

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads((self._place() / STATE).read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _save_state(self, read: int | None = None) -> None:
        """Note the version and the last row read, so that the next process to open the
        index can trust it without comparing every document."""
        state = {"version": VERSION, "read": self._read if read is None else read}
        temporary = self._place() / f".{STATE}.{os.getpid()}"
        temporary.write_text(json.dumps(state))
        temporary.replace(self._place() / STATE)

    def _place(self) -> Path:
        assert self.folder is not None, "the index is opened first"
        return self.folder

    @contextlib.contextmanager
    def _writer(self, index: tantivy.Index, adding: int = 0) -> Any:
        """The index's writer, waiting while another process holds it; committed and let go
        on leaving. Adding many documents, it indexes in a thread a processor."""
        threads = min(os.cpu_count() or 1, _MOST_THREADS) if adding >= _MANY else 1
        deadline = time.monotonic() + _WRITER_WAIT
        while True:
            try:
                writer = index.writer(heap_size=_WRITER_HEAP, num_threads=threads)
                break
            except ValueError as error:
                if "LockBusy" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()

    @staticmethod
    def _numbers(searcher: tantivy.Searcher) -> Iterable[int]:
        if not searcher.num_docs:
            return []
        result = searcher.search(tantivy.Query.all_query(), searcher.num_docs, count=False)
        values = searcher.fast_field_values("number", [address for _, address in result.hits])
        return [_whole(value) for value in values]


def _whole(value: float | bool | None) -> int:
    """An integer field's value as tantivy hands it over."""
    assert isinstance(value, int), value
    return value


def _look_back(session: Session) -> int:
    return _LOOK_BACK.get(session.get_bind().dialect.name, _DEFAULT_LOOK_BACK)


def _filter(query: tantivy.Query) -> tuple[tantivy.Occur, tantivy.Query]:
    """A condition that adds nothing to the score."""
    return tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)


def _document(
    number: int, story: str, published: date, ingested: datetime, headline: str, body: str
) -> tantivy.Document:
    return tantivy.Document(
        number=number,
        story=story_key(story),
        day=published.toordinal(),
        ingested=_micros(as_utc(ingested)),
        headline=headline,
        body=body,
    )
