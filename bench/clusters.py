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

The cost: texts fingerprinted and matched a second against an index that holds `--stored`
fingerprints already, the memory the index takes, and the time to rebuild it from stored
fingerprints, as a restart does. The baseline, in the same process, is fingerprinting alone.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.near_duplicates import (
    Fingerprint,
    NearDuplicateIndex,
    fingerprint,
    shingles,
)
from summarizers.evaluate import read_dataset

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("NEWSDIGEST_EVAL_DIR", REPO.parent / "shared" / "eval"))
GOAL_PRECISION, GOAL_RECALL = 0.98, 0.95
# Articles of the set with this share of their shingles in another are versions of it.
SAME_TEXT = 0.8
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
    print_: Fingerprint


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
        items.append(Item(story, "original", fingerprint(body(text.paragraphs))))
        if number in chosen:
            for kind, paragraphs in variants(text, rng):
                items.append(Item(story, kind, fingerprint(body(paragraphs))))
    return items


def cluster(items: list[Item], rng: random.Random) -> list[int]:
    """Each item's story as the index makes them: in a random order, each joins the story of
    its best match before it, else starts one."""
    order = list(range(len(items)))
    rng.shuffle(order)
    index = NearDuplicateIndex()
    made = [0] * len(items)
    for position, at in enumerate(order):
        found = index.matches(items[at].print_)
        made[at] = made[found[0][0]] if found else position  # type: ignore[index]
        index.add(at, items[at].print_)
    return made


def pair_counts(truth: list[int], made: list[int]) -> tuple[int, int, int]:
    """(pairs together in both, together as made, together in truth)."""

    def together(labels: list[int]) -> int:
        sizes: dict[int, int] = defaultdict(int)
        for label in labels:
            sizes[label] += 1
        return sum(n * (n - 1) // 2 for n in sizes.values())

    both = together([hash((t, m)) for t, m in zip(truth, made, strict=True)])
    return both, together(made), together(truth)


def b_cubed(truth: list[int], made: list[int]) -> tuple[float, float]:
    joint: dict[tuple[int, int], int] = defaultdict(int)
    true_sizes: dict[int, int] = defaultdict(int)
    made_sizes: dict[int, int] = defaultdict(int)
    for t, m in zip(truth, made, strict=True):
        joint[(t, m)] += 1
        true_sizes[t] += 1
        made_sizes[m] += 1
    n = len(truth)
    precision = sum(c * c / made_sizes[m] for (_, m), c in joint.items()) / n
    recall = sum(c * c / true_sizes[t] for (t, _), c in joint.items()) / n
    return precision, recall


def recall_by_kind(items: list[Item], made: list[int]) -> dict[str, float]:
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


def cost(texts: list[Text], stored: int, rng: random.Random) -> None:
    corpus = synthetic(texts, stored + 2_000, rng)
    start = time.perf_counter()
    prints = [fingerprint(text) for text in corpus[:stored]]
    fingerprinting = (time.perf_counter() - start) / stored
    before = rss_mb()
    start = time.perf_counter()
    index = NearDuplicateIndex()
    index.add_many(enumerate(prints))
    rebuild = time.perf_counter() - start
    memory = rss_mb() - before
    start = time.perf_counter()
    found = 0
    for key, text in enumerate(corpus[stored:], start=stored):
        print_ = fingerprint(text)
        found += bool(index.matches(print_))
        index.add(key, print_)
    per_text = (time.perf_counter() - start) / 2_000
    print(
        f"cost at {stored:,} stored: {1 / per_text:,.0f} texts/s fingerprinted, matched and "
        f"added ({per_text * 1000:.2f} ms each; fingerprinting alone {fingerprinting * 1000:.2f}"
        f" ms: ratio {per_text / fingerprinting:.2f}); {found} of 2,000 new mixed texts matched"
    )
    print(
        f"index rebuilt from {stored:,} stored fingerprints in {rebuild:.1f} s; "
        f"its memory about {memory:.0f} MB (peak RSS growth); "
        f"{len(prints[0].to_bytes())} bytes a fingerprint stored"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=400, help="articles given copies")
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not (EVAL_DIR / "bbc").is_dir():
        sys.exit(f"no development articles at {EVAL_DIR}: set NEWSDIGEST_EVAL_DIR")
    rng = random.Random(args.seed)
    texts = load(EVAL_DIR)
    items = labelled(texts, args.sample, rng)
    truth = [item.story for item in items]
    made = cluster(items, rng)
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
    cost(texts, args.stored, rng)
    print()
    print("goals:")
    for line, met in (
        (f"precision ≥ {GOAL_PRECISION}: {precision:.4f}", precision >= GOAL_PRECISION),
        (f"recall ≥ {GOAL_RECALL}: {recall:.4f}", recall >= GOAL_RECALL),
    ):
        print(f"  {'PASS' if met else 'FAIL'}  {line}")


if __name__ == "__main__":
    main()
