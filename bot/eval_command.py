"""`newsdigest eval`: score summarizers against a folder of articles with reference summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import summarizers
from summarizers.evaluate import (
    ORACLE,
    Budget,
    DatasetError,
    MethodResult,
    evaluate,
    markdown_table,
    read_dataset,
    write_chart,
    write_json,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _methods(requested: list[str] | None) -> list[str]:
    """The requested methods, with the baselines (lead and every other method) always in."""
    known = summarizers.names()
    unknown = [name for name in requested or [] if name not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown method {unknown[0]!r}; choose from: {', '.join(known)}",
            param_hint="--methods",
        )
    # The baselines are the point of comparison, so they are run whatever is asked for.
    return list(dict.fromkeys([*(requested or []), *known]))


def _table(results: list[MethodResult], title: str) -> Table:
    table = Table(title=title)
    for column in ("method", "R1", "R2", "RL", "mean words", "articles/s"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for r in results:
        speed = "–" if r.articles_per_second is None else f"{r.articles_per_second:.0f}"
        name = f"{r.method} (default)" if r.default else r.method
        table.add_row(
            name,
            f"{r.rouge1:.1f}",
            f"{r.rouge2:.1f}",
            f"{r.rougeL:.1f}",
            f"{r.mean_words:.0f}",
            speed,
        )
    return table


def eval_command(
    data: Annotated[
        Path,
        typer.Option(
            help="A folder with 'News Articles/<category>/…' and 'Summaries/<category>/…'."
        ),
    ],
    methods: Annotated[
        list[str] | None,
        typer.Option(
            "--methods", help="Methods to run (repeat the option); lead and sumy's always run."
        ),
    ] = None,
    sentences: Annotated[int, typer.Option(min=1, max=50, help="Sentences per summary.")] = 3,
    words: Annotated[
        int | None, typer.Option(min=5, help="A budget in words instead of sentences.")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the Markdown table and the PNG chart.")
    ] = Path("eval-results"),
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N articles (a quick look).")
    ] = None,
) -> None:
    """Score every summarizer (and the oracle) with ROUGE and articles/second on a data set."""
    try:
        examples = read_dataset(data)[:limit]
    except DatasetError as error:
        err.print(f"[red]Cannot evaluate:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    names = _methods(methods)
    budget = Budget(sentences=sentences, words=words)
    default = summarizers.DEFAULT
    with Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks = {name: bar.add_task(name, total=len(examples)) for name in [*names, ORACLE]}

        def progress(method: str, done: int, total: int) -> None:
            bar.update(tasks[method], completed=done, total=total)

        results = evaluate(
            examples,
            [(name, summarizers.get(name)) for name in names],
            budget,
            default=default,
            progress=progress,
        )
    title = f"{data.name}: {len(examples)} articles, {budget.describe()}"
    out.print(_table(results, title))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{data.name}"
    (out_dir / f"{stem}.md").write_text(f"### {title}\n\n{markdown_table(results)}", "utf-8")
    write_chart(results, out_dir / f"{stem}.png", title)
    if json_file is not None:
        write_json(results, json_file)
    out.print(f"Wrote {out_dir / stem}.md and {out_dir / stem}.png", highlight=False)
