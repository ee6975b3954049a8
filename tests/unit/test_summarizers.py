"""Behaviour every registered summarizer shares, the lead baseline, the registry and Article."""

from __future__ import annotations

import pytest

import summarizers
from summarizers import Article, UnknownSummarizerError, get, names

TITLE = "Floods close rail lines across northern England"

NEWS = [
    "Heavy rain has closed several rail lines across northern England, stranding thousands of "
    "commuters on Monday morning. Network Rail said flooding between Leeds and York had "
    "washed away a section of track near Church Fenton.",
    "The Environment Agency issued 42 flood warnings overnight, mostly along the rivers Ouse "
    "and Aire. Residents in low-lying streets of Selby were told to move valuables upstairs. "
    "About 300 homes lost power for several hours.",
    'Mr. Jones, a spokesman for Northern Rail, said buses would replace trains "for as long '
    'as it takes". He added that engineers could not inspect the damaged track until the '
    "water level fell. Passengers were advised not to travel unless their journey was "
    "essential.",
    "The Met Office said a further 40mm of rain could fall on already saturated ground by "
    "Wednesday. Forecasters expect the river Ouse to peak on Tuesday evening. Farmers near "
    "the river said fields had been under water for a week.",
    "Local councils have opened three rest centres for people forced out of their homes. "
    "Volunteers handed out blankets and hot drinks at a school hall in Selby. The government "
    "said it would meet councils' emergency costs under its usual disaster relief scheme.",
    "Insurers estimate the damage at £25m so far. Last winter's floods cost the region more "
    "than £100m, and critics say flood defences promised then are still unfinished.",
]


@pytest.fixture(scope="module")
def news() -> Article:
    article = Article.from_paragraphs(NEWS, title=TITLE)
    assert 12 <= len(article.sentences) <= 20, "the sample should read like a real news story"
    return article


def assert_in_text_order(summary: tuple[str, ...], article: Article) -> None:
    """Every summary sentence is a distinct sentence of the article, in the article's order."""
    assert len(set(summary)) == len(summary), f"duplicates in {summary}"
    position = {sentence: index for index, sentence in enumerate(article.distinct_sentences)}
    assert all(sentence in position for sentence in summary), f"not from the article: {summary}"
    indices = [position[sentence] for sentence in summary]
    assert indices == sorted(indices)


def test_names_lists_every_method_and_the_default_is_one_of_them() -> None:
    assert set(names()) == {
        "news",
        "lexrank",
        "lsa",
        "textrank",
        "luhn",
        "kl",
        "sumbasic",
        "reduction",
        "lead",
    }
    assert summarizers.DEFAULT == "news"


@pytest.mark.parametrize("name", names())
def test_get_returns_one_shared_instance_that_carries_its_name(name: str) -> None:
    assert get(name) is get(name)
    assert get(name).name == name


@pytest.mark.parametrize("count", [1, 3, 5])
@pytest.mark.parametrize("name", names())
def test_every_summarizer_returns_count_sentences_of_the_input_in_text_order(
    name: str, count: int, news: Article
) -> None:
    summary = get(name).summarize(news, count)

    assert len(summary) == count
    assert_in_text_order(summary, news)


@pytest.mark.parametrize("name", names())
def test_every_summarizer_returns_every_sentence_when_count_exceeds_the_article(
    name: str, news: Article
) -> None:
    assert get(name).summarize(news, len(news.sentences) + 5) == news.sentences


@pytest.mark.parametrize("count", [0, -1])
@pytest.mark.parametrize("name", names())
def test_every_summarizer_returns_nothing_for_a_count_below_one(
    name: str, count: int, news: Article
) -> None:
    assert get(name).summarize(news, count) == ()


@pytest.mark.parametrize("name", names())
def test_every_summarizer_returns_nothing_for_an_empty_article(name: str) -> None:
    assert get(name).summarize(Article(paragraphs=()), 3) == ()
    assert get(name).summarize(Article.from_paragraphs(["", "  \n"], title="Title"), 3) == ()


@pytest.mark.parametrize("name", names())
def test_every_summarizer_returns_a_repeated_sentence_only_once(name: str) -> None:
    repeated = "Read more on our website."
    article = Article.from_paragraphs(
        [
            f"Shares in Acme rose 5% on Tuesday after strong sales. {repeated}",
            f"Acme said sales of its new phone beat forecasts. {repeated}",
            f"Rival firms saw their shares fall on the news. {repeated}",
            f"Analysts expect Acme to raise its forecasts again. {repeated}",
        ]
    )
    distinct = article.distinct_sentences
    assert len(article.sentences) == 8 and len(distinct) == 5

    for count in range(1, len(article.sentences) + 1):
        summary = get(name).summarize(article, count)
        assert len(summary) == min(count, len(distinct))
        assert_in_text_order(summary, article)


# Text sumy's methods cannot rank: the two sentences share no word, so LexRank's similarity
# graph has no edges (its power method divides 0 by 0), and the three sentences hold fewer
# distinct content words than sentences, for which sumy's LSA warns. Warnings fail tests here.
DEGENERATE = [
    ("Shares rallied strongly.", "Heavy rain fell overnight."),
    ("Rain.", "Rain again.", "More rain."),
]


@pytest.mark.parametrize("sentences", DEGENERATE, ids=["no-shared-words", "fewer-words"])
@pytest.mark.parametrize("name", names())
def test_every_summarizer_ranks_degenerate_text_without_warnings(
    name: str, sentences: tuple[str, ...]
) -> None:
    article = Article(paragraphs=(sentences,))

    summary = get(name).summarize(article, 1)

    assert len(summary) == 1
    assert_in_text_order(summary, article)


@pytest.mark.parametrize(
    ("name", "sentences"),
    [("lexrank", DEGENERATE[0]), ("lsa", DEGENERATE[1])],
)
def test_a_method_that_cannot_rank_the_text_falls_back_to_its_first_sentences(
    name: str, sentences: tuple[str, ...]
) -> None:
    article = Article(paragraphs=(sentences,))

    assert get(name).summarize(article, 1) == sentences[:1]


def test_lead_returns_the_first_sentences(news: Article) -> None:
    assert get("lead").summarize(news, 4) == news.sentences[:4]


def test_summarize_uses_the_default_method_unless_told_otherwise(news: Article) -> None:
    assert summarizers.summarize(news, 3) == get(summarizers.DEFAULT).summarize(news, 3)
    assert summarizers.summarize(news, 3, method="lead") == news.sentences[:3]


def test_an_unknown_name_is_a_key_error_whose_message_lists_the_choices() -> None:
    with pytest.raises(UnknownSummarizerError) as caught:
        get("foo")

    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == (
        "unknown summarizer 'foo'; choose one of: "
        "kl, lead, lexrank, lsa, luhn, news, reduction, sumbasic, textrank"
    )


def test_article_from_paragraphs_splits_sentences_around_abbreviations() -> None:
    article = Article.from_paragraphs(
        ["Mr. Smith arrived at 9 a.m. on Monday. He left.", "", "The U.S. economy grew."],
        title="  A title ",
    )

    assert article.paragraphs == (
        ("Mr. Smith arrived at 9 a.m. on Monday.", "He left."),
        ("The U.S. economy grew.",),
    )
    assert article.sentences == (
        "Mr. Smith arrived at 9 a.m. on Monday.",
        "He left.",
        "The U.S. economy grew.",
    )
    assert article.title == "A title"


@pytest.mark.parametrize("sentence", ["", "  ", " Padded."])
def test_article_rejects_sentences_that_are_empty_or_padded(sentence: str) -> None:
    with pytest.raises(ValueError, match="stripped"):
        Article(paragraphs=(("Fine.", sentence),))
