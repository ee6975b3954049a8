"""The topic language: words, "phrases", -exclusions and OR, matched with a score."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.documents import content_id
from bot.core.store import StoredDocument
from bot.core.terms import TermCache
from bot.core.topics import TopicError, parse_topic
from summarizers import split_sentences


def doc(headline: str, body: str) -> StoredDocument:
    return StoredDocument(
        id=content_id((headline, body)),
        published=date(2020, 3, 1),
        headline=headline,
        paragraphs=(body,),
        headings=(),
        sentences=(split_sentences(body),),
        source="x.txt",
        ingested_at=datetime(2020, 3, 1, tzinfo=UTC),
    )


OIL = doc("Oil prices crash", "Oil prices fell sharply. OPEC members could not agree on output.")
FOOTBALL = doc("Late winner", "The striker scored in the last minute. The oil-rich owners cheered.")
TERMS = TermCache()


def score(topic: str, document: StoredDocument) -> float | None:
    return parse_topic(topic).score(TERMS(document))


def test_words_match_whatever_their_case_and_form() -> None:
    assert score("PRICE", OIL) is not None
    assert score("crashing", OIL) is not None  # stemmed: crash
    assert score("Idlib", OIL) is None


def test_all_words_must_occur_unless_separated_by_or() -> None:
    assert score("oil OPEC", OIL) is not None
    assert score("oil striker", OIL) is None
    assert score("oil OR striker", FOOTBALL) is not None
    assert score("Idlib OR striker", OIL) is None


def test_a_quoted_phrase_must_occur_as_written() -> None:
    assert score('"oil prices"', OIL) is not None
    assert score('"prices oil"', OIL) is None
    assert score('"oil prices"', FOOTBALL) is None


def test_an_excluded_word_rules_a_story_out() -> None:
    assert score("oil", FOOTBALL) is not None
    assert score("oil -striker", FOOTBALL) is None
    assert score('oil -"last minute"', FOOTBALL) is None
    assert score("oil -striker", OIL) is not None


def test_more_mentions_and_a_headline_mention_score_higher() -> None:
    once = doc("Markets", "Oil rose. Gold fell.")
    often = doc("Markets", "Oil rose. Oil traders cheered. Oil demand grew.")
    headline = doc("Oil surges", "Oil rose. Gold fell.")
    assert score("oil", often) > score("oil", once)  # type: ignore[operator]
    assert score("oil", headline) > score("oil", once)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "at least one word"), ("  ", "at least one word"), ("-war", "not only -excluded")],
)
def test_a_topic_without_words_to_look_for_is_refused(text: str, reason: str) -> None:
    with pytest.raises(TopicError, match=reason):
        parse_topic(text)


def test_the_topic_text_is_kept_with_its_spacing_tidied() -> None:
    assert parse_topic('  "oil  price"   -OPEC ').text == '"oil price" -OPEC'


@pytest.mark.parametrize("typed", ["the of and", "the new", "Idlib OR the", '"of the"'])
def test_a_topic_of_common_words_alone_is_refused_as_a_question_would_be(typed: str) -> None:
    with pytest.raises(TopicError, match="common words"):
        parse_topic(typed)


def test_a_common_word_beside_a_content_word_is_kept_and_old_topics_still_parse() -> None:
    assert parse_topic("the Idlib offensive").alternatives
    assert parse_topic('"the Hague"').alternatives
    # Topics stored before the rule keep working for the chats that follow them.
    assert parse_topic("the of and", common_words=True).alternatives
