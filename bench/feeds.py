"""Polling many feeds at once, as the scheduler's poll does: wall time, feeds a second and
peak memory of a first poll (every entry new: fetched, parsed, stored and summarised) and of
a second poll (most feeds unchanged), with the first poll's articles a second as a ratio to
`ingest` of the same texts as files, measured in the same process.

    python bench/feeds.py [--feeds 2000] [--entries 20] [--database URL] [--method news]

The feeds are RSS 2.0 with full-text entries (2-5 KB of news each, as HTML, with guid, link
and pubDate), served gzipped by a threaded HTTP server on 127.0.0.1 in a process of its own,
so that this process is the bot alone; a new connection a feed, as 2,000 feeds on as many
hosts would need. The texts are the articles of seeds/ and, where they are present, those of
the evaluation sets beside the checkout (../shared/eval, or NEWSDIGEST_EVAL_DIR); each entry
takes its sentences from five of them in turn and adds a sentence naming its feed and
number, so no two entries are the same story (copies would be merged into one). On the
second poll nine feeds in ten answer 304 to their ETag and the tenth has two new entries.

The baseline is `ingest` of the first poll's entries written as seed-format files, into a
store of its own: the same reading, storing and summarising, from disk instead of HTTP. CPU
is the machine's less the feed server's: the bot, its worker processes and, on PostgreSQL,
the database server (run it on a quiet machine). Peak memory is this process's (ru_maxrss);
the worker processes are reported apart (the largest of them). With --database, a PostgreSQL
server: the benchmark makes two throw-away databases there (poll, baseline) and drops them at
the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

import summarizers
from bot.core import ingest as ingest_module
from bot.core import workers as worker_processes
from bot.core.documents import DocumentError, read_file
from bot.core.feed_store import CLI
from bot.core.models import DocumentRow
from bot.core.store import Store
from bot.sources.feeds import PollOptions
from bot.sources.poller import PollReport, PollSettings, poll_feeds
from summarizers.evaluate import read_dataset
from summarizers.tokenize import split_sentences

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
EVAL_DIR = Path(os.environ.get("NEWSDIGEST_EVAL_DIR", REPO.parent / "shared" / "eval"))
EVAL_SETS = ("bbc", "cnndm-dev")
# Entries of realistic size: shorter or longer articles are left out.
TEXT_BYTES = (2_000, 5_000)
FIRST_POLL = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
SECOND_POLL = FIRST_POLL + timedelta(minutes=15)
CHANGED_EVERY = 10  # one feed in ten has news by the second poll...
NEW_ENTRIES = 2  # ...this many entries
SENTENCES = 3
GOAL_SECOND_POLL = 20.0  # seconds, for 2,000 feeds
GOAL_RSS_MB = 300.0
# A round bounded by its CPU work, not by waiting for the network, a lock or itself.
GOAL_CORES_BUSY = 0.8


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]


def load_texts() -> tuple[list[Text], str]:
    """The news texts entries are made of, and a line saying where they come from."""
    texts: list[Text] = []
    for path in sorted(SEEDS.glob("*.txt")):
        try:
            document = read_file(path, max_bytes=1_000_000)
        except DocumentError:
            continue
        texts.append(Text(document.headline, document.paragraphs))
    found = [f"{len(texts)} seeds"]
    for name in EVAL_SETS:
        folder = EVAL_DIR / name
        if not folder.is_dir():
            continue
        articles = [
            # CNN/DM articles have no title: their first words stand for one.
            Text(e.title or " ".join(e.paragraphs[0].split()[:10]), e.paragraphs)
            for e in read_dataset(folder)
            if e.paragraphs
        ]
        texts.extend(articles)
        found.append(f"{len(articles)} from {name}")
    if len(found) == 1:
        found.append(f"no evaluation data at {EVAL_DIR}")
    low, high = TEXT_BYTES
    sized = [t for t in texts if low <= len("\n\n".join(t.paragraphs).encode()) <= high]
    return sized or texts, f"{len(sized or texts)} articles of 2-5 KB ({', '.join(found)})"


def entry(texts: list[Text], feed: int, number: int) -> Text:
    """Entry `number` of `feed`: a story of its own, as long as an article, made of the
    sentences of five articles in turn, three to a paragraph (two entries seldom share an
    article in the same turn, and then a fifth of their text: not near-duplicates, which
    would be merged into one story), with a sentence naming it."""
    five = random.Random(feed * 1_000_003 + number).sample(texts, 5)
    split = [[s for p in t.paragraphs for s in split_sentences(p)] for t in five]
    sentences = [
        (split[k % 5] if k < len(split[k % 5]) else split[0])[k] for k in range(len(split[0]))
    ]
    paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    line = f"This report went out on feed {feed} as its entry number {number}."
    return Text(five[0].title, (*paragraphs, line))


def entry_numbers(feed: int, entries: int, second: bool) -> list[int]:
    """The entries a feed lists, newest first: on the second poll a changed feed lists its
    new ones first and drops as many of the oldest."""
    numbers = list(range(entries))
    if second and feed % CHANGED_EVERY == 0:
        numbers = [entries + k for k in reversed(range(NEW_ENTRIES))] + numbers
    return numbers[:entries]


def published(number: int, entries: int) -> datetime:
    """Older entries an hour apart before the first poll; new ones minutes before the second."""
    if number < entries:
        return FIRST_POLL - timedelta(hours=number + 1)
    return SECOND_POLL - timedelta(minutes=number - entries + 1)


def rss(texts: list[Text], feed: int, entries: int, second: bool) -> bytes:
    items = []
    for number in entry_numbers(feed, entries, second):
        text = entry(texts, feed, number)
        html = "".join(f"<p>{escape(p)}</p>" for p in text.paragraphs)
        link = f"https://news{feed}.example/2026/03/story-{number}.html"
        items.append(
            f"<item><title>{escape(text.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="false">feed-{feed}-entry-{number}</guid>'
            f"<pubDate>{format_datetime(published(number, entries), usegmt=True)}</pubDate>"
            f"<description>{escape(html)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Daily News {feed}</title><link>https://news{feed}.example/</link>"
        f"<description>Every story of the day</description>{''.join(items)}</channel></rss>"
    ).encode()


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        found = self.server.feeds.get(self.path)
        if found is None:
            self.send_error(404)
            return
        etag, body = found
        if self.headers.get("If-None-Match") == etag:
            self.server.count("304")
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.server.count("200")
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            body = gzip.decompress(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    # The bot opens `feeds_at_once` connections together; the default backlog of 5 would
    # drop some, and each dropped one waits a second for its retry.
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        # path → (ETag, gzipped body)
        self.feeds: dict[str, tuple[str, bytes]] = {}
        self.answers = {"200": 0, "304": 0}

    def count(self, status: str) -> None:
        self.answers[status] += 1  # one statement under the GIL: no lock needed


def serve_feeds(feeds: int, entries: int, pipe: Connection) -> None:
    """The feed server, in a process of its own: its URL and the feeds' sizes first; then,
    asked "second", the feeds as they are at the second poll; asked "stop", its answers."""
    texts, source = load_texts()
    server = FeedServer()
    raw = 0

    def publish(second: bool) -> None:
        nonlocal raw
        for feed in range(feeds):
            if second and feed % CHANGED_EVERY:
                continue
            body = rss(texts, feed, entries, second)
            if not second:
                raw += len(body)
            etag = f'"{feed}-{"b" if second else "a"}"'
            server.feeds[f"/feed/{feed}.xml"] = (etag, gzip.compress(body, 6))

    publish(False)
    zipped = sum(len(body) for _, body in server.feeds.values())
    serving = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    serving.start()
    host, port = server.server_address[:2]
    pipe.send((f"http://{host!s}:{port}", source, raw / feeds, zipped / feeds))
    while (asked := pipe.recv()) != "stop":
        if asked == "second":
            publish(True)
            pipe.send("ready")
    server.shutdown()
    server.server_close()
    pipe.send(dict(server.answers))


def write_files(folder: Path, feeds: int, entries: int) -> int:
    """The first poll's entries as seed-format files: the date line, the title, the text."""
    texts, _ = load_texts()
    day = FIRST_POLL.date().isoformat()
    for feed in range(feeds):
        for number in range(entries):
            text = entry(texts, feed, number)
            body = "\n\n".join(text.paragraphs)
            path = folder / f"{feed:05d}_{number:03d}.txt"
            path.write_text(f"date {day}\n{text.title}\n\n{body}\n", encoding="utf-8")
    return feeds * entries


def cpu_seconds(server: int) -> float:
    """CPU time of the machine, less that of the feed server (process `server`): the bot, its
    worker processes and, on PostgreSQL, the database server, which does part of the work.
    (The machine is otherwise quiet while this runs.) Where /proc is missing, this process
    and its ended children only."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return sum(
            usage.ru_utime + usage.ru_stime
            for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        )
    tick = os.sysconf("SC_CLK_TCK")
    fields = stat.read_text().split("\n", 1)[0].split()[1:]
    # user, nice, system, idle, iowait, irq, softirq, steal: all but idle and iowait
    busy = sum(int(fields[k]) for k in (0, 1, 2, 5, 6, 7)) / tick
    serving = _read(Path(f"/proc/{server}/stat")).rsplit(")", 1)[-1].split()
    served = (int(serving[11]) + int(serving[12])) / tick if len(serving) > 12 else 0.0
    return busy - served


def summarising_alone(store: Store, method: str, server: int) -> tuple[float, float]:
    """Wall and CPU seconds to summarise every stored story on the worker processes, a feed's
    worth of stories a job as a round hands them out, with nothing else to do: the least a
    round that summarises them can take."""
    with store.engine.connect() as connection:
        doc_ids = list(connection.scalars(select(DocumentRow.id)))
    jobs = []
    for start in range(0, len(doc_ids), 2_000):
        for document in store.get_documents(doc_ids[start : start + 2_000]).values():
            jobs.append((document.id, document.sentences, document.headline))
    cpu, started = cpu_seconds(server), time.perf_counter()
    with worker_processes.worker_pool() as pool:
        done = [
            pool.submit(worker_processes.summarise_many, jobs[at : at + 20], method, SENTENCES)
            for at in range(0, len(jobs), 20)
        ]
        summarised = sum(len(job.result()) for job in done)
    assert summarised == len(jobs)
    return time.perf_counter() - started, cpu_seconds(server) - cpu


def peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class WorkerMemory:
    """The largest peak resident memory of this process's summarising workers, in MB, read
    from /proc while they run (Linux only; 0 elsewhere). RUSAGE_CHILDREN would not do: Linux
    carries a child's peak over from before its exec, so a worker started by a large process
    would report at least that process's size."""

    def __init__(self, ignore: set[int]) -> None:
        self.peak = 0.0
        self._ignore = ignore
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        tasks = Path("/proc/self/task")
        while not self._stop.wait(0.25):
            with suppress(OSError):
                children = {
                    int(pid) for t in tasks.iterdir() for pid in _read(t / "children").split()
                }
                for pid in children - self._ignore:
                    for line in _read(Path(f"/proc/{pid}/status")).splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak = max(self.peak, int(line.split()[1]) / 1024)


def _tracker() -> list[int]:
    """multiprocessing's resource tracker, a child too but no worker."""
    from multiprocessing import resource_tracker

    pid = getattr(resource_tracker._resource_tracker, "_pid", None)
    return [pid] if pid else []


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@contextmanager
def databases(server: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """URLs of two empty stores (poll, baseline): SQLite files, or throw-away PostgreSQL
    databases on `server`, dropped afterwards."""
    if server is None:
        yield f"sqlite:///{folder / 'poll.db'}", f"sqlite:///{folder / 'ingest.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"newsdigest_bench_{uuid.uuid4().hex[:8]}_{role}" for role in ("poll", "ingest")]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(server)
    try:
        poll_url, ingest_url = (
            base.set(database=name).render_as_string(hide_password=False) for name in names
        )
        yield poll_url, ingest_url
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Round:
    name: str
    feeds: int
    wall: float
    cpu: float
    report: PollReport | None
    articles: int

    @property
    def cores_busy(self) -> float:
        return self.cpu / self.wall / (os.cpu_count() or 1)


def poll_round(name: str, store: Store, settings: PollSettings, at: datetime, server: int) -> Round:
    """One poll of every stored feed, as the scheduler's would be, timed."""
    feeds = store.feeds()
    cpu, start = cpu_seconds(server), time.perf_counter()
    report = asyncio.run(poll_feeds(store, feeds, settings, at=at))
    wall = time.perf_counter() - start
    return Round(name, len(feeds), wall, cpu_seconds(server) - cpu, report, len(report.new))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2_000)
    parser.add_argument("--entries", type=int, default=20, help="entries in each feed")
    parser.add_argument(
        "--database",
        help="a PostgreSQL server's SQLAlchemy URL (default: SQLite files in a new folder)",
    )
    parser.add_argument("--method", default=summarizers.DEFAULT, choices=summarizers.names())
    parser.add_argument(
        "--at-once", type=int, default=PollSettings().feeds_at_once, help="feeds fetched at once"
    )
    args = parser.parse_args()

    pipe, child_pipe = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_feeds, args=(args.feeds, args.entries, child_pipe)
    )
    server.start()
    feed_server = server.pid or 0
    base, source, raw_size, zipped_size = pipe.recv()
    folder = Path(tempfile.mkdtemp(prefix="newsdigest-feeds-"))
    settings = PollSettings(
        options=PollOptions(allow_private=True),
        feeds_at_once=args.at_once,
        method=args.method,
        sentences=SENTENCES,
    )
    changed = len(range(0, args.feeds, CHANGED_EVERY))
    rounds: list[Round] = []
    workers = WorkerMemory({server.pid or 0, *_tracker()})
    with workers, databases(args.database, folder) as (poll_url, ingest_url):
        store = Store.open(poll_url)
        for feed in range(args.feeds):
            url = f"{base}/feed/{feed}.xml"
            store.add_feed(url, f"Daily News {feed}", origin=CLI, added_at=FIRST_POLL)
        rounds.append(poll_round("first poll", store, settings, FIRST_POLL, feed_server))
        first = rounds[-1].report
        after_first = peak_mb()
        pipe.send("second")
        pipe.recv()
        rounds.append(poll_round("second poll", store, settings, SECOND_POLL, feed_server))
        second = rounds[-1].report
        after_second = peak_mb()
        pipe.send("stop")
        answers = pipe.recv()
        server.join(10)
        stored = store.count_documents()
        poll_workers = workers.peak
        alone_wall, alone_cpu = summarising_alone(store, args.method, feed_server)
        store.close()

        files = folder / "files"
        files.mkdir()
        written = write_files(files, args.feeds, args.entries)
        baseline = Store.open(ingest_url)
        cpu, start = cpu_seconds(feed_server), time.perf_counter()
        ingested = ingest_module.ingest(
            baseline, [files], max_bytes=2_000_000, method=args.method, sentences=SENTENCES
        )
        wall = time.perf_counter() - start
        baseline.close()
        rounds.append(
            Round(
                "ingest (files)",
                0,
                wall,
                cpu_seconds(feed_server) - cpu,
                None,
                len(ingested.new),
            )
        )
    shutil.rmtree(folder, ignore_errors=True)
    assert first is not None and second is not None

    store_name = "PostgreSQL" if args.database else "SQLite"
    print(
        f"{args.feeds} feeds × {args.entries} entries: {raw_size / 1000:.0f} kB of RSS a feed "
        f"({zipped_size / 1000:.0f} kB gzipped), {raw_size / args.entries / 1000:.1f} kB an entry"
    )
    print(f"texts: {source}")
    print(
        f"store: {store_name}   summarizer: {args.method}   feeds at once: {args.at_once}   "
        f"CPUs: {os.cpu_count()}"
    )
    print()
    print(
        f"{'':<15} {'wall':>8} {'feeds/s':>8} {'articles':>9} {'articles/s':>11} "
        f"{'CPU':>8} {'cores busy':>11} {'304s':>6} {'failed':>7}"
    )
    for run, report in zip(rounds, (first, second, None), strict=True):
        feeds_per_second = f"{run.feeds / run.wall:.1f}" if run.feeds else "–"
        print(
            f"{run.name:<15} {run.wall:>7.1f}s {feeds_per_second:>8} {run.articles:>9} "
            f"{run.articles / run.wall:>11.0f} {run.cpu:>7.1f}s {run.cores_busy:>11.0%} "
            f"{report.not_modified if report else '–':>6} "
            f"{len(report.failed) if report else len(ingested.rejected):>7}"
        )
    print(
        f"summarising the first poll's {rounds[0].articles} stories alone: {alone_wall:.1f} s "
        f"({alone_cpu:.1f} s CPU, {alone_cpu / rounds[0].cpu:.0%} of the first poll's)"
    )
    print()
    poll_rate = rounds[0].articles / rounds[0].wall
    ingest_rate = rounds[2].articles / rounds[2].wall
    ratio = poll_rate / ingest_rate
    print(f"ratio first poll ÷ ingest, articles/s: {ratio:.2f}")
    print(
        f"server answered {answers['200']} × 200 and {answers['304']} × 304; "
        f"stories stored by the polls: {stored}; files ingested: {written}"
    )
    print(
        f"peak RSS: this process {after_first:.0f} MB after the first poll, "
        f"{after_second:.0f} MB after the second; largest summarising worker "
        f"{poll_workers:.0f} MB in the polls, {workers.peak:.0f} MB with ingest"
    )

    expected_new = args.feeds * args.entries
    complete = (
        len(first.new) == expected_new
        and not first.failed
        and second.not_modified == args.feeds - changed
        and len(second.new) == changed * NEW_ENTRIES
        and not second.failed
    )
    goal_seconds = GOAL_SECOND_POLL * args.feeds / 2_000
    rss = max(after_first, after_second)
    print()
    print("goals:")
    checks = [
        (
            f"every entry stored once, 304s and new entries as served "
            f"({len(first.new)} new; then {second.not_modified} × 304, {len(second.new)} new)",
            complete,
        ),
        (
            f"second poll ≤ {goal_seconds:.0f} s for {args.feeds} feeds: {rounds[1].wall:.1f} s",
            rounds[1].wall <= goal_seconds,
        ),
        (
            f"first poll bounded by its work, summarising beside fetching (every core busy "
            f"{GOAL_CORES_BUSY:.0%} of its wall time or more): {rounds[0].cores_busy:.0%}; "
            f"{ratio:.2f} × ingest's articles/s",
            rounds[0].cores_busy >= GOAL_CORES_BUSY,
        ),
        (f"peak RSS ≤ {GOAL_RSS_MB:.0f} MB: {rss:.0f} MB", rss <= GOAL_RSS_MB),
    ]
    for line, met in checks:
        print(f"  {'PASS' if met else 'FAIL'}  {line}")


if __name__ == "__main__":
    main()
