"""Which digest story a follow-up question means, from its words alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.follow_ups import main_person, more_on, names_no_one, story_named, with_person
from bot.core.store import StoredDocument
from summarizers import split_sentences


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("tell me more about the second one", 2),
        ("What about the first?", 1),
        ("the last one", 5),
        ("story 3", 3),
        ("item #4", 4),
        ("more on the 5th article", 5),
        ("the sixth one", None),  # a five-story digest has no sixth
        ("what did the second reading of the bill change?", None),
        ("who won the first round?", None),
    ],
)
def test_a_story_is_named_by_its_place(question: str, number: int | None) -> None:
    assert story_named(question, 5) == number


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("more on Idlib", "Idlib"),
        ("Tell me more about oil prices?", "oil prices"),
        ("anything else on the Fed", "the Fed"),
        ("more on the second one", None),  # a place, not words
        ("what is more important about oil?", None),
    ],
)
def test_more_on_gives_the_words_asked_about(question: str, words: str | None) -> None:
    assert more_on(question) == words


def test_a_pronoun_is_resolved_only_when_the_question_names_no_one() -> None:
    assert names_no_one("what did he say?")
    assert names_no_one("Did she resign?")
    assert not names_no_one("What did Erdogan say about him?")
    assert not names_no_one("what happened in Idlib?")
    assert with_person("what did he say about his plan?", "Powell") == (
        "what did Powell say about Powell’s plan?"
    )


def story(text: str) -> StoredDocument:
    return StoredDocument(
        id="x", published=date(2020, 3, 1), headline="", paragraphs=(text,), headings=(),
        sentences=(split_sentences(text),), source="x.txt",
        ingested_at=datetime(2020, 3, 1, tzinfo=UTC),
    )  # fmt: skip


def test_the_person_of_a_story_is_the_one_written_in_full_then_by_surname() -> None:
    fed = story(
        "Federal Reserve Chair Jerome Powell cut rates. Powell said the economy was strong. "
        "Saudi Arabia raised output. Saudi Arabia said prices would fall. Powell added more."
    )
    assert main_person(fed) == "Powell"
    places = story("Syrian forces shelled Idlib. The Syrian army advanced. Idlib was quiet.")
    assert main_person(places) is None
