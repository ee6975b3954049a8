"""The news summarizer: skips page furniture, keeps the lead, finds what matters later on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

import summarizers
from summarizers import Article
from summarizers.boilerplate import boilerplate_mask
from summarizers.evaluate import Budget, evaluate, read_dataset
from summarizers.news import NewsSummarizer, score_sentences, terms
from summarizers.tokenize import LANGUAGE, words

news = NewsSummarizer()

BYLINE = (
    "By .",
    "Jane Smith, Political Correspondent .",
    "PUBLISHED: .",
    "09:30 EST, 20 August 2012 .",
    "| .",
    "UPDATED: .",
    "03:43 EST, 21 August 2012 .",
)
STORY = (
    "The city council voted on Tuesday to close the old harbour bridge to cars from next spring.",
    "Engineers told the council that the bridge's steel supports had corroded beyond repair.",
    "A local bakery reopened after renovations, its owner said.",
    "Repairing the bridge supports would cost more than building a new bridge, engineers said.",
    "Cyclists and pedestrians will still be able to cross the bridge until the new one opens.",
    "The weather on Tuesday was mild.",
    "The council will ask for designs for a new harbour bridge before the summer, it said.",
)


def test_it_is_the_default_summarizer() -> None:
    assert summarizers.DEFAULT == "news"
    assert isinstance(summarizers.get("news"), NewsSummarizer)


def test_bylines_and_time_stamps_are_never_chosen() -> None:
    article = Article(paragraphs=(BYLINE + STORY,))
    summary = news.summarize(article, 3)
    assert len(summary) == 3
    assert not set(summary) & set(BYLINE)
    assert summary[0] == STORY[0]  # the lead of the story, not of the page


def test_the_mask_marks_page_furniture_only() -> None:
    prompts = ("Scroll down for video .", "Click here to read the full report.")
    mask = boilerplate_mask(BYLINE + STORY + prompts)
    assert mask == [True] * len(BYLINE) + [False] * len(STORY) + [True, True]


def test_a_sentence_starting_with_by_is_a_sentence_once_the_story_has_begun() -> None:
    sentences = (*STORY[:2], "By the end of the year the council hopes to choose a design.")
    assert boilerplate_mask(sentences) == [False, False, False]


def test_central_sentences_later_on_beat_asides_near_the_top() -> None:
    summary = news.summarize(Article(paragraphs=(STORY,)), 3)
    assert STORY[2] not in summary  # the bakery aside, second after the lead
    assert STORY[5] not in summary  # the weather
    assert STORY[0] in summary


def test_a_sentence_repeated_in_other_words_is_chosen_once() -> None:
    repeat = "The council voted on Tuesday to close the old harbour bridge to cars next spring."
    article = Article(paragraphs=((STORY[0], repeat, *STORY[1:]),))
    summary = news.summarize(article, 3)
    assert not {STORY[0], repeat} <= set(summary)


def test_the_summary_is_in_text_order_and_as_long_as_asked() -> None:
    article = Article(paragraphs=(STORY,))
    for count in range(1, len(STORY) + 2):
        summary = news.summarize(article, count)
        assert len(summary) == min(count, len(STORY))
        assert list(summary) == sorted(summary, key=STORY.index)
    assert news.summarize(article, 0) == ()
    assert news.summarize(Article(paragraphs=()), 3) == ()


def test_a_word_budget_is_kept_with_at_least_one_sentence() -> None:
    article = Article(paragraphs=(STORY,))
    for method in ("news", "lead", "lexrank"):
        summary = summarizers.get(method).summarize_words(article, 40)
        assert len(summary) >= 1
        assert sum(len(s.split()) for s in summary) <= 40
    assert len(news.summarize_words(article, 3)) == 1


def test_terms_are_stemmed_content_words_whatever_the_case_and_punctuation() -> None:
    sentence = "Shares ROSE to $10.9bn, the firm's well-known (rival) said."
    expected = ["share", "rose", "firm", "well-known", "rival"]
    assert terms(sentence) == expected
    # Asked again (now remembered), or written without punctuation, it gives the same terms.
    assert terms(sentence) == expected
    assert terms("shares rose to the firm's well-known rival said") == expected


def test_terms_stem_like_sumys_stemmer_on_everyday_words() -> None:
    stem = Stemmer(LANGUAGE)
    stop = get_stop_words(LANGUAGE)
    for sentence in STORY:
        expected = [stem(w.lower()) for w in words(sentence) if w.lower() not in stop]
        assert terms(sentence) == expected


def test_terms_stay_right_when_the_memory_starts_afresh() -> None:
    fresh = type(terms)()
    fresh.LIMIT = 3
    sentence = "Shares rose sharply in early trading on Monday."
    expected = ["share", "rose", "sharpli", "earli", "trade", "monday"]
    assert fresh(sentence) == expected  # six tokens learnt: past the limit
    assert fresh("Trading resumed.") == ["trade", "resum"]  # forgotten first, then learnt
    assert len(fresh) == 2
    assert fresh(sentence) == expected


def test_curly_and_straight_apostrophes_give_the_same_terms() -> None:
    assert terms("The firm’s shares") == terms("The firm's shares") == ["firm", "share"]


def test_a_token_of_several_words_is_one_term() -> None:
    assert terms("HIV/Aids, (hiv/aids)") == ["hiv aid", "hiv aid"]


def test_sentences_without_content_words_score_zero() -> None:
    scores, _ = score_sentences([[], ["bridge"], []], [5, 5, 5], [0, 1, 2], [True] * 3)
    assert scores[0] == scores[2] == 0.0
    assert scores[1] > 0


def test_text_without_content_words_falls_back_to_the_lead() -> None:
    article = Article.from_paragraphs(["It is what it is. So it was. And so it will be."])
    assert news.summarize(article, 2) == ("It is what it is.", "So it was.")


@pytest.mark.eval
def test_on_journalist_written_news_it_beats_the_lead(eval_dir: Path) -> None:
    examples = read_dataset(eval_dir / "cnndm-dev")[:60]
    results = evaluate(
        examples, [("news", news), ("lead", summarizers.get("lead"))], Budget(), oracle=False
    )
    ours, lead = results
    assert ours.rouge2 > lead.rouge2


@pytest.mark.eval
def test_on_bbc_news_it_finds_more_than_the_lead(eval_dir: Path) -> None:
    examples = read_dataset(eval_dir / "bbc")[:80]
    results = evaluate(
        examples, [("news", news), ("lead", summarizers.get("lead"))], Budget(), oracle=False
    )
    ours, lead = results
    assert ours.rouge2 > lead.rouge2 + 5
