"""Near-duplicate detection on a labelled set built from the development articles: pairwise
precision and recall, B-cubed F1 of the stories it makes, and its cost at 100,000 documents.

    python bench/clusters.py [--sample 400] [--stored 100000] [--seed 7]

Positives: for each sampled article, the copies a syndication pipeline makes of it: a new
headline with a byline and boilerplate added, paragraphs re-ordered or one dropped, a teaser
of the first paragraphs, 5-10% of the words changed, and mixes of these. Negatives: every
other article of the same category (BBC: business, politics, sport, 2004-2005; CNN/DM) in
the set. The set's own versions of an article (the same text word for word, as about 98 BBC
articles are, or 80% of it) are one story with it to begin with. Every text goes into one
index in a random order, each joining the story of its best near-duplicate among those
before it, as the bot's store would; then pairs of texts are counted: same story found
against same story made.

The cost, on the store's own path (an SQLite file, or `--database`): `--stored` documents
written with their stories and band keys in polls of 20, then new documents clustered and
written one a transaction against them; the process's memory meanwhile, and the time to
reopen the store (nothing is rebuilt). The baseline, in the same process, is fingerprinting
alone.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.document_store import document_values
from bot.core.documents import Document
from bot.core.near_duplicates import (
    Fingerprint,
    fingerprint,
    shingles,
)
from bot.core.same_event import (
    LEAD_SIMILARITY,
    TEXT_SIMILARITY,
    WINDOW_DAYS,
    EventIndex,
    event_print,
)
from bot.core.store import Store
from bot.core.story_store import NewDocument, insert_documents
from summarizers.evaluate import read_dataset

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("NEWSDIGEST_EVAL_DIR", REPO.parent / "shared" / "eval"))
GOAL_PRECISION, GOAL_RECALL = 0.98, 0.95
Labels = Sequence[Hashable]
# Documents a feed poll writes together.
POLL = 20
# Articles of the set with this share of their shingles in another are versions of it.
SAME_TEXT = 0.8
# Stored documents a day, in the cost's store (a few hundred feeds').
PER_DAY = 2_000
FIRST_DAY = date(2026, 1, 1)
PAIRS = Path(__file__).with_name("same_event_pairs.tsv")
BYLINES = (
    "By Staff Reporter",
    "From our correspondent",
    "Reporting by the newsdesk; editing by the night desk",
)
BOILERPLATE = (
    "Copyright 2005. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "Sign up for our morning newsletter and get the day's headlines in your inbox.",
    "Follow us on social media for the latest updates. Comments are closed on this article.",
)
FILLERS = [
    "said",
    "told",
    "report",
    "week",
    "year",
    "people",
    "new",
    "government",
    "market",
    "team",
    "plan",
]


@dataclass(frozen=True)
class Text:
    name: str
    category: str
    title: str
    paragraphs: tuple[str, ...]


def load(folder: Path) -> list[Text]:
    texts = []
    for name in ("bbc", "cnndm-dev"):
        for example in read_dataset(folder / name):
            paragraphs = tuple(p for p in example.paragraphs if p.strip())
            if paragraphs:
                category = f"{name}/{example.name.split('/')[0]}" if name == "bbc" else name
                texts.append(Text(f"{name}/{example.name}", category, example.title, paragraphs))
    return texts


def change_words(paragraphs: Sequence[str], share: float, rng: random.Random) -> list[str]:
    changed = []
    for paragraph in paragraphs:
        words = paragraph.split()
        for at in range(len(words)):
            if rng.random() < share:
                words[at] = rng.choice(FILLERS)
        changed.append(" ".join(words))
    return changed


def variants(text: Text, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
    """The copies of one article: (kind, paragraphs)."""
    paragraphs = list(text.paragraphs)
    made: list[tuple[str, list[str]]] = []
    made.append(("byline+boilerplate", [rng.choice(BYLINES), *paragraphs, rng.choice(BOILERPLATE)]))
    if len(paragraphs) >= 3:
        shuffled = paragraphs[:]
        first, second = rng.sample(range(1, len(paragraphs)), 2)
        shuffled[first], shuffled[second] = shuffled[second], shuffled[first]
        made.append(("reordered", shuffled))
        dropped = paragraphs[:]
        del dropped[rng.randrange(1, len(paragraphs))]
        made.append(("paragraph dropped", dropped))
        made.append(("teaser", paragraphs[: max(1, len(paragraphs) // 4)]))
    else:
        # One long paragraph (CNN/DM): its first sentences are the teaser.
        words = paragraphs[0].split()
        made.append(("teaser", [" ".join(words[: max(40, len(words) // 4)])]))
    made.append(("words changed", change_words(paragraphs, rng.uniform(0.05, 0.10), rng)))
    mixed = change_words(paragraphs, rng.uniform(0.05, 0.10), rng)
    made.append(("mixed", [rng.choice(BYLINES), *mixed, rng.choice(BOILERPLATE)]))
    return [(kind, tuple(p)) for kind, p in made]


def body(paragraphs: Sequence[str]) -> str:
    return "\n\n".join(paragraphs)


@dataclass
class Item:
    story: int  # the true story (family)
    kind: str
    text: str
    print_: Fingerprint


def item(story: int, kind: str, paragraphs: Sequence[str]) -> Item:
    text = body(paragraphs)
    return Item(story, kind, text, fingerprint(text))


def own_copies(texts: list[Text]) -> list[int]:
    """Each article's story before any copies are made: the set holds re-published and updated
    versions of its own articles (the same text word for word, or nearly), and an article
    whose shingles are at least `SAME_TEXT` contained in another of its category is the same
    story as that one (compared exactly, every pair of a category)."""
    parent = list(range(len(texts)))

    def root(at: int) -> int:
        while parent[at] != at:
            parent[at] = parent[parent[at]]
            at = parent[at]
        return at

    found = [shingles(body(t.paragraphs)) for t in texts]
    by_category: dict[str, list[int]] = defaultdict(list)
    for at, text in enumerate(texts):
        by_category[text.category].append(at)
    for members in by_category.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                small = min(len(found[a]), len(found[b])) or 1
                if len(found[a] & found[b]) / small >= SAME_TEXT:
                    parent[root(a)] = root(b)
    return [root(at) for at in range(len(texts))]


def labelled(texts: list[Text], sample: int, rng: random.Random) -> list[Item]:
    stories = own_copies(texts)
    items: list[Item] = []
    chosen = set(rng.sample(range(len(texts)), min(sample, len(texts))))
    for number, text in enumerate(texts):
        story = stories[number]
        items.append(item(story, "original", text.paragraphs))
        if number in chosen:
            for kind, paragraphs in variants(text, rng):
                items.append(item(story, kind, paragraphs))
    return items


def cluster(items: list[Item], rng: random.Random, url: str | None) -> list[str]:
    """Each item's story as the store makes them: in a random order, each joins the story of
    its best match before it, else starts one. Near-duplicates alone: the set's articles have
    no dates, and the same-event rule is measured on its own (`same_event`)."""
    order = list(range(len(items)))
    rng.shuffle(order)
    made = [""] * len(items)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(url or f"sqlite:///{Path(folder) / 'labelled.db'}")
        for at in order:
            new = new_document(items[at].text, at, items[at].print_, event=False)
            with store._transaction() as session:
                made[at] = insert_documents(session, [new], store._stories)[new.id]
        store.close()
    return made


def pair_counts(truth: Labels, made: Labels) -> tuple[int, int, int]:
    """(pairs together in both, together as made, together in truth)."""

    def together(labels: Labels) -> int:
        sizes: dict[Hashable, int] = defaultdict(int)
        for label in labels:
            sizes[label] += 1
        return sum(n * (n - 1) // 2 for n in sizes.values())

    both = together([hash((t, m)) for t, m in zip(truth, made, strict=True)])
    return both, together(made), together(truth)


def b_cubed(truth: Labels, made: Labels) -> tuple[float, float]:
    joint: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    true_sizes: dict[Hashable, int] = defaultdict(int)
    made_sizes: dict[Hashable, int] = defaultdict(int)
    for t, m in zip(truth, made, strict=True):
        joint[(t, m)] += 1
        true_sizes[t] += 1
        made_sizes[m] += 1
    n = len(truth)
    precision = sum(c * c / made_sizes[m] for (_, m), c in joint.items()) / n
    recall = sum(c * c / true_sizes[t] for (t, _), c in joint.items()) / n
    return precision, recall


def recall_by_kind(items: list[Item], made: list[str]) -> dict[str, float]:
    original = {item.story: made[at] for at, item in enumerate(items) if item.kind == "original"}
    hits: dict[str, list[bool]] = defaultdict(list)
    for at, item in enumerate(items):
        if item.kind != "original":
            hits[item.kind].append(made[at] == original[item.story])
    return {kind: sum(found) / len(found) for kind, found in sorted(hits.items())}


def synthetic(texts: list[Text], count: int, rng: random.Random) -> list[str]:
    """`count` distinct news-like texts: six paragraphs of BBC articles each, one word in ten
    changed."""
    pool = [
        p for t in texts if t.category.startswith("bbc") for p in t.paragraphs
        if 15 <= len(p.split()) <= 80
    ]  # fmt: skip
    return [body(change_words(rng.sample(pool, 6), 0.1, rng)) for _ in range(count)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def new_document(
    text: str, number: int, print_: Fingerprint | None = None, *, event: bool = True
) -> NewDocument:
    """A document to store: a number makes its id, since the set holds texts word for word
    the same (which the bot would store once), and its date (`PER_DAY` a day)."""
    paragraphs = tuple(text.split("\n\n"))
    day = FIRST_DAY + timedelta(days=number // PER_DAY)
    document = Document(f"{number:08d}", day, f"Story {number}", paragraphs,
                        source=f"https://example.com/{number}")  # fmt: skip
    values = document_values(document, (), datetime.now(UTC))
    prints = event_print(document.headline, text, day) if event else None
    return NewDocument(values, print_ or fingerprint(text), prints)


def current_mb() -> float:
    """This process's memory now (resident), not its peak."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cost(texts: list[Text], stored: int, rng: random.Random, url: str | None) -> None:
    """The store's own path: documents fingerprinted and written with their stories and band
    keys, in feed polls of 20; the index read back after a restart; then new documents one a
    transaction (a file each) against `stored` held."""
    corpus = synthetic(texts, stored + 2_000, rng)
    start = time.perf_counter()
    for text in corpus[stored:]:
        fingerprint(text)
    fingerprinting = (time.perf_counter() - start) / 2_000
    with tempfile.TemporaryDirectory() as folder:
        address = url or f"sqlite:///{Path(folder) / 'clusters.db'}"
        store = Store.open(address)
        start = time.perf_counter()
        for first in range(0, stored, POLL):
            batch = [new_document(t, first + n) for n, t in enumerate(corpus[first : first + POLL])]
            with store.atomic(), store._transaction() as session:
                insert_documents(session, batch, store._stories)
        filling = time.perf_counter() - start
        store.close()
        store = Store.open(address)  # a restart: the index is read back at its first use
        before = current_mb()
        start = time.perf_counter()
        with store._transaction() as session:
            store._stories.bands.catch_up(session)
        read_back = time.perf_counter() - start
        index_mb = current_mb() - before
        found, first = 0, 0.0
        start = time.perf_counter()
        # New documents dated the day after the last stored ones: the event index reads back
        # the days before at the first of them.
        for number, text in enumerate(corpus[stored:], start=stored):
            new = new_document(text, number)
            with store._transaction() as session:
                stories = insert_documents(session, [new], store._stories)
            found += stories[new.id] != new.id
            first = first or time.perf_counter() - start
        per_text = (time.perf_counter() - start - first) / 1_999
        size = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20
        store.close()
    print(
        f"store filled with {stored:,} documents in polls of {POLL}: {filling:.1f} s, "
        f"{stored / filling:,.0f} documents/s fingerprinted, clustered and written"
    )
    print(
        f"at {stored:,} stored, one new document a transaction: {1 / per_text:,.0f} documents/s "
        f"fingerprinted, clustered and written ({per_text * 1000:.2f} ms each; fingerprinting "
        f"alone {fingerprinting * 1000:.2f} ms: ratio {per_text / fingerprinting:.2f}); "
        f"{found} of 2,000 new mixed texts joined a story"
    )
    where = "PostgreSQL" if url else f"the SQLite file {size:,.0f} MB"
    print(
        f"after a restart the band index of {stored:,} documents is read back in {read_back:.1f} s "
        f"and takes {index_mb:.0f} MB of memory ({where}); the first new document, which reads "
        f"back the {WINDOW_DAYS} days before for the same-event rule ({WINDOW_DAYS * PER_DAY:,} "
        f"documents), took {first:.1f} s; peak RSS {rss_mb():.0f} MB"
    )


def same_event(texts: list[Text]) -> None:
    """The same-event rule on the hand-labelled pairs (`PAIRS`): the words of every article
    counted for the weights, as the index counts those it has seen, then each pair judged.
    The articles have no dates: every pair counts as within the window, so the developments
    of a running story weeks apart are all there to be wrongly joined."""
    by_name = {t.name: t for t in texts if t.category.startswith("bbc")}
    index = EventIndex()
    prints = {}
    for name, text in by_name.items():
        print_ = event_print(text.title, body(text.paragraphs), FIRST_DAY)
        if print_ is not None:
            prints[name] = print_
            index.count(name, print_)
    pairs = []
    for line in PAIRS.read_text().splitlines():
        if line.startswith("#") or line.startswith("first\t"):
            continue
        first, second, same, _ = line.split("\t")
        if first in prints and second in prints:
            text, lead = index.similarities(prints[first], prints[second])
            pairs.append((first, second, same == "1", text, lead))
    positives = sum(same for *_, same, _, _ in pairs)
    print(f"same event: {len(pairs)} labelled pairs, {positives} of them one event")
    print("  text ≥  lead ≥   joined  precision  recall")
    for text_at in (0.4, 0.5, 0.6, 0.7):
        for lead_at in (0.0, 0.4, 0.5, 0.6):
            joined = [p for p in pairs if p[3] >= text_at and p[4] >= lead_at]
            right = sum(p[2] for p in joined)
            mark = (
                "  ← the rule" if (text_at, lead_at) == (TEXT_SIMILARITY, LEAD_SIMILARITY) else ""
            )
            print(
                f"  {text_at:<7} {lead_at:<7} {len(joined):>6}  {right / max(len(joined), 1):9.2f}"
                f"  {right / max(positives, 1):6.2f}{mark}"
            )
    joined = {(a, b) for a, b, _, text, lead in pairs
              if text >= TEXT_SIMILARITY and lead >= LEAD_SIMILARITY}  # fmt: skip
    names = sorted({name for a, b, *_ in pairs for name in (a, b)})
    truth = _components(names, [(a, b) for a, b, same, *_ in pairs if same])
    made = _components(names, sorted(joined))
    bp, br = b_cubed(truth, made)
    print(
        f"  the rule's stories of the {len(names)} labelled articles: B-cubed precision {bp:.3f}, "
        f"recall {br:.3f}, F1 {2 * bp * br / (bp + br):.3f}"
    )
    for a, b, same, _, _ in pairs:
        if ((a, b) in joined) != same:
            kind = "joined, not one event" if not same else "one event, missed    "
            print(f"  {kind}: {by_name[a].title!r} / {by_name[b].title!r}")


def _components(names: list[str], links: list[tuple[str, str]]) -> list[str]:
    """Each name's group when `links` join names: the least name of its group."""
    group = {name: name for name in names}

    def root(name: str) -> str:
        while group[name] != name:
            name = group[name]
        return name

    for a, b in links:
        ra, rb = root(a), root(b)
        group[max(ra, rb)] = min(ra, rb)
    return [root(name) for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=400, help="articles given copies")
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--events", action="store_true", help="the same-event rule only")
    args = parser.parse_args()
    if not (EVAL_DIR / "bbc").is_dir():
        sys.exit(f"no development articles at {EVAL_DIR}: set NEWSDIGEST_EVAL_DIR")
    rng = random.Random(args.seed)
    texts = load(EVAL_DIR)
    if args.events:
        same_event(texts)
        return
    items = labelled(texts, args.sample, rng)
    truth = [item.story for item in items]
    made = cluster(items, rng, args.database)
    both, as_made, in_truth = pair_counts(truth, made)
    precision, recall = both / max(as_made, 1), both / max(in_truth, 1)
    bp, br = b_cubed(truth, made)
    copies = sum(item.kind != "original" for item in items)
    print(
        f"{len(texts)} articles, {args.sample} of them with {copies} copies: {len(items)} texts, "
        f"{len(set(truth))} stories"
    )
    print(f"pairwise: precision {precision:.4f}, recall {recall:.4f} ({both} of {in_truth} pairs)")
    print(f"B-cubed: precision {bp:.4f}, recall {br:.4f}, F1 {2 * bp * br / (bp + br):.4f}")
    for kind, share in recall_by_kind(items, made).items():
        print(f"  {kind:<20} found with its original: {share:.1%}")
    print()
    same_event(texts)
    print()
    cost(texts, args.stored, rng, args.database)
    print()
    print("goals:")
    for line, met in (
        (f"precision ≥ {GOAL_PRECISION}: {precision:.4f}", precision >= GOAL_PRECISION),
        (f"recall ≥ {GOAL_RECALL}: {recall:.4f}", recall >= GOAL_RECALL),
    ):
        print(f"  {'PASS' if met else 'FAIL'}  {line}")


if __name__ == "__main__":
    main()
