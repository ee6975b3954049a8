"""How fast each summarizer is, as a ratio to sumy's LexRank measured in the same process.

    python bench/summarize.py [--data DIR] [--limit N] [--passes N] [--halves]
                              [--methods news,lexrank,...]

With --data, every method reads the same articles, one method after another, and each table
gives articles per second (a) summarising only — the article arrives split into sentences and
the method tokenises its words itself — and (b) end to end, as the bot does it: building the
article from its raw paragraphs (sentence splitting) and summarising it. The first pass is the
first time this process sees the articles' words: it starts with the tokens and terms `news`
remembers forgotten, as in a new process. Later passes read the same articles again, when
those are all known, as a long-running bot knows its everyday vocabulary. With --halves, every
method first reads the even-numbered articles, untimed, and is timed on the others: new
articles to a process that has read some before. Then the time per article as articles grow
from 20 to 400 sentences (synthetic text). Without --data, synthetic articles are used and only
summarising is timed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import summarizers
from summarizers.evaluate import Example, read_dataset
from summarizers.news import terms

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
    """Articles per second of one method summarising already split articles."""
    summarizer = summarizers.get(method)
    start = time.perf_counter()
    for article in articles:
        summarizer.summarize(article, 3)
    return len(articles) / (time.perf_counter() - start)


def timed(method: str, examples: Sequence[Example]) -> tuple[float, float]:
    """Seconds one method spent building the articles from raw text, and summarising them."""
    summarizer = summarizers.get(method)
    parsing = summarising = 0.0
    clock = time.perf_counter
    for example in examples:
        start = clock()
        article = example.article()
        split = clock()
        summarizer.summarize(article, 3)
        parsing += split - start
        summarising += clock() - split
    return parsing, summarising


def print_table(
    methods: Sequence[str], count: int, seconds: dict[str, tuple[float, float]]
) -> None:
    """Articles per second of each method, and ratios to the baseline, from (parsing, summarising)
    seconds over `count` articles."""
    base_parsing, base_summarising = seconds[BASELINE]
    end_to_end = bool(base_parsing)
    header = f"{'method':<10} {'summarising/s':>14} {'× ' + BASELINE:>10}"
    if end_to_end:
        header += f" {'end to end/s':>13} {'× ' + BASELINE:>10}"
    print(header)
    for method in methods:
        parsing, summarising = seconds[method]
        line = f"{method:<10} {count / summarising:>14.0f} {base_summarising / summarising:>9.1f}×"
        if end_to_end:
            total = parsing + summarising
            line += f" {count / total:>13.0f} {(base_parsing + base_summarising) / total:>9.1f}×"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="A folder in the BBC News Summary layout.")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N articles.")
    parser.add_argument("--passes", type=int, default=2, help="Passes over the articles.")
    parser.add_argument(
        "--halves",
        action="store_true",
        help="Time the odd-numbered articles after every method has read the even-numbered ones.",
    )
    parser.add_argument(
        "--methods",
        default=",".join(summarizers.names()),
        help=f"Comma-separated methods to time ({BASELINE} is always among them).",
    )
    args = parser.parse_args()
    methods = list(dict.fromkeys([BASELINE, *args.methods.split(",")]))

    if args.data:
        examples = read_dataset(args.data)[: args.limit]
        terms.forget()  # nothing known yet, whatever ran before in this process
        if args.halves:
            for method in methods:
                timed(method, examples[0::2])
            examples = examples[1::2]
        print(f"3-sentence summaries of {args.data} ({len(examples)} articles), one process")
        if args.halves:
            print("(the odd-numbered articles, after every method read the even-numbered ones)")
        for number in range(1, args.passes + 1):
            reading = "first reading of these articles" if number == 1 else "reading them again"
            print(f"\nPass {number} ({reading}); ratios to {BASELINE} in the same pass")
            print(f"tokens `news` knows at the start: {len(terms)}")
            seconds = {method: timed(method, examples) for method in methods}
            print_table(methods, len(examples), seconds)
            parsing = sum(p for p, _ in seconds.values()) / len(seconds)
            print(
                f"sentence splitting alone: {1000 * parsing / len(examples):.3f} ms per article "
                f"({len(examples) / parsing:.0f} articles/s)"
            )
    else:
        articles = synthetic(args.limit or 300, 20)
        print(f"3-sentence summaries of {len(articles)} synthetic articles of 20 sentences\n")
        print_table(
            methods,
            len(articles),
            {m: (0.0, len(articles) / per_second(m, articles)) for m in methods},
        )

    print("\nSeconds per article by length (synthetic articles)")
    lengths = (20, 50, 100, 200, 400)
    growing = [m for m in methods if m not in SLOW]
    print(f"{'sentences':>9} " + " ".join(f"{m:>10}" for m in growing))
    for length in lengths:
        batch = synthetic(3, length, seed=length)
        row = [1 / per_second(method, batch) for method in growing]
        print(f"{length:>9} " + " ".join(f"{seconds:>10.4f}" for seconds in row))


if __name__ == "__main__":
    main()
