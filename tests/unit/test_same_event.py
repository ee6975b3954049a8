"""The same-event index on its own: how it weighs words, what it holds, what it lets go."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.core.same_event import MIN_DOCUMENTS, EventIndex, EventPrint, event_print

DAY = date(2026, 3, 2)
REPORT = (
    "Firefighters in Ostrava fought a blaze at the Vellmar chemical plant on Monday. Fourteen "
    "workers were taken to hospital and 1,400 were evacuated, said fire chief Karel Novotny. "
    "Residents of Hrabova and Vratimov were told to keep their windows closed while "
    "inspectors measured the air. Vellmar halted production of plastics and solvents and said "
    "it was helping investigators find the cause of the fire in its solvent storage hall."
)


def filler(rng: random.Random, day: date) -> EventPrint:
    """Another story: sixty words drawn from a vocabulary of a few thousand."""
    words = " ".join(f"w{rng.randrange(3000)}x" for _ in range(60))
    print_ = event_print("Other news", words, day)
    assert print_ is not None
    return print_


def index_with_background(days: int = 1) -> EventIndex:
    index = EventIndex()
    rng = random.Random(5)
    for n in range(MIN_DOCUMENTS + 10):
        day = DAY + timedelta(days=n % days)
        index._days.add(day)
        index.add(f"bg{n}", f"bg{n}", filler(rng, day))
    return index


def report(day: date = DAY, headline: str = "Chemical plant fire in Ostrava") -> EventPrint:
    print_ = event_print(headline, REPORT, day)
    assert print_ is not None
    return print_


def test_a_short_text_has_no_print() -> None:
    assert event_print("Headline", "Too short to judge: a dozen words or so here.", DAY) is None


def test_the_same_text_is_the_same_event_and_joins_the_held_story() -> None:
    index = index_with_background()
    first = report()
    assert index.story_of(first) is None
    index.add("fire", "story-1", first)
    assert all(abs(value - 1) < 1e-9 for value in index.similarities(first, report()))
    assert index.story_of(report()) == "story-1"


def test_nothing_is_judged_before_enough_documents_are_seen() -> None:
    index = EventIndex()
    index._days.add(DAY)
    index.add("fire", "story-1", report())
    assert index.story_of(report()) is None


def test_words_met_first_in_the_new_document_weigh_in_its_norm() -> None:
    index = index_with_background()
    index.add("fire", "story-1", report())
    # The same report padded with as many words no document has: half of it is news to the
    # index, so it is no longer the same text.
    padded = REPORT + " " + " ".join(f"zq{n}novel" for n in range(60))
    print_ = event_print("Chemical plant fire in Ostrava", padded, DAY)
    assert print_ is not None
    assert index.similarities(print_, report())[0] < 0.7
    assert index.story_of(print_) is None


def test_two_days_apart_is_within_the_window_and_three_is_not() -> None:
    index = index_with_background()
    index.add("fire", "story-1", report())
    assert index.story_of(report(DAY + timedelta(days=2))) == "story-1"
    assert index.story_of(report(DAY - timedelta(days=2))) == "story-1"
    assert index.story_of(report(DAY + timedelta(days=3))) is None
