"""Two outlets' own write-ups of one event, which share too few runs of words to be copies,
become one story, on SQLite and PostgreSQL; another development of the same story stays a
story of its own, and so does a write-up dated past the window."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.core.documents import Document, content_id, paragraph_sentences, read_file
from bot.core.feed_store import CHAT, EntryDocument
from bot.core.same_event import MIN_DOCUMENTS
from bot.core.store import Store

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

COURIER = [
    "A fire tore through the Vellmar chemical plant outside Ostrava on Monday, forcing the "
    "evacuation of 1,400 workers and nearby villages, Czech fire officials said.",
    "Fourteen workers were taken to hospital with burns and smoke injuries, two of them in a "
    "serious condition, according to regional fire chief Karel Novotny.",
    "The blaze started in a solvent storage hall shortly after dawn and sent a column of black "
    "smoke over the Moravian city, where residents were told to keep windows closed.",
    "Vellmar, which makes plastics and industrial solvents, said production at the site had "
    "been halted and that it was cooperating with investigators.",
    "Environment inspectors were measuring the air quality in Ostrava and the villages of "
    "Hrabova and Vratimov, and said no toxic levels had been found so far.",
]
GAZETTE = [
    "Fire swept through the Vellmar chemical works near Ostrava on Monday, and Czech fire "
    "officials ordered 1,400 workers and the nearby villages evacuated.",
    "Regional fire chief Karel Novotny said fourteen workers had burns or smoke injuries and "
    "were in hospital, two of them seriously hurt.",
    "The fire broke out at dawn in a hall storing solvents, and black smoke hung over the "
    "Moravian city; Ostrava residents were told to shut their windows.",
    "Vellmar, a maker of plastics and industrial solvents, halted production at the plant and "
    "said it was helping investigators.",
    "Inspectors measuring air quality in Ostrava, Hrabova and Vratimov found no toxic levels.",
]
# The same plant, days later: another development of the story, not the same event.
REOPENING = [
    "The Vellmar chemical plant outside Ostrava reopened on Thursday, three days after a fire "
    "in a solvent storage hall forced the evacuation of 1,400 workers.",
    "Regional fire chief Karel Novotny said investigators believed a faulty pump had caused "
    "the blaze, and that fourteen workers treated in hospital had all been discharged.",
    "Vellmar said it would move its solvent storage away from the production halls and pay "
    "for new air quality sensors in Ostrava, Hrabova and Vratimov.",
]


def entry(key: str, headline: str, paragraphs: list[str], day: date) -> EntryDocument:
    document = Document(content_id(tuple(paragraphs)), day, headline, tuple(paragraphs),
                        source=f"https://news.example/{key}", outlet=key.split("/")[0])  # fmt: skip
    sentences = tuple(paragraph_sentences(p) for p in paragraphs)
    return EntryDocument(key, document, sentences, datetime.now(UTC))


def background(count: int) -> list[EntryDocument]:
    """Other news of the same days, made of the sample articles' sentences."""
    sentences = [s for path in SEEDS for p in read_file(path, max_bytes=1_000_000).paragraphs
                 for s in paragraph_sentences(p)]  # fmt: skip
    rng = random.Random(3)
    return [
        entry(f"wire/{n}", f"Wire report {n}", rng.sample(sentences, 6), DAY + timedelta(n % 3))
        for n in range(count)
    ]


def store_from(store: Store, outlet: str, *entries: EntryDocument) -> list[str]:
    feed = store.add_feed(f"https://{outlet}.example/rss", outlet, origin=CHAT, added_at=NOW)
    assert feed is not None
    new, _ = store.store_entries(feed.id, entries, NOW)
    return new


def courier_fire(store: Store) -> str:
    store_from(store, "wire", *background(MIN_DOCUMENTS + 20))
    [courier] = store_from(store, "courier", entry("courier/fire", "Fire at Ostrava chemical "
                           "plant forces evacuation", COURIER, DAY))  # fmt: skip
    return courier


def test_two_write_ups_of_one_event_are_one_story(store: Store) -> None:
    courier = courier_fire(store)
    [gazette] = store_from(store, "gazette", entry("gazette/blaze", "Czech factory blaze: 14 "
                           "in hospital", GAZETTE, DAY + timedelta(days=1)))  # fmt: skip
    [later] = store_from(store, "herald", entry("herald/reopens", "Vellmar plant reopens "
                         "after fire", REOPENING, DAY + timedelta(days=1)))  # fmt: skip
    documents = store.get_documents([courier, gazette, later])
    assert documents[gazette].story_id == courier
    assert documents[later].story_id == later


def test_a_write_up_dated_past_the_window_is_a_story_of_its_own(store: Store) -> None:
    courier = courier_fire(store)
    [gazette] = store_from(store, "gazette", entry("gazette/blaze", "Czech factory blaze: 14 "
                           "in hospital", GAZETTE, DAY + timedelta(days=3)))  # fmt: skip
    assert store.get_documents([gazette])[gazette].story_id == gazette != courier


def test_with_few_documents_seen_nothing_is_joined_by_words_alone(store: Store) -> None:
    [courier] = store_from(store, "courier", entry("courier/fire", "Fire at chemical plant",
                           COURIER, DAY))  # fmt: skip
    [gazette] = store_from(store, "gazette", entry("gazette/blaze", "Factory blaze", GAZETTE,
                           DAY))  # fmt: skip
    assert store.get_documents([gazette])[gazette].story_id == gazette != courier


def test_the_event_is_recognised_after_a_restart(store: Store, database_url: str) -> None:
    courier = courier_fire(store)
    store.close()
    reopened = Store.open(database_url)
    try:
        [gazette] = store_from(reopened, "gazette", entry("gazette/blaze", "Czech factory "
                               "blaze: 14 in hospital", GAZETTE, DAY))  # fmt: skip
        assert reopened.get_documents([gazette])[gazette].story_id == courier
    finally:
        reopened.close()


def test_a_write_up_another_process_stored_is_found(store: Store, database_url: str) -> None:
    store_from(store, "wire", *background(MIN_DOCUMENTS + 20))
    other = Store.open(database_url)  # another process on the same database
    try:
        [courier] = store_from(other, "courier", entry("courier/fire", "Fire at Ostrava "
                               "chemical plant forces evacuation", COURIER, DAY))  # fmt: skip
    finally:
        other.close()
    [gazette] = store_from(store, "gazette", entry("gazette/blaze", "Czech factory blaze: 14 "
                           "in hospital", GAZETTE, DAY))  # fmt: skip
    assert store.get_documents([gazette])[gazette].story_id == courier


def test_documents_stored_before_the_rule_existed_are_found(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from bot.core.database import make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    insert = text(
        "INSERT INTO documents (id, published, headline, body, headings, sentences, source,"
        " ingested_at) VALUES (:id, :day, :headline, :body, '[]', '[]', :id,"
        " '2026-03-01 08:00:00+00:00')"
    )
    old = [(f"old-{n}", e.document) for n, e in enumerate(background(MIN_DOCUMENTS + 20))]
    fire = entry("courier/fire", "Fire at Ostrava chemical plant forces evacuation", COURIER, DAY)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        for doc_id, document in [*old, ("old-fire", fire.document)]:
            connection.execute(insert, {"id": doc_id, "day": document.published.isoformat(),
                                        "headline": document.headline,
                                        "body": document.text})  # fmt: skip
    engine.dispose()
    store = Store.open(database_url)  # the rest of the migrations
    try:
        [gazette] = store_from(store, "gazette", entry("gazette/blaze", "Czech factory blaze: "
                               "14 in hospital", GAZETTE, DAY))  # fmt: skip
        assert store.get_documents([gazette])[gazette].story_id == "old-fire"
    finally:
        store.close()


def test_write_ups_in_one_poll_are_one_story(store: Store) -> None:
    store_from(store, "wire", *background(MIN_DOCUMENTS + 20))
    courier, gazette, later = store_from(
        store,
        "roundup",
        entry("roundup/fire", "Fire at Ostrava chemical plant forces evacuation", COURIER, DAY),
        entry("roundup/blaze", "Czech factory blaze: 14 in hospital", GAZETTE, DAY),
        entry("roundup/reopens", "Vellmar plant reopens after fire", REOPENING, DAY),
    )
    documents = store.get_documents([courier, gazette, later])
    assert documents[gazette].story_id == courier
    assert documents[later].story_id == later


def test_a_poll_finds_the_write_up_stored_by_an_earlier_one(store: Store) -> None:
    courier = courier_fire(store)
    rng = random.Random(9)
    others = [entry(f"late/{n}", f"Late report {n}", rng.sample(COURIER + REOPENING, 2), DAY)
              for n in range(3)]  # fmt: skip
    [gazette, *_] = store_from(
        store, "gazette", entry("gazette/blaze", "Czech factory blaze", GAZETTE, DAY), *others
    )
    assert store.get_documents([gazette])[gazette].story_id == courier
