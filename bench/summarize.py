"""How fast each summarizer is, as a ratio to sumy's LexRank measured in the same process.

    python bench/summarize.py [--data DIR] [--limit N]

Prints three tables: articles per second on the same articles for every method (summarising
only: the article arrives split into sentences, each method tokenises its words itself), the
cost of parsing (reading and sentence splitting) on its own, and the time per article as
articles grow from 20 to 400 sentences. Without --data, synthetic articles are used.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import summarizers
from summarizers.evaluate import read_dataset

BASELINE = "lexrank"
# KL is cubic in article length; it is left out of the growth table, where it would take minutes.
SLOW = {"kl"}


def synthetic(count: int, sentences: int, seed: int = 1) -> list[summarizers.Article]:
    """Articles of made-up sentences over a news-like vocabulary (no data set needed)."""
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in ("tra", "mil", "bor", "sen", "cal", "ver") for b in "aeiou"]
    vocabulary += ["government", "market", "police", "minister", "company", "team", "report"]

    def sentence() -> str:
        return (
            " ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 30))).capitalize() + "."
        )

    return [
        summarizers.Article(paragraphs=(tuple(sentence() for _ in range(sentences)),))
        for _ in range(count)
    ]


def per_second(method: str, articles: list[summarizers.Article]) -> float:
    summarizer = summarizers.get(method)
    start = time.perf_counter()
    for article in articles:
        summarizer.summarize(article, 3)
    return len(articles) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="A folder in the BBC News Summary layout.")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N articles.")
    args = parser.parse_args()

    if args.data:
        examples = read_dataset(args.data)[: args.limit]
        start = time.perf_counter()
        articles = [example.article() for example in examples]
        parsing = len(articles) / (time.perf_counter() - start)
        source = f"{args.data} ({len(articles)} articles)"
    else:
        articles = synthetic(args.limit or 300, 20)
        parsing = None
        source = f"{len(articles)} synthetic articles of 20 sentences"

    print(f"Summarising 3 sentences, {source}; ratio to {BASELINE} in this process\n")
    speeds = {method: per_second(method, articles) for method in summarizers.names()}
    base = speeds[BASELINE]
    print(f"{'method':<10} {'articles/s':>11} {'× ' + BASELINE:>10} {'× incl. parsing':>16}")
    for method, speed in speeds.items():
        with_parsing = ""
        if parsing:
            # Both pay for parsing once per article: 1 / (1/parsing + 1/speed).
            ratio = (1 / parsing + 1 / base) / (1 / parsing + 1 / speed)
            with_parsing = f"{ratio:.1f}×"
        print(f"{method:<10} {speed:>11.0f} {speed / base:>9.1f}× {with_parsing:>16}")
    if parsing:
        print(f"\nparsing (sentence splitting) alone: {parsing:.0f} articles/s")

    print("\nSeconds per article by length (synthetic articles)")
    lengths = (20, 50, 100, 200, 400)
    methods = [m for m in summarizers.names() if m not in SLOW]
    print(f"{'sentences':>9} " + " ".join(f"{m:>10}" for m in methods))
    for length in lengths:
        batch = synthetic(3, length, seed=length)
        row = [1 / per_second(method, batch) for method in methods]
        print(f"{length:>9} " + " ".join(f"{seconds:>10.4f}" for seconds in row))


if __name__ == "__main__":
    main()
