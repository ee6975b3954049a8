"""Search, topics and answers: how often they find the story a reader is after, and how fast,
through the command handler as every adapter calls it.

    python bench/answers.py [--queries N] [--stored N] [--seed 7] [--database URL]
                            [--skip-synonyms] [--skip-topics] [--skip-answers]

The development articles (BBC business, politics and sport; CNN/DM) are written as seed files,
each title on a line of its own so that it stays the headline, dated over the year before
today (the days drawn with the seed), and ingested into a new store as `newsdigest ingest`
would. An article
counts as found when the story it belongs to is found: the articles that are word for word
the same as another (which the store keeps once), and those the store joins into one story,
are one article here. Then, in one process:

1. Known items: for each article (or `--queries` of them), one sentence of its reference
   summary with a third of its words dropped, searched for with `search_stories(query, 3)`:
   recall@1 and recall@3, and the time of each search. Search speaks the topic language:
   quotes and leading minus signs are left out of a query, as a reader would leave them, and
   it is cut at a word to the longest topic the bot accepts (200 characters), as a reader
   told "too long" would cut it.
2. Close words: the same queries with each word that `bench/synonyms.tsv` knows replaced by
   one of its close words (hand-made, general news English): recall@3 of the queries that
   changed, against the same queries unchanged.
3. Topics: for 200 articles, the 2 or 3 words of its reference summary that are rarest across
   the articles (by document frequency, stop words left out, words of the article only), as
   a reader would type them: the share of topics whose stories, as a subscription picks them
   (`preview_digest`, up to 1,000), hold the article, and how many other stories each has.
4. Answers: for 200 articles, `answer_question` with the known-item query: the share of answers
   with evidence from the article, and the time of each; then 50 questions of three words
   each found in one article only (three articles), which should be refused.
5. Scale (`--stored N`): N more articles made of the development sentences (a headline of
   one article, paragraphs of sentences from 3-5 articles of the same category), streamed to
   seed files and ingested by a process of its own, as `newsdigest ingest` would: the ingest
   time, its peak memory and the database size; then 200 searches, 200 questions and 200
   digests (`build_digest` for a new chat with 5 everyday topics each, single words of the
   titles: a digest records its stories as delivered), here and in a new process that only
   opens the store and answers (its peak memory: what a bot serving the store holds). The
   generated articles repeat the development sentences, so the recall printed there is
   among look-alikes of each article.

Times are per call, in this process, as p50 and p95. The baseline, in the same process, is
the linear scan every search could do: reading every stored document once
(`Store.documents()`, the median of three); each p95 is printed as a ratio to it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path, PurePath
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core import lookup
from bot.core.commands import CommandHandler, Options, UserError
from bot.core.ingest import ingest
from bot.core.store import Store
from bot.core.terms import STOP_WORDS, content_stems
from summarizers import split_sentences
from summarizers.evaluate import read_dataset

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("NEWSDIGEST_EVAL_DIR", REPO.parent / "shared" / "eval"))
SYNONYMS = Path(__file__).with_name("synonyms.tsv")
SETS = ("bbc", "cnndm-dev")
METHOD, SENTENCES = "news", 3
MAX_BYTES = 1_000_000
# Articles are dated over the days before today, as a running bot's store holds them: a
# question's time words ("last week") then mean what they would.
DAYS = 365
FIRST_DAY = date.today() - timedelta(days=DAYS)
# The longest topic (and so search) the bot accepts.
QUERY_CHARS = 200
# Search results read for a topic: every story it matches, in practice.
TOPIC_LIMIT = 1_000
SAMPLE = 200
NONSENSE = 50
DIGEST_TOPICS = 5
# Digests built on the development articles alone.
DEV_DIGESTS = 50
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]")
# BBC reference sentences are glued together ("…$10.9bn.For the full-year…"); the sentence
# splitter parts some of them, not all ("rising 8%.GM US", "my career.That has").
_GLUED = re.compile(r"(?<=[a-z0-9%)])([.!?]['\"]?)(?=[A-Z])")
# The CNN/DM highlights are tokenised ("Locke 's", "ban ."); a reader writes "Locke's".
_DETACHED = re.compile(r" (n't|['’](?:s|re|ve|ll|d|m)\b|[.,;:!?)])")


@dataclass(frozen=True)
class Article:
    name: str  # bbc/business/001, cnndm/0001 (its folder in the data set)
    category: str
    title: str
    paragraphs: tuple[str, ...]
    reference: tuple[str, ...]

    @property
    def file(self) -> str:
        return self.name.replace("/", "-") + ".txt"


@dataclass(frozen=True)
class Query:
    article: int
    text: str  # as searched: cut to QUERY_CHARS
    question: str  # as asked: whole


@dataclass
class Calls:
    """The replies' verdicts and the seconds each call took."""

    found: list[int]  # the article's rank among the hits (0 for the first), -1 when missing
    seconds: list[float]
    refused: list[bool]

    def recall(self, at: int) -> float:
        return sum(0 <= rank < at for rank in self.found) / max(len(self.found), 1)


def seeded(seed: int, measure: str) -> random.Random:
    """A random stream of the measure's own, so that leaving one measure out changes none of
    the others."""
    return random.Random(f"{seed}/{measure}")


def load(folder: Path) -> list[Article]:
    articles = []
    for name in SETS:
        for example in read_dataset(folder / name):
            paragraphs = tuple(p for p in example.paragraphs if p.strip())
            if not paragraphs or not example.reference:
                continue
            if name == "bbc":
                category = f"bbc/{example.name.split('/')[0]}"
                reference = tuple(
                    part
                    for s in example.reference
                    for part in split_sentences(_GLUED.sub(r"\1 ", s))
                )
            else:
                category = "cnndm"
                reference = tuple(_DETACHED.sub(r"\1", s) for s in example.reference)
            named = f"bbc/{example.name}" if name == "bbc" else example.name
            articles.append(Article(named, category, example.title, paragraphs, reference))
    return articles


def seed_text(day: date, title: str, paragraphs: Sequence[str]) -> str:
    """A file in the seed format: the date line, the title alone on the next line (the
    headline), then the paragraphs."""
    head = f"date {day.isoformat()}\n" + (f"{title}\n\n" if title else "\n")
    return head + "\n\n".join(paragraphs) + "\n"


def write_articles(folder: Path, articles: Sequence[Article], rng: random.Random) -> None:
    folder.mkdir()
    for article in articles:
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        text = seed_text(day, article.title, article.paragraphs)
        (folder / article.file).write_text(text, encoding="utf-8")


def generated(articles: Sequence[Article], count: int, rng: random.Random) -> Iterator[str]:
    """`count` seed-format texts made of the articles' sentences, one at a time."""
    by_category: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for article in articles:
        sentences = tuple(s for p in article.paragraphs for s in split_sentences(p))
        by_category.setdefault(article.category, []).append((article.title, sentences))
    categories = sorted(by_category)
    weights = [len(by_category[c]) for c in categories]
    for _ in range(count):
        pool = by_category[rng.choices(categories, weights)[0]]
        title = rng.choice(pool)[0]
        sources = [s for _, s in rng.sample(pool, rng.randint(3, 5)) if s]
        paragraphs = []
        for _ in range(rng.randint(4, 8)):
            sentences = rng.choice(sources)
            start = rng.randrange(len(sentences))
            paragraphs.append(" ".join(sentences[start : start + rng.randint(1, 3)]))
        yield seed_text(FIRST_DAY + timedelta(days=rng.randrange(DAYS)), title, paragraphs)


def write_generated(folder: Path, texts: Iterator[str]) -> int:
    written = 0
    for number, text in enumerate(texts):
        sub = folder / f"{number // 1000:04d}"
        if number % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"generated-{number:07d}.txt").write_text(text, encoding="utf-8")
        written += 1
    return written


class Truth:
    """Which stored stories are which article's: by the file each document was read from,
    read back from the store, so that it holds whatever the search behind the handler does."""

    def __init__(self, store: Store, articles: Sequence[Article]) -> None:
        by_text: dict[str, list[int]] = {}
        for number, article in enumerate(articles):
            text = " ".join(" ".join(article.paragraphs).split()).casefold()
            by_text.setdefault(text, []).append(number)
        self.copies = sum(len(group) - 1 for group in by_text.values())
        group_of = {n: tuple(group) for group in by_text.values() for n in group}
        number_of = {article.file: n for n, article in enumerate(articles)}
        documents = store.documents()
        story_of = {d.id: d.story_id or d.id for d in documents}
        members: dict[str, set[str]] = {}
        for document in documents:
            members.setdefault(story_of[document.id], set()).add(document.id)
        self.headlines = self.titled = 0
        self.files: list[frozenset[str]] = [frozenset() for _ in articles]
        self.documents: list[set[str]] = [set() for _ in articles]
        for document in documents:
            read_from = number_of.get(PurePath(document.source).name)
            if read_from is None:
                continue
            self.titled += bool(articles[read_from].title)
            self.headlines += document.headline == articles[read_from].title
            for member in group_of[read_from]:
                self.documents[member] |= members[story_of[document.id]]
        for group in by_text.values():
            files = frozenset(articles[n].file for n in group)
            for n in group:
                self.files[n] = files

    def rank(self, article: int, hits: Sequence[tuple[str, Sequence[str]]]) -> int:
        """Where the article stands among the hits, each (document id, its sources' files or
        links); -1 if absent."""
        for at, (doc_id, sources) in enumerate(hits):
            if doc_id in self.documents[article] or any(
                PurePath(source).name in self.files[article] for source in sources
            ):
                return at
        return -1


def drop_third(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    dropped = set(rng.sample(range(len(words)), len(words) // 3))
    kept = (w for at, w in enumerate(words) if at not in dropped)
    # Quotes and a leading minus mean something in the topic language; a reader leaves them.
    cleaned = (w.replace('"', "").lstrip("-") for w in kept)
    return " ".join("or" if w == "OR" else w for w in cleaned if w)


def cut(text: str, limit: int = QUERY_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit(" ", 1)[0]


def known_item_queries(articles: Sequence[Article], rng: random.Random) -> list[Query]:
    queries = []
    for number, article in enumerate(articles):
        long = [s for s in article.reference if len(s.split()) >= 6] or list(article.reference)
        question = drop_third(rng.choice(long), rng)
        queries.append(Query(number, cut(question), question))
    return queries


def load_synonyms(path: Path) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, close = line.split("\t")
            table.setdefault(word.strip().lower(), []).append(close.strip())
    return table


def with_synonyms(text: str, table: dict[str, list[str]], rng: random.Random) -> tuple[str, int]:
    """The text with each word the table knows replaced by a close word; how many were."""
    words, replaced = [], 0
    for word in text.split():
        match = _WORD.search(word)
        close = table.get(match[0].lower()) if match else None
        if match and close:
            new = rng.choice(close)
            new = new.capitalize() if match[0][0].isupper() else new
            word = word[: match.start()] + new + word[match.end() :]
            replaced += 1
        words.append(word)
    return " ".join(words), replaced


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


# A lookup: what the handler finds for a text, each story as (document id, its sources).
Lookup = Callable[[str], list[tuple[str, list[str]]]]


def searched(handler: CommandHandler, limit: int) -> Lookup:
    """Stories as `/search` finds them."""

    def lookup(text: str) -> list[tuple[str, list[str]]]:
        hits = handler.search_stories(text, limit).hits
        return [(h.doc_id, [h.source, *(s.link for s in h.sources)]) for h in hits]

    return lookup


def subscribed(handler: CommandHandler) -> Lookup:
    """Stories as a subscription to a topic picks them (a digest's preview)."""

    def lookup(text: str) -> list[tuple[str, list[str]]]:
        stories = handler.preview_digest(topic=text, limit=TOPIC_LIMIT).stories
        return [(s.doc_id, [s.source, *(x.link for x in s.sources)]) for s in stories]

    return lookup


def lookup_calls(
    lookup: Lookup, truth: Truth, queries: Sequence[tuple[int, str]]
) -> tuple[Calls, list[int]]:
    """Each query's lookup: the article's rank, the time, and how many other stories it found."""
    calls, others = Calls([], [], []), []
    for article, text in queries:
        start = time.perf_counter()
        try:
            found = lookup(text)
        except UserError:
            calls.seconds.append(time.perf_counter() - start)
            calls.refused.append(True)
            calls.found.append(-1)
            others.append(0)
            continue
        calls.seconds.append(time.perf_counter() - start)
        calls.refused.append(False)
        rank = truth.rank(article, found)
        calls.found.append(rank)
        others.append(len(found) - (rank >= 0))
    return calls, others


def ask_calls(handler: CommandHandler, truth: Truth, questions: Sequence[tuple[int, str]]) -> Calls:
    """Each question's answer: 0 when the first evidence is the article's, 1 when a later
    one is, -1 when none is; `refused`, the answers without evidence."""
    calls = Calls([], [], [])
    for article, question in questions:
        start = time.perf_counter()
        try:
            evidence = handler.answer_question(question).answer.evidence
        except UserError:
            evidence = ()
        calls.seconds.append(time.perf_counter() - start)
        calls.refused.append(not evidence)
        rank = (
            truth.rank(article, [(e.doc_id, [e.source]) for e in evidence]) if article >= 0 else -1
        )
        calls.found.append(min(rank, 1))
    return calls


def digest_calls(
    handler: CommandHandler, topics: Sequence[str], count: int, rng: random.Random, first: int = 0
) -> tuple[list[float], float]:
    """The time of `build_digest` for `count` new chats of `DIGEST_TOPICS` topics each (a
    digest records its stories as delivered, so each chat gets its first); the mean stories."""
    seconds, stories = [], 0
    for number in range(first, first + count):
        chat = handler.chat("console", f"bench-{number}")
        for topic in rng.sample(list(topics), DIGEST_TOPICS):
            handler.store.subscribe(chat.id, topic)
        start = time.perf_counter()
        digest = handler.build_digest(chat)
        seconds.append(time.perf_counter() - start)
        stories += len(digest.stories)
    return seconds, stories / max(count, 1)


def scan_seconds(store: Store) -> float:
    """The baseline: reading every stored document once (the median of three)."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        store.documents()
        times.append(time.perf_counter() - start)
    return sorted(times)[1]


def document_frequency(articles: Sequence[Article]) -> Counter[str]:
    frequency: Counter[str] = Counter()
    seen: set[str] = set()
    for article in articles:
        text = " ".join(article.paragraphs)
        if text in seen:
            continue
        seen.add(text)
        frequency.update(set(content_stems(f"{article.title} {text}")))
    return frequency


def topic_words(article: Article, frequency: Counter[str], rng: random.Random) -> list[str]:
    """2 or 3 words of the article's reference summary, rarest across the articles first,
    as they are written there; only words the article has, and no stop words."""
    own = set(content_stems(f"{article.title} {' '.join(article.paragraphs)}"))
    candidates: dict[str, str] = {}
    for word in _WORD.findall(" ".join(article.reference)):
        if word.lower() in STOP_WORDS or len(word) < 3:
            continue
        stems = content_stems(word)
        if len(stems) == 1 and stems[0] in own and stems[0] not in candidates:
            candidates[stems[0]] = word
    ordered = sorted(candidates, key=lambda s: (frequency[s], rng.random()))
    return [candidates[s] for s in ordered[: rng.choice((2, 3))]]


def digest_topics(
    articles: Sequence[Article], frequency: Counter[str], count: int, rng: random.Random
) -> list[str]:
    """Everyday topics: single words of the titles found in 0.5-5% of the articles."""
    total = len(articles)
    words: dict[str, str] = {}
    for article in articles:
        for word in _WORD.findall(article.title):
            stems = content_stems(word)
            if (
                len(stems) == 1
                and word.lower() not in STOP_WORDS
                and 0.005 * total <= frequency[stems[0]] <= 0.05 * total
            ):
                words.setdefault(stems[0], word.lower() if not word.isupper() else word)
    chosen = sorted(words.values())
    return rng.sample(chosen, min(count, len(chosen)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def latency_row(name: str, seconds: Sequence[float], baseline: float) -> str:
    p95 = percentile(seconds, 0.95)
    return (
        f"  {name:<22} {len(seconds):>6} {ms(percentile(seconds, 0.5))} {ms(p95)}"
        f" {p95 / baseline:>9.2f}×"
    )


def print_latency(title: str, rows: Sequence[tuple[str, Sequence[float]]], baseline: float) -> None:
    print(title)
    print(f"  {'call':<22} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'p95/scan':>10}")
    for name, seconds in rows:
        if seconds:
            print(latency_row(name, seconds, baseline))
    print(f"  {'baseline: read all':<22} {1:>6} {ms(baseline)} {ms(baseline)} {1:>9.2f}×")


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """The peak resident memory of this process (or its largest child), in MB. This process's
    own is read from /proc where there is one: `ru_maxrss` would count the memory of the
    process it was started from, which a child shares until it runs a program of its own."""
    status = Path("/proc/self/status")
    if who == resource.RUSAGE_SELF and status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(who).ru_maxrss / 1024


def database_mb(url: str) -> str:
    """The size of an SQLite file and of what the store keeps beside it (`news.db-wal`,
    `news.*`)."""
    if not url.startswith("sqlite:///"):
        return "size n/a (not SQLite)"
    path = Path(url.removeprefix("sqlite:///"))
    beside = [p for p in path.parent.iterdir() if p.name.startswith(f"{path.stem}.")]
    files = [f for p in beside for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return f"{sum(f.stat().st_size for f in files) / 2**20:,.0f} MB"


def timed_ingest(store: Store, folder: Path, total: int) -> tuple[float, str]:
    """Seconds to ingest `folder`, and the report's line. Progress goes to stderr."""
    step = max(total // 10, 1)
    shown = 0

    def progress(done: int, count: int) -> None:
        nonlocal shown
        if done >= shown + step or (done == count and done > shown):
            shown = done
            seconds = time.perf_counter() - start
            print(f"  {done:,} of {count:,} ingested, {seconds:.0f} s", file=sys.stderr, flush=True)

    start = time.perf_counter()
    report = ingest(
        store,
        [folder],
        max_bytes=MAX_BYTES,
        method=METHOD,
        sentences=SENTENCES,
        progress=progress if total >= 5_000 else None,
    )
    return time.perf_counter() - start, report.line()


def by_set(articles: Sequence[Article], numbers: Sequence[int]) -> dict[str, list[int]]:
    """Positions in `numbers` per data set, and for all."""
    sets: dict[str, list[int]] = {"bbc": [], "cnndm": [], "all": []}
    for at, number in enumerate(numbers):
        sets[articles[number].name.split("/")[0]].append(at)
        sets["all"].append(at)
    return sets


def subset(calls: Calls, positions: Sequence[int]) -> Calls:
    return Calls(
        [calls.found[p] for p in positions],
        [calls.seconds[p] for p in positions],
        [calls.refused[p] for p in positions],
    )


def quality(
    args: argparse.Namespace,
    handler: CommandHandler,
    truth: Truth,
    articles: Sequence[Article],
    frequency: Counter[str],
) -> None:
    """Measures 1-4 on the development articles, and the calls' latency."""
    baseline = scan_seconds(handler.store)
    search = searched(handler, 3)
    rng = seeded(args.seed, "known items")
    queries = known_item_queries(articles, rng)
    if args.queries < len(queries):
        queries = rng.sample(queries, args.queries)
    known, _ = lookup_calls(search, truth, [(q.article, q.text) for q in queries])
    print(
        "\n1. known items: a reference sentence, a third of its words dropped; "
        "search_stories(query, 3)"
    )
    print(
        f"  {'set':<8} {'queries':>8} {'refused':>8} {'recall@1':>9} {'recall@3':>9}"
        f" {'p50 ms':>8} {'p95 ms':>8}"
    )
    for name, positions in by_set(articles, [q.article for q in queries]).items():
        part = subset(known, positions)
        print(
            f"  {name:<8} {len(positions):>8} {sum(part.refused):>8} {part.recall(1):>9.3f} "
            f"{part.recall(3):>9.3f} {ms(percentile(part.seconds, 0.5))} "
            f"{ms(percentile(part.seconds, 0.95))}"
        )
    summary = [
        f"known items: recall@1 {known.recall(1):.3f}, recall@3 {known.recall(3):.3f} "
        f"({len(queries)} queries)"
    ]

    if not args.skip_synonyms:
        table = load_synonyms(SYNONYMS)
        close_rng = seeded(args.seed, "close words")
        changed: list[tuple[int, str]] = []
        before: list[int] = []  # the same queries' ranks, unchanged
        replaced = 0
        for at, query in enumerate(queries):
            text, count = with_synonyms(query.text, table, close_rng)
            if count:
                changed.append((query.article, cut(text)))
                before.append(known.found[at])
                replaced += count
        close, _ = lookup_calls(search, truth, changed)
        # The same queries without the semantic part: exact and partial matches only.
        with patch.object(lookup, "SIMILARITY", 0.0):
            lexical, _ = lookup_calls(search, truth, changed)
        share = len(changed) / max(len(queries), 1)
        unchanged = sum(0 <= rank < 3 for rank in before) / max(len(before), 1)
        print(
            f"\n2. close words ({sum(map(len, table.values()))} entries in {SYNONYMS.name}): "
            f"{len(changed)} of {len(queries)} queries changed ({share:.1%}), "
            f"{replaced / max(len(changed), 1):.1f} words each"
        )
        print(f"  {'those queries':<22} {'recall@1':>9} {'recall@3':>9}")
        print(f"  {'as in the summary':<22} {_recall(before, 1):>9.3f} {unchanged:>9.3f}")
        print(f"  {'with close words':<22} {close.recall(1):>9.3f} {close.recall(3):>9.3f}")
        print(f"  {'  lexical only':<22} {lexical.recall(1):>9.3f} {lexical.recall(3):>9.3f}")
        summary.append(
            f"close words: recall@3 {close.recall(3):.3f} (lexical only {lexical.recall(3):.3f}) "
            f"against {unchanged:.3f} unchanged ({share:.0%} of the queries changed)"
        )

    topic_seconds: list[float] = []
    if not args.skip_topics:
        rng = seeded(args.seed, "topics")
        sample = rng.sample(range(len(articles)), min(SAMPLE, len(articles)))
        topics = [(n, " ".join(topic_words(articles[n], frequency, rng))) for n in sample]
        topics = [(n, topic) for n, topic in topics if topic]
        matched, others = lookup_calls(subscribed(handler), truth, topics)
        topic_seconds = matched.seconds
        other = sum(others) / max(len(others), 1)
        print(
            f"\n3. topics: the 2-3 rarest words of a reference summary; "
            f"preview_digest(topic=..., limit={TOPIC_LIMIT})"
        )
        print(
            f"  {'topics':>7} {'refused':>8} {'recall':>7} {'other stories: mean':>20} "
            f"{'median':>7} {'max':>5} {'p50 ms':>8} {'p95 ms':>8}"
        )
        print(
            f"  {len(topics):>7} {sum(matched.refused):>8} {matched.recall(TOPIC_LIMIT):>7.3f} "
            f"{other:>20.2f} {percentile(others, 0.5):>7.0f} {max(others, default=0):>5} "
            f"{ms(percentile(topic_seconds, 0.5))} {ms(percentile(topic_seconds, 0.95))}"
        )
        with patch.object(lookup, "TOPIC_SIMILARITY", 0.0):
            exact, exact_others = lookup_calls(subscribed(handler), truth, topics)
        exact_other = sum(exact_others) / max(len(exact_others), 1)
        print(
            f"  {'no close words':>16} {exact.recall(TOPIC_LIMIT):>7.3f} {exact_other:>20.2f} "
            f"{percentile(exact_others, 0.5):>7.0f} {max(exact_others, default=0):>5}"
        )
        print("  e.g. " + "; ".join(topic for _, topic in topics[:4]))
        summary.append(
            f"topics: recall {matched.recall(TOPIC_LIMIT):.3f}, {other:.2f} other stories each "
            f"(without close words {exact.recall(TOPIC_LIMIT):.3f}, {exact_other:.2f})"
        )

    ask_seconds: list[float] = []
    if not args.skip_answers:
        rng = seeded(args.seed, "answers")
        asked = rng.sample(list(queries), min(SAMPLE, len(queries)))
        answers = ask_calls(handler, truth, [(q.article, q.question) for q in asked])
        nonsense = nonsense_questions(articles, frequency, rng)
        refusals = ask_calls(handler, truth, [(-1, question) for question in nonsense])
        ask_seconds = answers.seconds + refusals.seconds
        print("\n4. answers: answer_question(a reference sentence, a third of its words dropped)")
        print(
            f"  {'questions':<12} {'asked':>6} {'from it':>8} {'first':>6} {'refused':>8} "
            f"{'p50 ms':>8} {'p95 ms':>8}"
        )
        for name, calls in (("known items", answers), ("nonsense", refusals)):
            first = calls.recall(1)
            print(
                f"  {name:<12} {len(calls.found):>6} {calls.recall(2):>8.3f} {first:>6.3f} "
                f"{sum(calls.refused) / max(len(calls.found), 1):>8.3f} "
                f"{ms(percentile(calls.seconds, 0.5))} {ms(percentile(calls.seconds, 0.95))}"
            )
        print(
            f"  e.g. nonsense: {nonsense[0]!r}; 'from it': any evidence is from the article, "
            f"'first': the first is"
        )
        summary.append(
            f"answers: from the article {answers.recall(2):.3f}; nonsense refused "
            f"{sum(refusals.refused) / max(len(nonsense), 1):.3f}"
        )

    rng = seeded(args.seed, "digests")
    everyday = digest_topics(articles, frequency, 40, rng)
    digest_seconds, stories = digest_calls(handler, everyday, DEV_DIGESTS, rng)
    print()
    print_latency(
        f"latency at {handler.store.count_documents():,} stored documents",
        [
            ("search (3 hits)", known.seconds),
            ("topic preview", topic_seconds),
            ("answer", ask_seconds),
            (f"digest, {DIGEST_TOPICS} topics", digest_seconds),
        ],
        baseline,
    )
    print(f"  digests held {stories:.1f} stories each; topics such as {', '.join(everyday[:5])}")
    print("\nsummary: " + "\n         ".join(summary))


def _recall(ranks: Sequence[int], at: int) -> float:
    return sum(0 <= rank < at for rank in ranks) / max(len(ranks), 1)


def nonsense_questions(
    articles: Sequence[Article], frequency: Counter[str], rng: random.Random
) -> list[str]:
    """Questions of three words, each found in one article only, of three articles."""
    rare: dict[str, str] = {}
    for article in articles:
        for word in _WORD.findall(" ".join(article.paragraphs)):
            stems = content_stems(word)
            if len(word) > 4 and word.islower() and len(stems) == 1 and frequency[stems[0]] == 1:
                rare.setdefault(stems[0], word)
    words = sorted(rare.values())
    return [" ".join(rng.sample(words, 3)) for _ in range(NONSENSE)]


def scale(
    args: argparse.Namespace,
    handler: CommandHandler,
    articles: Sequence[Article],
    frequency: Counter[str],
    folder: Path,
    url: str,
) -> None:
    """Measure 5: `--stored` generated articles more, and the calls' latency then."""
    store = handler.store
    made = folder / "generated"
    start = time.perf_counter()
    texts = generated(articles, args.stored, seeded(args.seed, "generated"))
    written = write_generated(made, texts)
    writing = time.perf_counter() - start
    print(f"\n5. scale: {written:,} generated articles written in {writing:.1f} s")
    sys.stdout.flush()
    # Ingested as `newsdigest ingest` would: by a process of its own, which holds nothing else.
    own = [sys.executable, __file__, "--ingest", str(made), "--serve", url]
    subprocess.run(own, check=True)
    stored = store.count_documents()
    print(f"  {stored:,} documents stored; database {database_mb(url)}")
    baseline = scan_seconds(store)
    truth = Truth(store, articles)  # the stories the articles' documents are in now
    rng = seeded(args.seed, "scale")
    queries = rng.sample(known_item_queries(articles, rng), SAMPLE)
    found, _ = lookup_calls(searched(handler, 3), truth, [(q.article, q.text) for q in queries])
    answered = ask_calls(handler, truth, [(q.article, q.question) for q in queries])
    everyday = digest_topics(articles, frequency, 40, rng)
    digests, stories = digest_calls(handler, everyday, SAMPLE, rng, first=DEV_DIGESTS)
    print_latency(
        f"latency at {stored:,} stored documents",
        [
            ("search (3 hits)", found.seconds),
            ("answer", answered.seconds),
            (f"digest, {DIGEST_TOPICS} topics", digests),
        ],
        baseline,
    )
    print(
        f"  digests held {stories:.1f} stories each; among look-alikes, known-item recall@3 "
        f"{found.recall(3):.3f}, answers from the article {answered.recall(2):.3f}"
    )
    sys.stdout.flush()
    command = [sys.executable, __file__, "--serve", url, "--seed", str(args.seed)]
    subprocess.run(command, check=True)


def ingest_alone(args: argparse.Namespace) -> None:
    """Measure 5's ingest, in a process of its own (`--ingest FOLDER --serve URL`)."""
    store = Store.open(args.serve)
    total = sum(1 for _ in Path(args.ingest).rglob("*.txt"))
    seconds, line = timed_ingest(store, Path(args.ingest), total)
    print(
        f"  ingested in {seconds:.1f} s ({total / seconds:,.0f} a second): {line}; peak RSS "
        f"{rss_mb():,.0f} MB (summarising workers {rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB)"
    )
    store.close()


def serve(args: argparse.Namespace) -> None:
    """Measure 5, in a process of its own (`--serve URL`): what a bot that opens the store
    and answers holds in memory, and how fast it answers, with no ingest behind it."""
    articles = load(EVAL_DIR)
    store = Store.open(args.serve)
    handler = CommandHandler(store, Options(method=METHOD))
    rng = seeded(args.seed, "serve")
    queries = rng.sample(known_item_queries(articles, rng), SAMPLE)
    timings = []
    for call in (
        lambda q: handler.search_stories(q.text, 3),
        lambda q: handler.answer_question(q.question),
    ):
        seconds = []
        for query in queries:
            start = time.perf_counter()
            with contextlib.suppress(UserError):  # a query too long: refused, and timed
                call(query)
            seconds.append(time.perf_counter() - start)
        timings.append(seconds)
    everyday = digest_topics(articles, document_frequency(articles), 40, rng)
    digests, _ = digest_calls(handler, everyday, SAMPLE, rng, first=10 * SAMPLE)
    print(
        f"  a new process serving the store (opened, then {SAMPLE} searches, questions and "
        f"digests): peak RSS {rss_mb():,.0f} MB; p50 / p95 ms: search {_p50_p95(timings[0])}, "
        f"answer {_p50_p95(timings[1])}, digest {_p50_p95(digests)}"
    )
    store.close()


def _p50_p95(seconds: Sequence[float]) -> str:
    return f"{percentile(seconds, 0.5) * 1000:.1f} / {percentile(seconds, 0.95) * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--queries",
        type=int,
        default=10**9,
        help="known-item queries, a sample (default: one an article)",
    )
    parser.add_argument("--stored", type=int, default=0, help="generated articles to add")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="an empty database's URL (default: a new SQLite file)")
    parser.add_argument("--skip-synonyms", action="store_true", help="leave out measure 2")
    parser.add_argument("--skip-topics", action="store_true", help="leave out measure 3")
    parser.add_argument("--skip-answers", action="store_true", help="leave out measure 4")
    # Measure 5's own processes: the ingest, and serving the store.
    parser.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--ingest", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        (ingest_alone if args.ingest else serve)(args)
        return
    if not (EVAL_DIR / "bbc").is_dir():
        sys.exit(f"no development articles at {EVAL_DIR}: set NEWSDIGEST_EVAL_DIR")
    started = time.perf_counter()
    articles = load(EVAL_DIR)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'answers.db'}"
        store = Store.open(url)
        if store.count_documents():
            sys.exit("the database at --database holds documents already; give an empty one")
        write_articles(Path(folder) / "articles", articles, seeded(args.seed, "dates"))
        seconds, line = timed_ingest(store, Path(folder) / "articles", len(articles))
        handler = CommandHandler(store, Options(method=METHOD))
        truth = Truth(store, articles)
        print(
            f"{len(articles):,} development articles ({truth.copies} word for word the same as "
            f"another) ingested in {seconds:.1f} s: {line}; {truth.headlines:,} of the "
            f"{truth.titled:,} stored with a title keep it as their headline"
        )
        frequency = document_frequency(articles)
        quality(args, handler, truth, articles, frequency)
        if args.stored:
            scale(args, handler, articles, frequency, Path(folder), url)
        store.close()
    print(f"\nran in {time.perf_counter() - started:.0f} s; peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
