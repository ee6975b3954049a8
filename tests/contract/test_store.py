"""One store suite, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.documents import parse_text
from bot.core.models import DeliveryRow
from bot.core.store import Store, latest_migration


def story(body: str, day: str = "2020-03-01") -> tuple:
    document = parse_text(f"date {day} {body}", source=f"{abs(hash(body))}.txt")
    sentences = tuple((p,) for p in document.paragraphs)
    return document, sentences


def test_migrations_create_every_table(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "documents",
        "summaries",
        "source_files",
        "chats",
        "subscriptions",
        "digests",
        "digest_items",
        "deliveries",
        "digest_messages",
        "alembic_version",
    } <= tables


def test_a_document_is_stored_once_even_when_added_twice(store: Store) -> None:
    document, sentences = story("Markets fell sharply on Monday.")
    assert store.add_document(document, sentences) is True
    assert store.add_document(document, sentences) is False
    assert store.count_documents() == 1


def test_a_stored_document_comes_back_whole(store: Store) -> None:
    document = parse_text(
        "date 2020-02-27 Fighting went on in the north.\n\nA sub-heading\n\n"
        "Officials met on Friday. They agreed to talk again.",
        source="a.txt",
    )
    sentences = (("Fighting went on in the north.",), ("Officials met on Friday.", "They agreed"))
    store.add_document(document, sentences)
    stored = store.get_document(document.doc_id)
    assert stored is not None
    assert stored.published == date(2020, 2, 27)
    assert stored.headline == "A sub-heading"
    assert stored.paragraphs == document.paragraphs
    assert stored.headings == ("A sub-heading",)
    assert stored.sentences == sentences
    assert stored.ingested_at.tzinfo is not None


def test_documents_are_listed_newest_first_and_since_a_moment(store: Store) -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    for day in ("2020-03-01", "2020-03-03", "2020-03-02"):
        document, sentences = story(f"News of {day}.", day)
        store.add_document(document, sentences, ingested_at=early)
    late_doc, sentences = story("Late news.", "2020-02-01")
    store.add_document(late_doc, sentences, ingested_at=early + timedelta(days=1))
    listed = [d.published.isoformat() for d in store.documents()]
    assert listed == ["2020-03-03", "2020-03-02", "2020-03-01", "2020-02-01"]
    assert [d.id for d in store.documents(since=early)] == [late_doc.doc_id]
    assert len(store.documents(limit=2)) == 2


def test_racing_writers_store_one_copy(store: Store) -> None:
    document, sentences = story("Two processes read the same folder at once.")
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.add_document(document, sentences)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert store.count_documents() == 1


def test_a_summary_is_cached_per_method_and_length(store: Store) -> None:
    document, sentences = story("One. Two. Three.")
    store.add_document(document, sentences)
    assert store.summary(document.doc_id, "lead", 2) is None
    store.save_summary(document.doc_id, "lead", 2, ["One.", "Two."])
    store.save_summary(document.doc_id, "lead", 2, ["One.", "Two."])  # a second writer
    assert store.summary(document.doc_id, "lead", 2) == ("One.", "Two.")
    assert store.summary(document.doc_id, "lead", 3) is None
    assert store.summary(document.doc_id, "lexrank", 2) is None


def test_a_file_read_before_is_unchanged_until_its_size_or_time_changes(store: Store) -> None:
    document, sentences = story("A file on disk.")
    store.add_document(document, sentences)
    assert not store.file_unchanged("/news/a.txt", 10, 111)
    store.remember_file("/news/a.txt", 10, 111, document.doc_id)
    assert store.file_unchanged("/news/a.txt", 10, 111)
    assert not store.file_unchanged("/news/a.txt", 10, 222)
    assert not store.file_unchanged("/news/a.txt", 11, 111)
    store.remember_file("/news/a.txt", 11, 222, document.doc_id)
    assert store.file_unchanged("/news/a.txt", 11, 222)


def test_documents_added_at_once_come_back_as_stored_and_copies_are_left_out(
    store: Store,
) -> None:
    first, first_sentences = story("Markets fell sharply on Monday.")
    second, second_sentences = story("Rain is expected across the north on Tuesday.", "2020-03-02")
    store.add_document(first, first_sentences)
    added = store.add_documents([
        (first, first_sentences, None),  # stored before
        (second, second_sentences, None),
        (second, second_sentences, None),  # given twice
    ])  # fmt: skip
    assert added[0] is None and added[2] is None
    assert added[1] == store.get_document(second.doc_id)
    assert store.count_documents() == 2


def test_files_recorded_at_once_keep_the_last_word_on_each(store: Store) -> None:
    document, sentences = story("A file on disk.")
    store.add_document(document, sentences)
    store.remember_file("/news/a.txt", 10, 111, document.doc_id)
    store.remember_files([
        ("/news/a.txt", 12, 333, document.doc_id),  # read again, changed
        ("/news/b.txt", 5, 1, document.doc_id),
        ("/news/b.txt", 6, 2, document.doc_id),  # the same path twice: the last holds
    ])  # fmt: skip
    assert store.file_records(["/news/a.txt", "/news/b.txt", "/news/c.txt"]) == {
        "/news/a.txt": (12, 333, document.doc_id),
        "/news/b.txt": (6, 2, document.doc_id),
    }


def test_a_chat_is_created_once_with_its_defaults(store: Store) -> None:
    first = store.chat("console", "local", timezone="Europe/Berlin", digest_time="07:30")
    again = store.chat("console", "local", timezone="UTC", digest_time="09:00")
    assert first == again
    assert (first.timezone, first.digest_time, first.paused, first.active) == (
        "Europe/Berlin",
        "07:30",
        False,
        True,
    )
    other = store.chat("telegram", "local", timezone="UTC", digest_time="09:00")
    assert other.id != first.id


def test_subscriptions_are_kept_in_order_without_repeats(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    assert store.subscribe(chat.id, "Idlib")
    assert store.subscribe(chat.id, '"oil price" -OPEC')
    assert not store.subscribe(chat.id, "Idlib")
    assert store.topics(chat.id) == ["Idlib", '"oil price" -OPEC']
    assert store.unsubscribe(chat.id, "Idlib")
    assert not store.unsubscribe(chat.id, "Idlib")
    assert store.topics(chat.id) == ['"oil price" -OPEC']


def test_a_digest_keeps_its_items_in_order(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    ids = []
    for text in ("First story.", "Second story.", "Third story."):
        document, sentences = story(text)
        store.add_document(document, sentences)
        ids.append(document.doc_id)
    digest = store.save_digest(chat.id, [(ids[2], "b"), (ids[0], None), (ids[1], "a")])
    assert store.digest_items(digest) == [(ids[2], "b"), (ids[0], None), (ids[1], "a")]


def test_a_story_is_never_delivered_twice_to_the_same_chat(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    other = store.chat("console", "other", timezone="UTC", digest_time="08:00")
    document, sentences = story("Delivered once.")
    store.add_document(document, sentences)
    assert store.record_delivery(chat.id, document.doc_id, message_id="m1")
    assert not store.record_delivery(chat.id, document.doc_id, message_id="m2")
    assert store.record_delivery(other.id, document.doc_id)
    assert store.delivered(chat.id) == {document.doc_id}


def test_the_database_itself_refuses_a_second_delivery(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    document, sentences = story("Enforced by a constraint.")
    store.add_document(document, sentences)
    with Session(store.engine) as session, pytest.raises(IntegrityError):
        for _ in range(2):
            session.add(DeliveryRow(chat_id=chat.id, document_id=document.doc_id))
            session.flush()


def test_data_survives_reopening_the_store(database_url: str) -> None:
    first = Store.open(database_url)
    document, sentences = story("Still here after a restart.")
    first.add_document(document, sentences)
    first.close()
    second = Store.open(database_url)
    try:
        assert second.get_document(document.doc_id) is not None
        assert second.count_documents() == 1
    finally:
        second.close()


def test_the_migrations_match_the_tables_the_code_declares(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.core.models import Base

    def ours(name: str | None, kind: str, _parents: object) -> bool:
        # The task engine's tables (PostgreSQL only) are its own, made from its own schema.
        return not (kind == "table" and str(name).startswith("procrastinate_"))

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_a_digest_records_its_stories_as_delivered_all_or_nothing(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    ids = []
    for text in ("First story.", "Second story."):
        document, sentences = story(text)
        store.add_document(document, sentences)
        ids.append(document.doc_id)
    store.save_digest(chat.id, [(ids[0], None)])
    with pytest.raises(IntegrityError):
        store.save_digest(chat.id, [(ids[1], None), (ids[0], None)])
    # The failed digest left nothing behind: not the digest, nor the second story's delivery.
    assert store.delivered(chat.id) == {ids[0]}
    last = store.last_digest(chat.id)
    assert last is not None and store.digest_items(last.id) == [(ids[0], None)]


def test_the_last_digest_and_the_last_full_digest(store: Store) -> None:
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    assert store.last_digest(chat.id) is None
    full = store.save_digest(chat.id, [])
    topical = store.save_digest(chat.id, [], query="Idlib")
    last = store.last_digest(chat.id)
    assert last is not None and (last.id, last.query) == (topical, "Idlib")
    last_full = store.last_digest(chat.id, full=True)
    assert last_full is not None and last_full.id == full
    assert last_full.created_at.tzinfo is not None


def test_a_chats_schedule_and_state_can_change(store: Store) -> None:
    chat = store.chat("telegram", "42", timezone="UTC", digest_time="08:00")
    changed = store.update_chat(chat.id, timezone="Asia/Tokyo", digest_time="06:45", paused=True)
    assert (changed.timezone, changed.digest_time, changed.paused, changed.active) == (
        "Asia/Tokyo",
        "06:45",
        True,
        True,
    )
    assert store.get_chat(chat.id) == changed
    store.chat("slack", "C1", timezone="UTC", digest_time="08:00")
    assert [c.platform for c in store.chats()] == ["telegram", "slack"]
    assert [c.platform_chat_id for c in store.chats("slack")] == ["C1"]
    with pytest.raises(KeyError):
        store.update_chat(9999, paused=True)


def test_a_message_that_carried_a_digest_leads_back_to_it(database_url: str) -> None:
    first = Store.open(database_url)
    chat = first.chat("telegram", "42", timezone="UTC", digest_time="08:00")
    digest = first.save_digest(chat.id, [])
    first.remember_digest_message("telegram", "42", "1001", digest)
    first.close()
    # After a restart, a reply to that message still finds its digest.
    second = Store.open(database_url)
    try:
        assert second.digest_of_message("telegram", "42", "1001") == digest
        assert second.digest_of_message("telegram", "42", "1002") is None
        assert second.digest_of_message("slack", "42", "1001") is None
    finally:
        second.close()


def test_the_newest_migration_is_the_one_alembic_would_apply_last() -> None:
    # A store opened at that revision skips Alembic altogether.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    assert latest_migration() == ScriptDirectory.from_config(config).get_current_head()
