"""Offline tokenisation: sentence splitting, words, sumy's tokenizer and the BBC recall check."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sumy.models.dom import Sentence

from summarizers import split_sentences, words
from summarizers.tokenize import SumyTokenizer

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith arrived at 9 a.m. on Monday. He left.",
            ("Mr. Smith arrived at 9 a.m. on Monday.", "He left."),
        ),
        ("The U.S. economy grew.", ("The U.S. economy grew.",)),
        (
            "Dr. Brown of Acme Inc. said it, e.g. in Jan. last year. Sales fell.",
            ("Dr. Brown of Acme Inc. said it, e.g. in Jan. last year.", "Sales fell."),
        ),
        # An abbreviation or initial ends a sentence when a common sentence starter follows it.
        ("He chose plan B. The plan failed.", ("He chose plan B.", "The plan failed.")),
        ("J. A. Smith met J. R. R. Tolkien.", ("J. A. Smith met J. R. R. Tolkien.",)),
        ("He works for Acme Inc. The firm is big.", ("He works for Acme Inc.", "The firm is big.")),
        (
            "Prices rose 5.5% in 2004. In 2005 they fell.",
            ("Prices rose 5.5% in 2004.", "In 2005 they fell."),
        ),
        (
            '"Why?" he asked. "Why not?" She smiled.',
            ('"Why?" he asked.', '"Why not?"', "She smiled."),
        ),
        # Sentences glued together without a space, as in stitched-together HTML.
        (
            "Sales rose to $10.9bn.For the full-year, profit grew.",
            ("Sales rose to $10.9bn.", "For the full-year, profit grew."),
        ),
        ('He said: "We won."Then he left.', ('He said: "We won."', "Then he left.")),
        ("Mr.Smith left.", ("Mr.Smith left.",)),
        (
            "He lives at No. 10 Downing St. The house is old.",
            ("He lives at No. 10 Downing St.", "The house is old."),
        ),
        ("We met at 9 a.m. Then we left.", ("We met at 9 a.m.", "Then we left.")),
        ("The U.S. Army and St. Louis agreed.", ("The U.S. Army and St. Louis agreed.",)),
        ("Shares in ex-Gov. Smith's firm fell.", ("Shares in ex-Gov. Smith's firm fell.",)),
        # A closing quote set apart by a space still closes the sentence before it.
        ('"It was a great year. " Hayes agreed.', ('"It was a great year. "', "Hayes agreed.")),
        # An ellipsis ends a sentence only before a common sentence starter.
        ("He paused... Then he spoke.", ("He paused...", "Then he spoke.")),
        ("He waited… Nothing came.", ("He waited… Nothing came.",)),
        ('It was close... "We won," he said.', ('It was close... "We won," he said.',)),
        ("Sales rose (by 5%.) Profit fell.", ("Sales rose (by 5%.)", "Profit fell.")),
        ("Talks ended. Élysée officials left.", ("Talks ended.", "Élysée officials left.")),
        ("It grew 5% in 2004. 2005 was worse.", ("It grew 5% in 2004.", "2005 was worse.")),
        ("Is it over? no, it is not.", ("Is it over? no, it is not.",)),
        # A period standing alone marks where a flattened page's line ended.
        (
            "By . Jane Smith . PUBLISHED: . 09:30 EST",
            ("By .", "Jane Smith .", "PUBLISHED: .", "09:30 EST"),
        ),
        ("  First.\n\n  Second!  ", ("First.", "Second!")),
        ("", ()),
        (" \n\t", ()),
    ],
)
def test_split_sentences_keeps_abbreviations_and_splits_real_ends(
    text: str, expected: tuple[str, ...]
) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_returns_exact_stripped_pieces_of_the_text_in_order() -> None:
    text = "One sentence here.  Another,   with spaces!\nA third one?  "
    sentences = split_sentences(text)

    assert sentences == ("One sentence here.", "Another,   with spaces!", "A third one?")
    position = 0
    for sentence in sentences:
        position = text.index(sentence, position) + len(sentence)


def test_words_are_letters_with_inner_apostrophes_and_hyphens() -> None:
    assert words(
        "Don't say AOL's well-known rival 'Yahoo' earned $10.9bn from 3G in mid-2005."
    ) == (
        "Don't",
        "say",
        "AOL's",
        "well-known",
        "rival",
        "Yahoo",
        "earned",
        "from",
        "in",
        "mid",
    )
    assert words("Café naïve résumé") == ("Café", "naïve", "résumé")
    assert words("42 -- 7%") == ()


def test_sumy_tokenizer_gives_sumy_sentences_their_words() -> None:
    tokenizer = SumyTokenizer()

    assert tokenizer.language == "english"
    assert tokenizer.to_sentences("Mr. Lee spoke. Shares rose.") == (
        "Mr. Lee spoke.",
        "Shares rose.",
    )
    assert Sentence("Shares rose 4% on Monday.", tokenizer).words == (
        "Shares",
        "rose",
        "on",
        "Monday",
    )


# Runs in a fresh interpreter where connecting anywhere raises and no NLTK data can be found.
OFFLINE_SCRIPT = """
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network access attempted in the offline test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse

import nltk
nltk.data.path[:] = [sys.argv[1]]

from sumy.nlp.tokenizers import Tokenizer
try:
    Tokenizer("english")
except LookupError:
    pass
else:
    sys.exit("NLTK's punkt data is reachable, so this run proves nothing")

import summarizers
article = summarizers.Article.from_paragraphs(json.loads(sys.argv[2]), title="Rail chaos")
summaries = {name: summarizers.get(name).summarize(article, 2) for name in summarizers.names()}
print(json.dumps(summaries))
"""

OFFLINE_TEXT = [
    "Heavy rain closed rail lines across northern England on Monday. Network Rail said "
    "flooding near York had washed away track. Mr. Jones of Northern Rail said buses would "
    "replace trains.",
    "The Environment Agency issued 42 flood warnings. Forecasters expect more rain on "
    "Wednesday. Insurers put the damage at £25m so far.",
]


def test_every_summarizer_runs_with_no_network_and_no_nltk_data(tmp_path: Path) -> None:
    empty_data = tmp_path / "nltk_data"
    empty_home = tmp_path / "home"
    empty_data.mkdir()
    empty_home.mkdir()
    env = {
        **os.environ,
        "NLTK_DATA": str(empty_data),
        "HOME": str(empty_home),
        "PYTHONPATH": str(REPO),
        "PYTHONWARNINGS": "error",
    }

    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, str(empty_data), json.dumps(OFFLINE_TEXT)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    summaries = json.loads(result.stdout)
    sentences = set(split_sentences(" ".join(OFFLINE_TEXT)))
    assert len(sentences) == 6
    assert sorted(summaries) == sorted(
        ["news", "lexrank", "lsa", "textrank", "luhn", "kl", "sumbasic", "reduction", "lead"]
    )
    for name, summary in summaries.items():
        assert len(summary) == 2, name
        assert set(summary) <= sentences, name


# Reference summaries glue their sentences together with no space ("$10.9bn.For the year").
_SENTENCE_LIKE_END = re.compile(r"(?<=[.!?])(?=[A-Z\"'])|\n+")


def read_bbc(path: Path) -> str:
    """A BBC file's text; a few of them are cp1252 rather than UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def reference_recall(reference: str, sentences: tuple[str, ...]) -> tuple[int, int]:
    """How many of the reference's sentences are exactly sentences of the article, of how many.

    The reference is read from the start, taking at each point the longest article sentence it
    continues with. References glue sentences on without a space, so a match may not start
    just after a space (that is inside a reference sentence) nor end just before one (the
    article split a reference sentence in two). Stretches no article sentence matches are cut
    at anything that looks like a sentence end, and each piece counts as one missed sentence.
    """
    by_start: dict[str, list[str]] = {}
    for sentence in sorted(set(sentences), key=len, reverse=True):
        by_start.setdefault(sentence[0], []).append(sentence)

    found = missed = 0
    unmatched_from: int | None = None
    position = 0
    while position < len(reference):
        match = None
        if position == 0 or not reference[position - 1].isspace():
            for sentence in by_start.get(reference[position], ()):
                end = position + len(sentence)
                if reference.startswith(sentence, position) and (
                    end == len(reference) or reference[end] not in " \t"
                ):
                    match = sentence
                    break
        if match is None:
            if unmatched_from is None:
                unmatched_from = position
            position += 1
            continue
        if unmatched_from is not None:
            missed += _pieces(reference[unmatched_from:position])
            unmatched_from = None
        found += 1
        position += len(match)
        while position < len(reference) and reference[position].isspace():
            position += 1
    if unmatched_from is not None:
        missed += _pieces(reference[unmatched_from:])
    return found, found + missed


def _pieces(text: str) -> int:
    return sum(1 for piece in _SENTENCE_LIKE_END.split(text) if piece.strip())


def test_reference_recall_counts_split_and_merged_sentences_as_missed() -> None:
    reference = "Shares rose.Mr. Lee left.Sales fell. Then rose."
    assert reference_recall(
        reference, ("Shares rose.", "Mr. Lee left.", "Sales fell. Then rose.")
    ) == (3, 3)
    # The article split "Mr. Lee left." in two: "Mr." matches but a space follows it.
    assert reference_recall(
        reference, ("Shares rose.", "Mr.", "Lee left.", "Sales fell.", "Then rose.")
    ) == (1, 3)


@pytest.mark.eval
def test_split_sentences_recovers_bbc_reference_sentences_exactly(eval_dir: Path) -> None:
    articles = eval_dir / "bbc" / "News Articles"
    summaries = eval_dir / "bbc" / "Summaries"
    found = total = checked = 0
    for category in sorted(p for p in articles.iterdir() if p.is_dir()):
        # Every fifth article of each category keeps the test quick and the subset fixed.
        for path in sorted(category.glob("*.txt"))[::5]:
            lines = read_bbc(path).splitlines()
            # The first line is the title; the reference never quotes it.
            sentences = tuple(s for line in lines[1:] for s in split_sentences(line))
            hits, count = reference_recall(
                read_bbc(summaries / category.name / path.name), sentences
            )
            found += hits
            total += count
            checked += 1

    assert checked >= 250, f"only {checked} articles found under {articles}"
    assert found / total >= 0.987, f"{found} of {total} reference sentences recovered"
