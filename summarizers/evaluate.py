"""Scoring summarizers against reference summaries: ROUGE, speed and the extractive oracle.

A data set is a folder in the layout of the BBC News Summary corpus:

    <folder>/News Articles/<category>/NNN.txt   first line: the title, empty when there is none;
                                                then the text, paragraphs split by blank lines
    <folder>/Summaries/<category>/NNN.txt       the reference summary of the same article

Reference sentences may be one per line or glued together ("…$10.9bn.For the year…"); both
are split with the same sentence splitter the summarizers use. ROUGE is the `rouge-score`
package's F1 with Porter stemming, and ROUGE-L is `rougeLsum` over one sentence per line, so
the order of reference sentences does not matter. Articles per second include building the
article from its raw text (sentence splitting), as the bot does.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from summarizers.base import Article, Summarizer, word_count
from summarizers.tokenize import split_sentences

__all__ = [
    "ORACLE",
    "Budget",
    "DatasetError",
    "Example",
    "MethodResult",
    "choose",
    "evaluate",
    "markdown_table",
    "oracle_summary",
    "read_dataset",
    "write_chart",
    "write_json",
]

ORACLE = "oracle"
ARTICLES = "News Articles"
SUMMARIES = "Summaries"

# Called after each article a method has summarised: (method, articles done, articles in all).
Progress = Callable[[str, int, int], None]


class DatasetError(ValueError):
    """A folder that is not in the expected layout, or holds no article with a summary."""


@dataclass(frozen=True)
class Example:
    """One article of a data set, as raw text, with its reference summary."""

    name: str
    title: str
    paragraphs: tuple[str, ...]
    reference: tuple[str, ...]

    def article(self) -> Article:
        """The article as the summarizers see it (this is where the text is split)."""
        return Article.from_paragraphs(self.paragraphs, title=self.title)


@dataclass(frozen=True)
class Budget:
    """How long a summary may be: a number of sentences, or a number of words."""

    sentences: int = 3
    words: int | None = None

    def describe(self) -> str:
        """The budget in words a reader understands ("3 sentences", "55 words")."""
        return f"{self.words} words" if self.words else f"{self.sentences} sentences"


@dataclass(frozen=True)
class MethodResult:
    """One method's figures on a data set: ROUGE F1 × 100, mean length and speed."""

    method: str
    rouge1: float
    rouge2: float
    rougeL: float
    mean_words: float
    # None for the oracle, which reads the references and so is not a method one can time.
    articles_per_second: float | None
    default: bool


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Text saved by Windows tools; the BBC corpus has one such file.
        return data.decode("cp1252", errors="replace")


def _paragraphs(text: str) -> tuple[str, ...]:
    blocks = (" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n"))
    return tuple(block for block in blocks if block)


def read_dataset(folder: Path) -> tuple[Example, ...]:
    """Every article under `folder` that has a reference summary, sorted by name."""
    articles, summaries = folder / ARTICLES, folder / SUMMARIES
    if not articles.is_dir() or not summaries.is_dir():
        raise DatasetError(f"{folder} needs the folders '{ARTICLES}' and '{SUMMARIES}'")
    examples = []
    for path in sorted(articles.rglob("*.txt")):
        relative = path.relative_to(articles)
        summary = summaries / relative
        if not summary.is_file():
            continue
        title, _, body = _read_text(path).partition("\n")
        reference = tuple(
            sentence
            for line in _read_text(summary).splitlines()
            for sentence in split_sentences(line)
        )
        examples.append(
            Example(
                name=relative.with_suffix("").as_posix(),
                title=" ".join(title.split()),
                paragraphs=_paragraphs(body),
                reference=reference,
            )
        )
    if not examples:
        raise DatasetError(f"no article in {articles} has a summary in {summaries}")
    return tuple(examples)


def choose(summarizer: Summarizer, article: Article, budget: Budget) -> tuple[str, ...]:
    """The summarizer's summary of the article within the budget."""
    if budget.words:
        return summarizer.summarize_words(article, budget.words)
    return summarizer.summarize(article, budget.sentences)


# The oracle: ROUGE-1 + ROUGE-2 recomputed greedily, with rouge-score's own tokenisation.


@cache
def _tokenizer() -> Any:
    # Imported on first use: loading rouge-score takes a quarter of a second, and every
    # `newsdigest` command would pay for it.
    from rouge_score import tokenizers

    return tokenizers.DefaultTokenizer(use_stemmer=True)


def _grams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(candidate: Counter[tuple[str, ...]], reference: Counter[tuple[str, ...]]) -> float:
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(candidate.values())
    recall = overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def oracle_summary(article: Article, reference: Iterable[str], budget: Budget) -> tuple[str, ...]:
    """The greedy extractive oracle: an upper bound for sentence-picking methods.

    It adds, one at a time, the sentence that raises ROUGE-1 + ROUGE-2 F1 against the
    reference the most, and stops when none raises it or the budget is spent.
    """
    tokenize = _tokenizer().tokenize
    wanted = [tokenize(" ".join(reference))]
    target = [_grams(wanted[0], 1), _grams(wanted[0], 2)]
    sentences = article.distinct_sentences
    tokens = [tokenize(sentence) for sentence in sentences]
    chosen: list[int] = []
    picked: list[str] = []
    best = 0.0
    while budget.words or len(chosen) < budget.sentences:
        gains = []
        for index in range(len(sentences)):
            if index in chosen:
                continue
            words = sum(word_count(sentences[i]) for i in (*chosen, index))
            if budget.words and chosen and words > budget.words:
                continue
            candidate = picked + tokens[index]
            score = _f1(_grams(candidate, 1), target[0]) + _f1(_grams(candidate, 2), target[1])
            gains.append((score, index))
        if not gains or max(gains)[0] <= best:
            break
        best, index = max(gains)
        chosen.append(index)
        picked = picked + tokens[index]
    return tuple(sentences[index] for index in sorted(chosen))


# Scoring and timing.


@cache
def _scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)


def _scores(summaries: Sequence[tuple[str, ...]], examples: Sequence[Example]) -> list[float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 × 100 over the examples."""
    totals = [0.0, 0.0, 0.0]
    for summary, example in zip(summaries, examples, strict=True):
        scores = _scorer().score("\n".join(example.reference), "\n".join(summary))
        for i, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
            totals[i] += scores[key].fmeasure
    return [100 * total / len(examples) for total in totals]


def evaluate(
    examples: Sequence[Example],
    methods: Iterable[tuple[str, Summarizer]],
    budget: Budget,
    *,
    default: str | None = None,
    oracle: bool = True,
    progress: Progress | None = None,
) -> list[MethodResult]:
    """Run each named method on every example, in one process, and score it.

    Each method's time covers building the article from raw text and summarising it. With
    `oracle` the greedy oracle is scored last (its time is not measured).
    """
    results = []
    for name, summarizer in methods:
        summaries = []
        elapsed = 0.0
        for done, example in enumerate(examples, start=1):
            start = time.perf_counter()
            summaries.append(choose(summarizer, example.article(), budget))
            elapsed += time.perf_counter() - start
            if progress:
                progress(name, done, len(examples))
        results.append(_result(name, summaries, examples, len(examples) / elapsed, default))
    if oracle:
        summaries = []
        for done, example in enumerate(examples, start=1):
            summaries.append(oracle_summary(example.article(), example.reference, budget))
            if progress:
                progress(ORACLE, done, len(examples))
        results.append(_result(ORACLE, summaries, examples, None, default))
    return results


def _result(
    name: str,
    summaries: Sequence[tuple[str, ...]],
    examples: Sequence[Example],
    speed: float | None,
    default: str | None,
) -> MethodResult:
    rouge1, rouge2, rouge_l = _scores(summaries, examples)
    words = sum(word_count(sentence) for summary in summaries for sentence in summary)
    return MethodResult(
        method=name,
        rouge1=round(rouge1, 2),
        rouge2=round(rouge2, 2),
        rougeL=round(rouge_l, 2),
        mean_words=round(words / len(examples), 1),
        articles_per_second=None if speed is None else round(speed, 1),
        default=name == default,
    )


# Reports: a Markdown table, a bar chart and JSON.


def _speed_ratio(result: MethodResult, baseline: MethodResult | None) -> str:
    if result.articles_per_second is None or baseline is None:
        return "–"
    assert baseline.articles_per_second is not None
    return f"{result.articles_per_second / baseline.articles_per_second:.1f}×"


def markdown_table(results: Sequence[MethodResult], baseline: str = "lexrank") -> str:
    """The results as a Markdown table, with each method's speed as a ratio to `baseline`."""
    base = next((r for r in results if r.method == baseline and r.articles_per_second), None)
    lines = [
        f"| method | R1 | R2 | RL | mean words | articles/s | × {baseline} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        name = f"**{result.method}** (default)" if result.default else result.method
        speed = "–" if result.articles_per_second is None else f"{result.articles_per_second:.0f}"
        lines.append(
            f"| {name} | {result.rouge1:.1f} | {result.rouge2:.1f} | {result.rougeL:.1f} "
            f"| {result.mean_words:.0f} | {speed} | {_speed_ratio(result, base)} |"
        )
    return "\n".join(lines) + "\n"


def write_chart(results: Sequence[MethodResult], path: Path, title: str) -> None:
    """A PNG bar chart of ROUGE-1, ROUGE-2 and ROUGE-L per method."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or wanted
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(max(6.0, 0.9 * len(results) + 2), 4.2))
    width = 0.27
    positions = range(len(results))
    for offset, (label, key) in enumerate((("R1", "rouge1"), ("R2", "rouge2"), ("RL", "rougeL"))):
        axes.bar(
            [p + (offset - 1) * width for p in positions],
            [getattr(result, key) for result in results],
            width,
            label=label,
        )
    axes.set_xticks(list(positions))
    axes.set_xticklabels(
        [f"{r.method}*" if r.default else r.method for r in results], rotation=30, ha="right"
    )
    axes.set_ylabel("F1 × 100")
    axes.set_title(title)
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write_json(results: Sequence[MethodResult], path: Path) -> None:
    """The results as a JSON list of objects, one per method."""
    path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8")
