"""The topic language: words, "phrases", -exclusions and OR, matched and ranked by the
search index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.core.documents import Document, content_id
from bot.core.search_queries import topic_query
from bot.core.store import Store
from bot.core.topics import TopicError, parse_topic
from summarizers import split_sentences


def add(store: Store, headline: str, body: str) -> str:
    document = Document(
        doc_id=content_id((headline, body)),
        published=date(2020, 3, 1),
        headline=headline,
        paragraphs=(body,),
        headings=(),
        source="x.txt",
    )
    store.add_document(document, (split_sentences(body),))
    return document.doc_id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder: Path = tmp_path_factory.mktemp("topics")
    opened = Store.open(f"sqlite:///{folder}/topics.db")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def docs(store: Store) -> dict[str, str]:
    return {
        "oil": add(store, "Oil prices crash",
                   "Oil prices fell sharply. OPEC members could not agree on output."),
        "football": add(store, "Late winner",
                        "The striker scored in the last minute. The oil-rich owners cheered."),
        "once": add(store, "Markets", "Oil rose. Gold fell."),
        "often": add(store, "Markets", "Oil rose. Oil traders cheered. Oil demand grew."),
        "headline": add(store, "Oil surges", "Oil rose. Gold fell."),
    }  # fmt: skip


Score = Callable[[str, str], float | None]


@pytest.fixture
def score(store: Store, docs: dict[str, str]) -> Score:
    def scored(topic: str, name: str) -> float | None:
        found = store.find(topic_query(parse_topic(topic)), 10)
        return next((s.score for s in found if s.document.id == docs[name]), None)

    return scored


def test_words_match_whatever_their_case_and_form(score: Score) -> None:
    assert score("PRICE", "oil") is not None
    assert score("crashing", "oil") is not None  # stemmed: crash
    assert score("Idlib", "oil") is None


def test_past_forms_of_irregular_verbs_match_their_verb(score: Score) -> None:
    assert score("rise", "once") is not None  # "Oil rose."
    assert score("falling", "oil") is not None  # "fell sharply"


def test_all_words_must_occur_unless_separated_by_or(score: Score) -> None:
    assert score("oil OPEC", "oil") is not None
    assert score("oil striker", "oil") is None
    assert score("oil OR striker", "football") is not None
    assert score("Idlib OR striker", "oil") is None


def test_a_quoted_phrase_must_occur_as_written(score: Score) -> None:
    assert score('"oil prices"', "oil") is not None
    assert score('"prices oil"', "oil") is None
    assert score('"oil prices"', "football") is None


def test_an_excluded_word_rules_a_story_out(score: Score) -> None:
    assert score("oil", "football") is not None
    assert score("oil -striker", "football") is None
    assert score('oil -"last minute"', "football") is None
    assert score("oil -striker", "oil") is not None


def test_more_mentions_and_a_headline_mention_score_higher(score: Score) -> None:
    once = score("oil", "once")
    assert once is not None
    assert (score("oil", "often") or 0) > once
    assert (score("oil", "headline") or 0) > once


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
