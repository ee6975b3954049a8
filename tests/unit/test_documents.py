"""Reading the seed format and plain text files."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from bot.core.documents import DocumentError, content_id, is_heading, parse_text, read_file
from tests.conftest import SEEDS

SEED = SEEDS / "000_663a48dea55a7912.txt"


def test_the_seed_parses_into_its_date_headline_and_paragraphs() -> None:
    document = read_file(SEED, max_bytes=2_000_000)
    assert document.published == date(2020, 2, 27)
    assert document.headline == "Turkey refuses to back down"
    assert "Turkey refuses to back down" in document.headings
    assert "Turkey refuses to back down" not in document.paragraphs
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    first_body = lines[0].split(" ", 2)[2]
    # The rest of the date line is the first paragraph of the body.
    assert document.paragraphs[0] == first_body
    assert all(p in lines for p in document.paragraphs[1:])
    assert len(document.paragraphs) >= 5
    assert document.warnings == ()


def test_every_seed_parses_with_a_date_and_a_headline() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        document = read_file(path, max_bytes=2_000_000)
        assert document.headline, path
        assert len(document.headline) <= 90, path
        assert date(2020, 1, 1) <= document.published <= date(2020, 12, 31), path


def test_leading_spaces_before_the_date_line_are_allowed() -> None:
    document = parse_text("   date 2021-05-06 Rain fell all day.\n\nRivers rose.")
    assert document.published == date(2021, 5, 6)
    assert document.paragraphs == ("Rain fell all day.", "Rivers rose.")


def test_without_a_sub_heading_the_headline_is_the_first_sentence_cut_at_a_word() -> None:
    long_first = (
        "The national weather service warned on Sunday that an unusually strong storm "
        "system moving across the northern plains could bring blizzard conditions. More."
    )
    document = parse_text(f"date 2021-01-03 {long_first}")
    assert document.headline.endswith("…")
    assert len(document.headline) <= 90
    assert long_first.startswith(document.headline.removesuffix("…"))
    short = parse_text("date 2021-01-03 Markets rallied on Monday. Bonds fell.")
    assert short.headline == "Markets rallied on Monday"


def test_a_short_line_without_closing_punctuation_is_a_sub_heading() -> None:
    assert is_heading("Turkey refuses to back down")
    assert not is_heading("Turkey refused to back down.")
    assert not is_heading('He said: "We will not move."')
    assert not is_heading(
        "a very long line of text that keeps going without any punctuation at all for "
        "far more words than any sub-heading would ever have in a news story"
    )


def test_hard_wrapped_lines_are_joined_into_one_paragraph() -> None:
    document = parse_text(
        "date 2022-02-02 The council voted on Tuesday to close\n"
        "the bridge for repairs that will last\nuntil the summer.\n\nTraffic will divert."
    )
    assert document.paragraphs == (
        "The council voted on Tuesday to close the bridge for repairs that will last "
        "until the summer.",
        "Traffic will divert.",
    )


def test_the_same_text_with_other_spacing_is_the_same_document() -> None:
    a = parse_text("date 2020-01-01 One story.\n\nSecond paragraph.")
    b = parse_text("date 2020-01-02   One   story.\n\n\n Second paragraph. ")
    assert a.doc_id == b.doc_id == content_id(("One story.", "Second paragraph."))
    assert a.doc_id != parse_text("date 2020-01-01 Another story.").doc_id


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("bad-date.txt", b"date 2020-13-45 Something happened.", "impossible date"),
        ("no-body.txt", b"date 2020-01-01\n\n", "no article text"),
        ("odd-date.txt", b"date yesterday Something happened.", "expected date YYYY-MM-DD"),
        ("photo.jpg", b"date 2020-01-01 Not a text file name.", "not a .txt or .md file"),
    ],
)
def test_bad_input_is_rejected_with_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_file(write(tmp_path, name, data), max_bytes=1000)


def test_a_file_over_the_size_cap_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"date 2020-01-01 " + b"word. " * 400)
    with pytest.raises(DocumentError, match="too large: 2,416 bytes, the limit is 1,000"):
        read_file(path, max_bytes=1000)


def test_windows_1252_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cp1252.txt", "date 2020-01-01 The café’s owner said “no”.".encode("cp1252")
    )
    document = read_file(path, max_bytes=1000)
    assert document.paragraphs == ("The café’s owner said “no”.",)
    assert any("Windows-1252" in w for w in document.warnings)


def test_plain_text_without_a_date_takes_the_file_date_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.md", b"# Council budget agreed\n\nThe council agreed a budget.")
    os.utime(path, (1_600_000_000, 1_600_000_000))  # 2020-09-13
    document = read_file(path, max_bytes=1000)
    assert document.published == date(2020, 9, 13)
    assert document.headline == "Council budget agreed"
    assert document.paragraphs == ("The council agreed a budget.",)
    assert any("modification date" in w for w in document.warnings)
