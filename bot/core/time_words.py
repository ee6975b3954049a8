"""Time words in a question: "yesterday", "last week", "in March", "on 2020-02-27".

Questions about the stored news often name a time ("/ask what happened in Idlib yesterday?").
`time_filter` finds the first time expression in a question and returns the days it means,
counted from the chat's local date, with the question stripped of it, so that the time words
are not searched for as words. Stories carry a publication day, so a range is whole days, both
ends included.

How the ambiguous expressions are read:
- "last week", "last month", "last year": the previous calendar week (Monday to Sunday), month
  or year. "the last week", "past week", "last 7 days": the seven days up to today; likewise
  "past month" and "last 3 months" reach back to the same day of the month, that day excluded.
- "on Monday", "since Monday": the most recent Monday, today included; "last Monday": the most
  recent Monday before today.
- A month without a year is the most recent one that has begun ("in March" asked in February is
  last year's March); a day without a year is the most recent one not after today.
- "since X" runs from the first day of X to today.
- A month or weekday name on its own counts only after a preposition ("in May", "since March",
  "on Friday"): "may" and "march" are mostly verbs. Followed by a day or a year ("May 5",
  "March 2020") a month counts anywhere.
- A range ends at today at the latest. A time wholly in the future, a day the calendar does not
  have ("2020-02-30") or a year outside 1900–2100 is not a time filter and stays in the question.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DateRange:
    """The days from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a range cannot end ({self.last}) before it starts ({self.first})")

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class TimeFilter:
    """A question with its time expression taken out, and the days that expression means."""

    question: str
    dates: DateRange | None  # None when the question names no time
    said: str = ""  # the expression as written, without its preposition: "last month"


_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS |= {name[:3]: number for name, number in _MONTHS.items()} | {"sept": 9}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER_WORDS = (
    "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip
_FIRST_YEAR, _LAST_YEAR = 1900, 2100


def _either(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_either(_MONTHS)})"
_WEEKDAY = rf"(?P<weekday>{_either(_WEEKDAYS)})"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>[0-9]{4})"
_COUNT = rf"(?P<count>[0-9]{{1,4}}|{_either(_NUMBER_WORDS)})"

_LEADS = ("from", "since", "during", "for", "in", "on")
# "going on today" is not a date; "on" leads dates and weekdays only.
_RELATIVE_LEADS = ("from", "since", "during", "for", "in")

_Meaning = Callable[[re.Match[str], date], DateRange | None]


@dataclass(frozen=True)
class _Expression:
    pattern: re.Pattern[str]
    meaning: _Meaning


def _expression(
    body: str, meaning: _Meaning, leads: tuple[str, ...] = _LEADS, lead_required: bool = False
) -> _Expression:
    lead = rf"(?:(?P<lead>{_either(leads)})\s+)" + ("" if lead_required else "?")
    # "yesterday's vote": the time is yesterday, and a preposition before it belongs to the vote.
    owner = "" if lead_required else r"(?P<owner>['’]s)?"
    pattern = rf"(?<![\w-]){lead}(?P<said>{body}){owner}(?![\w-])"
    return _Expression(re.compile(pattern, re.IGNORECASE), meaning)


def _group(match: re.Match[str], name: str) -> str | None:
    return match.groupdict().get(name)


def _one_day(day: date) -> DateRange:
    return DateRange(day, day)


def _days_ago(days: int) -> _Meaning:
    return lambda match, today: _one_day(today - timedelta(days=days))


def _whole_month(year: int, month: int) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _whole_year(year: int) -> DateRange:
    return DateRange(date(year, 1, 1), date(year, 12, 31))


def _months_before(day: date, months: int) -> date:
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _year(text: str | None) -> int | None:
    year = int(text) if text else None
    return year if year is not None and _FIRST_YEAR <= year <= _LAST_YEAR else None


def _this(match: re.Match[str], today: date) -> DateRange:
    unit = match["unit"].lower()
    if unit == "week":
        return DateRange(today - timedelta(days=today.weekday()), today)
    if unit == "month":
        return DateRange(today.replace(day=1), today)
    return DateRange(today.replace(month=1, day=1), today)


def _last(match: re.Match[str], today: date) -> DateRange:
    unit = match["unit"].lower()
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7)
        return DateRange(monday, monday + timedelta(days=6))
    if unit == "month":
        end_of_last_month = today.replace(day=1) - timedelta(days=1)
        return _whole_month(end_of_last_month.year, end_of_last_month.month)
    return _whole_year(today.year - 1)


def _rolling(match: re.Match[str], today: date) -> DateRange | None:
    count_text = (_group(match, "count") or "1").lower()  # "the past week" is one week
    count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS.index(count_text) + 1
    unit = match["unit"].lower()
    if count < 1:
        return None
    if unit == "day":
        return DateRange(today - timedelta(days=count - 1), today)
    if unit == "week":
        return DateRange(today - timedelta(days=7 * count - 1), today)
    months = count if unit == "month" else 12 * count
    return DateRange(_months_before(today, months) + timedelta(days=1), today)


def _weekday_back(match: re.Match[str], today: date, at_least: int) -> DateRange:
    weekday = _WEEKDAYS.index(match["weekday"].lower())
    back = (today.weekday() - weekday - at_least) % 7 + at_least
    return _one_day(today - timedelta(days=back))


def _on_weekday(match: re.Match[str], today: date) -> DateRange:
    return _weekday_back(match, today, at_least=0)


def _last_weekday(match: re.Match[str], today: date) -> DateRange:
    return _weekday_back(match, today, at_least=1)


def _on_day(match: re.Match[str], today: date) -> DateRange | None:
    month_text, day = match["month"].lower(), int(match["day"])
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
    if _group(match, "year"):
        year = _year(match["year"])
        return None if year is None else _one_day(date(year, month, day))
    # 29 February comes round again within eight years (1900 and 2100 are not leap years).
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return _one_day(candidate)
    return None


def _in_month(match: re.Match[str], today: date) -> DateRange | None:
    month = _MONTHS[match["month"].lower()]
    if _group(match, "year"):
        year = _year(match["year"])
        return None if year is None else _whole_month(year, month)
    return _whole_month(today.year if month <= today.month else today.year - 1, month)


def _in_year(match: re.Match[str], today: date) -> DateRange | None:
    year = _year(match["year"])
    return None if year is None else _whole_year(year)


_EXPRESSIONS = (
    _expression("today", _days_ago(0), _RELATIVE_LEADS),
    _expression("yesterday", _days_ago(1), _RELATIVE_LEADS),
    _expression(r"(?:the\s+)?day\s+before\s+yesterday", _days_ago(2)),
    _expression(r"this\s+(?P<unit>week|month|year)", _this, _RELATIVE_LEADS),
    _expression(r"last\s+(?P<unit>week|month|year)", _last, _RELATIVE_LEADS),
    _expression(
        r"(?:the\s+last|(?:the\s+)?past)\s+(?P<unit>week|month|year)", _rolling, _RELATIVE_LEADS
    ),
    _expression(
        rf"(?:the\s+)?(?:last|past)\s+{_COUNT}\s+(?P<unit>day|week|month|year)s?",
        _rolling,
        _RELATIVE_LEADS,
    ),
    _expression(_WEEKDAY, _on_weekday, ("on", "since"), lead_required=True),
    _expression(rf"last\s+{_WEEKDAY}", _last_weekday),
    _expression(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})", _on_day),
    _expression(rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:\.?,?\s+{_YEAR})?", _on_day),
    _expression(rf"{_MONTH}\.?\s+{_DAY}(?:,?\s+{_YEAR})?", _on_day),
    _expression(rf"{_MONTH}\.?,?\s+{_YEAR}", _in_month),
    _expression(_MONTH, _in_month, ("in", "since", "during", "from"), lead_required=True),
    _expression(_YEAR, _in_year, ("in", "since", "during"), lead_required=True),
)


def time_filter(question: str, today: date) -> TimeFilter:
    """The first time expression in `question`, read as days up to `today` at the latest.

    A question that names no time comes back with `dates` None; an expression that names no
    real day, or only days after `today`, is not a time filter and stays in the question.
    """
    found = sorted(
        (
            (match, expression.meaning)
            for expression in _EXPRESSIONS
            for match in expression.pattern.finditer(question)
        ),
        key=lambda candidate: (candidate[0].start(), -candidate[0].end()),
    )
    # Text refused as a date ("March 2030" asked in 2020) is refused whole, not read in part
    # ("March" alone, last year's).
    refused: list[tuple[int, int]] = []
    for match, meaning in found:
        start, end = match.span()
        if any(
            start < refused_end and refused_start < end for refused_start, refused_end in refused
        ):
            continue
        lead = None if _group(match, "owner") else _group(match, "lead")
        dates = _days_meant(match, meaning, today, since=(lead or "").lower() == "since")
        if dates is None:
            refused.append((start, end))
            continue
        if lead is None:
            start = match.start("said")
        return TimeFilter(_without(question, start, end), dates, match["said"])
    return TimeFilter(_tidy(question), None)


def _days_meant(
    match: re.Match[str], meaning: _Meaning, today: date, since: bool
) -> DateRange | None:
    try:
        meant = meaning(match, today)
    # A day the calendar does not have or cannot count to; or a name that matched only through
    # Unicode case folding ("ſept", with a long s), which no table holds.
    except (ValueError, OverflowError, LookupError):
        return None
    if meant is None or meant.first > today:
        return None
    return DateRange(meant.first, today if since else min(meant.last, today))


def _without(question: str, start: int, end: int) -> str:
    before, after = question[:start].rstrip(), question[end:].lstrip()
    # No comma is left to open the question ("Yesterday, what happened?"), nor two in a row.
    if not before or before[-1] in ",;:":
        after = after.lstrip(",;:")
    if after and after[0] not in ",.;:?!":
        before += " "
    return _tidy(before + after)


def _tidy(text: str) -> str:
    return " ".join(text.split())
