"""Evaluating summarizers on a folder of articles and references, and `newsdigest eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizers
from bot.cli import cli
from summarizers.evaluate import (
    ORACLE,
    Budget,
    DatasetError,
    evaluate,
    oracle_summary,
    read_dataset,
)

TOPICS = {
    "001": ("Harbour bridge to close", "bridge", "council"),
    "002": ("", "river", "flood"),
    "003": ("Stadium plan approved", "stadium", "club"),
}


def _article(noun: str, actor: str) -> list[str]:
    return [
        f"The {actor} met on Monday morning in the town hall.",
        "Several visitors were present and the room was warm.",
        f"The {actor} said the {noun} would get new funding of five million pounds next year.",
        "Lunch was served afterwards to everybody who attended.",
        f"Work on the {noun} will start in April and end before the winter, the {actor} said.",
    ]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Three articles in the BBC News Summary layout; the references are sentences 3 and 5."""
    root = tmp_path / "set"
    for number, (title, noun, actor) in TOPICS.items():
        (root / "News Articles" / "news").mkdir(parents=True, exist_ok=True)
        (root / "Summaries" / "news").mkdir(parents=True, exist_ok=True)
        sentences = _article(noun, actor)
        body = f"{title}\n\n" + "\n\n".join(sentences) + "\n"
        path = root / "News Articles" / "news" / f"{number}.txt"
        if number == "003":
            # One file saved by a Windows tool, as in the real corpus.
            path.write_bytes(body.replace("pounds", "£").encode("cp1252"))
        else:
            path.write_text(body, encoding="utf-8")
        # References glued together without spaces, as the BBC corpus has them.
        (root / "Summaries" / "news" / f"{number}.txt").write_text(sentences[2] + sentences[4])
    return root


def test_the_layout_is_read_with_titles_references_and_windows_text(dataset: Path) -> None:
    examples = read_dataset(dataset)
    assert [e.name for e in examples] == ["news/001", "news/002", "news/003"]
    assert examples[0].title == "Harbour bridge to close"
    assert examples[1].title == ""  # an empty first line: no title
    assert len(examples[0].reference) == 2  # the glued sentences are split
    assert "£" in examples[2].paragraphs[2]
    assert examples[0].article().sentences[0].startswith("The council met")


def test_a_folder_in_another_layout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="News Articles"):
        read_dataset(tmp_path)


def test_the_oracle_picks_the_reference_sentences(dataset: Path) -> None:
    example = read_dataset(dataset)[0]
    chosen = oracle_summary(example.article(), example.reference, Budget(sentences=3))
    assert chosen == example.reference


def test_the_oracle_scores_above_every_method(dataset: Path) -> None:
    examples = read_dataset(dataset)
    methods = [(name, summarizers.get(name)) for name in ("lead", "news")]
    results = {r.method: r for r in evaluate(examples, methods, Budget(sentences=2))}
    assert results[ORACLE].rouge2 > 95
    assert results[ORACLE].articles_per_second is None
    assert results["lead"].rouge2 < results[ORACLE].rouge2
    assert results["lead"].articles_per_second is not None


def test_eval_command_writes_the_table_chart_and_json(dataset: Path, tmp_path: Path) -> None:
    out, figures = tmp_path / "out", tmp_path / "figures.json"
    result = CliRunner().invoke(
        cli, ["eval", "--data", str(dataset), "--out", str(out), "--json", str(figures)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(figures.read_text())
    assert [row["method"] for row in rows] == [*summarizers.names(), ORACLE]
    for row in rows:
        assert set(row) == {
            "method",
            "rouge1",
            "rouge2",
            "rougeL",
            "mean_words",
            "articles_per_second",
            "default",
        }
        assert 0 <= row["rouge2"] <= row["rouge1"] <= 100
    assert [row["method"] for row in rows if row["default"]] == [summarizers.DEFAULT]
    table = (out / "eval-set.md").read_text()
    assert "| lead |" in table and "| oracle |" in table and "(default)" in table
    assert (out / "eval-set.png").read_bytes().startswith(b"\x89PNG")
    assert "oracle" in result.output


def test_eval_command_keeps_a_word_budget(dataset: Path, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    args = ["eval", "--data", str(dataset), "--words", "20", "--methods", "news"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path), "--json", str(figures)])
    assert result.exit_code == 0, result.output
    for row in json.loads(figures.read_text()):
        assert row["mean_words"] <= 20, row


def test_eval_command_names_a_missing_layout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--data", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "News Articles" in result.output


def test_eval_command_refuses_an_unknown_method(dataset: Path, tmp_path: Path) -> None:
    args = ["eval", "--data", str(dataset), "--methods", "magic", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "magic" in result.output
