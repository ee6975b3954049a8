"""One summary from several reports of the same story, without repeats."""

from __future__ import annotations

from summarizers import Article
from summarizers.multi import summarize_story

FIRST = Article.from_paragraphs(
    [
        "Heavy rain flooded the centre of the river town of Eastford on Sunday night. "
        "About 300 homes were evacuated as the river rose two metres above its usual level. "
        "The mayor said the flood defences built in 2010 had held in the north of the town."
    ]
)
# Another source: one sentence copied word for word, one reworded, and a new fact.
SECOND = Article.from_paragraphs(
    [
        "By . Staff Reporter . "
        "Heavy rain flooded the centre of the river town of Eastford on Sunday night. "
        "Some 300 homes were evacuated when the river rose two metres above its usual level. "
        "Rail services between Eastford and the coast were cancelled because the line flooded."
    ]
)


def test_a_story_from_two_sources_is_summarised_once_without_repeats() -> None:
    # Four facts in all: the flood, the evacuation, the defences, the trains.
    summary = summarize_story([FIRST, SECOND], 4)
    assert len(summary) == len(set(summary)) == 4
    flood = [s for s in summary if "homes were evacuated" in s]
    assert len(flood) <= 1  # the reworded sentence is not picked beside the original
    assert any("Rail services" in s for s in summary)  # a fact only the second source has
    assert not any(s.startswith("By") for s in summary)


def test_when_only_repeats_are_left_the_summary_is_shorter() -> None:
    summary = summarize_story([FIRST, FIRST, FIRST], 5)
    assert summary == FIRST.sentences


def test_nothing_in_gives_nothing_out() -> None:
    assert summarize_story([], 3) == ()
    assert summarize_story([FIRST], 0) == ()
