"""Time words in questions: the days they mean, and the question left once they are taken out."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.time_words import DateRange, TimeFilter, time_filter

FRIDAY = date(2020, 2, 28)  # a Friday in a leap year, the day before 29 February


def days(question: str, today: date = FRIDAY) -> tuple[date, date] | None:
    dates = time_filter(question, today).dates
    return None if dates is None else (dates.first, dates.last)


def one(day: date) -> tuple[date, date]:
    return (day, day)


def test_yesterday_is_taken_out_of_the_question() -> None:
    assert time_filter("what happened in Idlib yesterday?", FRIDAY) == TimeFilter(
        question="what happened in Idlib?",
        dates=DateRange(date(2020, 2, 27), date(2020, 2, 27)),
        said="yesterday",
    )


def test_a_question_without_time_words_comes_back_with_no_dates() -> None:
    assert time_filter("  what did   Erdogan say about Idlib? ", FRIDAY) == TimeFilter(
        question="what did Erdogan say about Idlib?", dates=None
    )


def test_today_and_the_days_before() -> None:
    assert days("news for today") == one(FRIDAY)
    assert days("what happened the day before yesterday") == one(date(2020, 2, 26))
    assert days("what happened day before yesterday") == one(date(2020, 2, 26))
    assert days("YESTERDAY in Idlib") == one(date(2020, 2, 27))


def test_this_week_month_and_year_run_up_to_today() -> None:
    assert days("what did the ECB say this week") == (date(2020, 2, 24), FRIDAY)
    assert days("this week", today=date(2020, 2, 24)) == one(date(2020, 2, 24))  # a Monday
    assert days("this month") == (date(2020, 2, 1), FRIDAY)
    assert days("this year") == (date(2020, 1, 1), FRIDAY)


def test_last_week_is_the_previous_calendar_week() -> None:
    assert days("what happened last week") == (date(2020, 2, 17), date(2020, 2, 23))
    # 2 January 2020 is a Thursday: last week is Monday 23 to Sunday 29 December.
    assert days("last week", today=date(2020, 1, 2)) == (date(2019, 12, 23), date(2019, 12, 29))


def test_past_week_and_the_last_seven_days_are_the_seven_days_up_to_today() -> None:
    seven_days = (date(2020, 2, 22), FRIDAY)
    assert days("what happened in the past week") == seven_days
    assert days("past week") == seven_days
    assert days("in the last week") == seven_days
    assert days("the last 7 days") == seven_days
    assert days("last seven days") == seven_days
    assert days("past 7 days", today=date(2020, 1, 3)) == (date(2019, 12, 28), date(2020, 1, 3))


def test_last_n_days_weeks_and_months() -> None:
    assert days("last 3 days") == (date(2020, 2, 26), FRIDAY)
    assert days("the last one day") == one(FRIDAY)
    assert days("past twelve days") == (date(2020, 2, 17), FRIDAY)
    assert days("in the last 2 weeks") == (date(2020, 2, 15), FRIDAY)
    assert days("past month") == (date(2020, 1, 29), FRIDAY)
    assert days("last 3 months", today=date(2020, 5, 31)) == (date(2020, 3, 1), date(2020, 5, 31))
    assert days("the past year") == (date(2019, 3, 1), FRIDAY)


def test_last_month_and_last_year_are_whole_calendar_ones() -> None:
    assert days("news from last month about Tesla") == (date(2020, 1, 1), date(2020, 1, 31))
    assert days("last month", today=date(2020, 3, 10)) == (date(2020, 2, 1), date(2020, 2, 29))
    assert days("last month", today=date(2020, 1, 15)) == (date(2019, 12, 1), date(2019, 12, 31))
    assert days("last year") == (date(2019, 1, 1), date(2019, 12, 31))


def test_iso_dates() -> None:
    assert time_filter("oil prices on 2020-02-27", FRIDAY) == TimeFilter(
        question="oil prices",
        dates=DateRange(date(2020, 2, 27), date(2020, 2, 27)),
        said="2020-02-27",
    )
    assert days("2020-02-27 oil prices") == one(date(2020, 2, 27))
    assert days("what happened on 2019-2-3") == one(date(2019, 2, 3))


def test_written_dates() -> None:
    assert days("what happened on 27 February 2020") == one(date(2020, 2, 27))
    assert days("February 27, 2020") == one(date(2020, 2, 27))
    assert days("27th of Feb. 2019") == one(date(2019, 2, 27))
    assert days("on Feb 27 in Idlib") == one(date(2020, 2, 27))
    assert days("on 3rd March") == one(date(2019, 3, 3))  # after today this year: last year's


def test_a_day_without_a_year_is_the_most_recent_one() -> None:
    assert days("Feb 28") == one(FRIDAY)
    assert days("Feb 29") == one(date(2016, 2, 29))
    assert days("Feb 29", today=date(2020, 2, 29)) == one(date(2020, 2, 29))
    assert days("on 31 December", today=date(2020, 1, 1)) == one(date(2019, 12, 31))


def test_a_month_is_the_most_recent_one_that_has_begun() -> None:
    assert time_filter("strikes in March", FRIDAY) == TimeFilter(
        question="strikes", dates=DateRange(date(2019, 3, 1), date(2019, 3, 31)), said="March"
    )
    assert days("strikes in January") == (date(2020, 1, 1), date(2020, 1, 31))
    assert days("strikes in February") == (date(2020, 2, 1), FRIDAY)
    assert days("strikes in March", today=date(2020, 3, 5)) == (date(2020, 3, 1), date(2020, 3, 5))
    assert days("during Sept") == (date(2019, 9, 1), date(2019, 9, 30))


def test_months_and_years_with_a_year() -> None:
    assert days("strikes in March 2019") == (date(2019, 3, 1), date(2019, 3, 31))
    assert days("May 2019 elections") == (date(2019, 5, 1), date(2019, 5, 31))
    assert days("in February 2016") == (date(2016, 2, 1), date(2016, 2, 29))
    assert days("what happened in 2019") == (date(2019, 1, 1), date(2019, 12, 31))
    assert days("during 2020") == (date(2020, 1, 1), FRIDAY)


def test_weekdays() -> None:
    assert days("what happened on Monday") == one(date(2020, 2, 24))
    assert days("what happened on Friday") == one(FRIDAY)  # today is a Friday
    assert days("what happened last Friday") == one(date(2020, 2, 21))
    assert days("last Saturday") == one(date(2020, 2, 22))
    assert days("protesters march on Sunday") == one(date(2020, 2, 23))
    assert time_filter("protesters march on Sunday", FRIDAY).question == "protesters march"


def test_since_runs_up_to_today() -> None:
    assert days("what happened since Monday") == (date(2020, 2, 24), FRIDAY)
    assert days("since yesterday") == (date(2020, 2, 27), FRIDAY)
    assert days("since last week") == (date(2020, 2, 17), FRIDAY)
    assert days("since March") == (date(2019, 3, 1), FRIDAY)
    assert days("since 2019") == (date(2019, 1, 1), FRIDAY)
    assert time_filter("since Monday", FRIDAY).said == "Monday"


def test_may_and_march_as_verbs_are_not_months() -> None:
    for question in (
        "prices may rise",
        "protesters march on parliament",
        "may the ECB cut rates?",
        "the march was peaceful",
        "Monday blues",
    ):
        assert time_filter(question, FRIDAY) == TimeFilter(question=question, dates=None)


def test_may_and_march_are_months_after_a_preposition_or_before_a_day_or_year() -> None:
    assert days("what happened in May") == (date(2019, 5, 1), date(2019, 5, 31))
    assert days("news from March") == (date(2019, 3, 1), date(2019, 3, 31))
    assert days("the May 5 vote") == one(date(2019, 5, 5))
    assert days("March 2019 protests") == (date(2019, 3, 1), date(2019, 3, 31))


def test_invalid_dates_stay_in_the_question() -> None:
    for question in (
        "oil prices on 2020-02-30",
        "February 29, 2019",
        "on 2020-13-01",
        "in 1850",
        "last 0 days",
        "last 9999 years",
    ):
        assert time_filter(question, FRIDAY) == TimeFilter(question=question, dates=None)


def test_future_times_stay_in_the_question_and_are_not_read_in_part() -> None:
    for question in ("in 2021", "strikes in March 2020", "on 2020-02-29", "since 1 March 2020"):
        assert time_filter(question, FRIDAY) == TimeFilter(question=question, dates=None)


def test_after_an_invalid_date_a_later_expression_counts() -> None:
    assert time_filter("2020-02-30 or yesterday?", FRIDAY) == TimeFilter(
        question="2020-02-30 or?",
        dates=DateRange(date(2020, 2, 27), date(2020, 2, 27)),
        said="yesterday",
    )


def test_only_the_first_expression_is_used_and_taken_out() -> None:
    found = time_filter("what happened yesterday and last week?", FRIDAY)
    assert (found.question, found.said) == ("what happened and last week?", "yesterday")
    assert found.dates == DateRange(date(2020, 2, 27), date(2020, 2, 27))


def test_the_question_left_reads_cleanly() -> None:
    assert time_filter("Yesterday, what happened in Idlib?", FRIDAY).question == (
        "what happened in Idlib?"
    )
    assert time_filter("what happened, last week, in Idlib", FRIDAY).question == (
        "what happened, in Idlib"
    )
    assert time_filter("Oil   prices\nin the past 3 days", FRIDAY).question == "Oil prices"
    assert time_filter("yesterday", FRIDAY).question == ""


def test_a_possessive_time_leaves_its_preposition() -> None:
    found = time_filter("what did the ECB say in yesterday's statement", FRIDAY)
    assert (found.question, found.said) == ("what did the ECB say in statement", "yesterday")
    assert days("last week's vote") == (date(2020, 2, 17), date(2020, 2, 23))


def test_said_keeps_the_users_spelling_without_the_preposition() -> None:
    assert time_filter("News From Last Month", FRIDAY).said == "Last Month"
    assert time_filter("in the past 3 days", FRIDAY).said == "the past 3 days"


def test_a_date_range_holds_its_days_both_ends_included() -> None:
    week = DateRange(date(2020, 2, 17), date(2020, 2, 23))
    assert date(2020, 2, 17) in week
    assert date(2020, 2, 23) in week
    assert date(2020, 2, 24) not in week
    with pytest.raises(ValueError):
        DateRange(date(2020, 2, 23), date(2020, 2, 17))


# Property tests: random questions, with a known time expression in them or none.

_todays = st.dates(min_value=date(1910, 1, 1), max_value=date(2100, 12, 31))
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RELATIVE = (
    "today", "yesterday", "the day before yesterday", "this week", "this month", "this year",
    "last week", "last month", "last year", "past week", "the last week", "the past month",
    "past year", "last seven days", "the last 12 weeks", "past 3 months",
)  # fmt: skip


@st.composite
def _expressions(draw: st.DrawFn, today: date) -> tuple[str, str]:
    """A time expression that names days up to `today`: (its preposition or "", the rest)."""
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=today))
    month = _MONTHS[day.month - 1]
    short = month[:3]
    lead, said = draw(
        st.sampled_from(
            [
                *[(lead, words) for lead in ("", "since", "in") for words in _RELATIVE],
                ("on", day.isoformat()),
                ("", f"{day.day} {month} {day.year}"),
                ("on", f"{short} {day.day}, {day.year}"),
                ("", f"{short} {day.day}"),
                ("in", month),
                ("since", f"{month} {day.year}"),
                ("during", str(day.year)),
                ("on", _WEEKDAYS[day.weekday()]),
                ("", f"last {_WEEKDAYS[day.weekday()]}"),
            ]
        )
    )
    return lead, draw(st.sampled_from([said, said.upper(), said.title()]))


# Words that time expressions are made of; random words are drawn from the others.
_TIME_WORDS = {
    "today", "yesterday", "this", "last", "past", "week", "weeks", "month", "months", "year",
    "years", "day", "days", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "from", "since", "during", "for", "in", "on", "the",
    "before", "sept", *(name.lower() for name in (*_MONTHS, *_WEEKDAYS)),
    *(month[:3].lower() for month in _MONTHS),
}  # fmt: skip
_plain_words = st.text(string.ascii_letters, min_size=1, max_size=9).filter(
    lambda word: word.lower() not in _TIME_WORDS
)
# Time words that, alone or side by side, are not a time: "prices may rise",
# "protesters march on parliament", "the last day".
_trap_words = st.sampled_from(["may", "March", "on", "last", "the", "day", "parliament"])


@pytest.mark.fuzz
@given(data=st.data(), today=_todays, before=st.text(), after=st.text())
def test_any_question_gives_days_up_to_today_and_never_raises(
    data: st.DataObject, today: date, before: str, after: str
) -> None:
    lead, said = data.draw(_expressions(today))
    found = time_filter(f"{before} {lead} {said} {after}", today)
    if found.dates is not None:
        assert found.dates.first <= found.dates.last <= today


@pytest.mark.fuzz
@given(
    data=st.data(),
    today=_todays,
    before=st.lists(_plain_words, max_size=4),
    after=st.lists(_plain_words | _trap_words, max_size=6),
)
def test_a_known_expression_is_found_and_taken_out(
    data: st.DataObject, today: date, before: list[str], after: list[str]
) -> None:
    lead, said = data.draw(_expressions(today))
    question = " ".join([*before, lead, said, *after]) + "?"
    found = time_filter(question, today)
    assert found.dates is not None
    assert found.dates.first <= found.dates.last <= today
    assert found.said == said
    assert found.question == " ".join([*before, *after]) + "?"


@pytest.mark.fuzz
@given(
    today=_todays,
    words=st.lists(_plain_words | _trap_words, max_size=12),
    ending=st.sampled_from(["", "?", "."]),
)
def test_a_question_without_time_words_comes_back_unchanged(
    today: date, words: list[str], ending: str
) -> None:
    question = " ".join(words) + ending
    assert time_filter(question, today) == TimeFilter(question=question, dates=None)
