"""Page furniture: time stamps are short, and splitting a sentence beforehand changes nothing."""

from __future__ import annotations

from summarizers.boilerplate import boilerplate_mask

STORY = (
    "The city council voted on Tuesday to close the old harbour bridge to cars from next spring.",
    "Engineers told the council that the bridge's steel supports had corroded beyond repair.",
)


def test_a_time_stamp_is_furniture_anywhere() -> None:
    sentences = (*STORY, "09:30 EST, 20 August 2012 .")
    assert boilerplate_mask(sentences) == [False, False, True]


def test_a_long_sentence_of_short_words_is_no_time_stamp() -> None:
    # Every word here could be part of a stamp ("on", "Sunday", a two-to-four-letter zone).
    sentence = "She said the team will play well on Sunday in March."
    assert boilerplate_mask((*STORY, sentence)) == [False, False, False]


def test_tokens_split_beforehand_give_the_same_mask() -> None:
    sentences = (
        "By .",
        "Jane Smith, Political Correspondent .",
        "PUBLISHED: .",
        "09:30 EST, 20 August 2012 .",
        *STORY,
        "Scroll down for video .",
    )
    lowered = [sentence.lower().split() for sentence in sentences]
    expected = [True, True, True, True, False, False, True]
    assert boilerplate_mask(sentences) == boilerplate_mask(sentences, lowered) == expected
