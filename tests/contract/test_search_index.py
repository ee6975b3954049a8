"""The search index beside the store: up to date with what any process stored, mended when
it was closed or is of another version, rebuilt on demand; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from bot.core.commands import CommandHandler, Options
from bot.core.documents import Document, content_id
from bot.core.search_index import STATE, VERSION
from bot.core.search_queries import topic_query
from bot.core.store import Store
from bot.core.topics import parse_topic
from summarizers import split_sentences


def document(headline: str, body: str, day: date = date(2020, 3, 1)) -> Document:
    return Document(
        doc_id=content_id((headline, body)),
        published=day,
        headline=headline,
        paragraphs=(body,),
        source=f"{headline}.txt",
    )


def add(store: Store, headline: str, body: str, day: date = date(2020, 3, 1)) -> str:
    new = document(headline, body, day)
    assert store.add_document(new, (split_sentences(body),))
    return new.doc_id


def found(store: Store, topic: str) -> list[str]:
    return [s.document.headline for s in store.find(topic_query(parse_topic(topic)), 10)]


def handler(store: Store) -> CommandHandler:
    return CommandHandler(store, Options(method="lead"))


def test_a_document_is_found_as_soon_as_it_is_stored(store: Store) -> None:
    assert found(store, "harbour") == []
    add(store, "Harbour reopens", "The harbour reopened after the storm passed the coast.")
    assert found(store, "harbour") == ["Harbour reopens"]
    add(store, "Ferries sail", "Ferries sailed from the harbour at dawn on Monday.")
    assert sorted(found(store, "harbour")) == ["Ferries sail", "Harbour reopens"]


def test_what_another_process_stores_is_found_too(database_url: str, tmp_path: Path) -> None:
    # Two processes, each with an index folder of its own (as on two machines).
    first = Store.open(database_url, tmp_path / "first")
    second = Store.open(database_url, tmp_path / "second")
    try:
        assert found(first, "glacier") == []
        add(second, "Glacier retreats", "The glacier retreated forty metres this summer.")
        assert found(first, "glacier") == ["Glacier retreats"]
        assert found(second, "glacier") == ["Glacier retreats"]
    finally:
        first.close()
        second.close()


def test_processes_sharing_a_folder_keep_each_document_once(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    first, second = Store.open(database_url, folder), Store.open(database_url, folder)
    try:
        add(first, "Orchard harvest", "The orchard harvest of apples began early this year.")
        assert found(first, "orchard") == found(second, "orchard") == ["Orchard harvest"]
        add(second, "Orchard prices", "Apple prices at the orchard gate fell by a tenth.")
        assert sorted(found(first, "orchard")) == ["Orchard harvest", "Orchard prices"]
        assert sorted(found(second, "orchard")) == ["Orchard harvest", "Orchard prices"]
    finally:
        first.close()
        second.close()


def test_a_reopened_index_is_mended_with_what_happened_while_it_was_closed(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    store = Store.open(database_url, folder)
    old = add(store, "Bridge closes", "The old bridge closed for repairs to its cables.")
    assert found(store, "bridge") == ["Bridge closes"]
    store.close()
    # Meanwhile another process, with an index elsewhere, stores one and edits one.
    other = Store.open(database_url, tmp_path / "elsewhere")
    add(other, "Bridge tolls", "Tolls on the new bridge rise next month, the council said.")
    edited = document("Bridge closes", "The old bridge closed for good; a ferry replaces it.")
    assert other.replace_document(old, edited, (split_sentences(edited.paragraphs[0]),))
    other.close()
    store = Store.open(database_url, folder)
    try:
        assert sorted(found(store, "bridge")) == ["Bridge closes", "Bridge tolls"]
        assert found(store, "ferry") == ["Bridge closes"]
        assert found(store, "cables") == []  # the text before the edit is gone
    finally:
        store.close()


def test_a_document_replaced_here_leaves_the_index(store: Store) -> None:
    old = add(store, "Dam report", "Engineers found cracks in the dam wall last week.")
    assert found(store, "cracks") == ["Dam report"]
    edited = document("Dam report", "Engineers found the dam wall sound after all.")
    assert store.replace_document(old, edited, (split_sentences(edited.paragraphs[0]),))
    assert found(store, "cracks") == []
    assert found(store, "sound") == ["Dam report"]


def test_an_index_of_another_version_or_broken_is_made_anew(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    store = Store.open(database_url, folder)
    add(store, "Volcano stirs", "The volcano stirred overnight and ash fell on the town.")
    assert found(store, "volcano") == ["Volcano stirs"]
    store.close()
    (folder / STATE).write_text(json.dumps({"version": VERSION - 1, "read": 1}))
    store = Store.open(database_url, folder)
    try:
        assert found(store, "volcano") == ["Volcano stirs"]
    finally:
        store.close()
    for path in folder.iterdir():
        if path.is_file() and path.name != STATE:
            path.write_bytes(b"not an index")
    store = Store.open(database_url, folder)
    try:
        assert found(store, "volcano") == ["Volcano stirs"]
    finally:
        store.close()


def test_reindex_rebuilds_the_same_index_and_reports_progress(store: Store) -> None:
    for n in range(30):
        add(store, f"Report {n}", f"Rainfall report number {n} for the valley district.")
    before = found(store, "rainfall valley")
    steps: list[tuple[int, int]] = []
    assert store.reindex(lambda done, total: steps.append((done, total))) == 30
    assert found(store, "rainfall valley") == before
    assert steps[-1] == (30, 30)


def test_search_without_an_exact_match_shows_stories_with_most_of_the_words(
    store: Store,
) -> None:
    add(store, "Port strike", "Dock workers at the port walked out over pay on Monday.")
    add(store, "Rail strike", "Train drivers walked out over pay and pensions.")
    hits = handler(store).search_stories("dock workers pay pensions").hits
    # No story has all four words; the one with three of them comes first.
    assert [hit.headline for hit in hits][:1] == ["Port strike"]
    excluded = handler(store).search_stories("dock workers pay pensions -train").hits
    assert "Rail strike" not in [hit.headline for hit in excluded]


def test_common_words_do_not_make_a_story_match_a_search(store: Store) -> None:
    add(store, "Port strike", "Dock workers at the port walked out over pay on Monday.")
    # Five of the search's seven words, all of them common ones.
    add(store, "Garden show", "What the roses of the valley were in bloom at the show.")
    hits = handler(store).search_stories("what the workers of the dock were in").hits
    assert [hit.headline for hit in hits] == ["Port strike"]


def test_a_question_with_time_words_is_answered_from_stories_of_that_time(
    store: Store,
) -> None:
    today = date(2020, 3, 10)
    add(store, "Flood warning", "The river burst its banks near the mill.", today - timedelta(1))
    add(store, "Old flood", "The river burst its banks near the old mill.", date(2020, 1, 5))
    ask = handler(store).answer_question
    yesterday = ask("where did the river burst its banks yesterday?", today=today).answer
    assert [e.headline for e in yesterday.evidence] == ["Flood warning"]
    january = ask("where did the river burst its banks in January?", today=today).answer
    assert [e.headline for e in january.evidence] == ["Old flood"]
    assert not ask("did the river burst its banks last week?", today=today).answer.found


def test_close_wording_is_found_after_the_exact_words(store: Store) -> None:
    add(store, "Automaker cuts jobs", "The automaker will cut 5,000 jobs at its plants.")
    add(store, "Carmaker recalls cars", "A carmaker recalled 20,000 cars over faulty brakes.")
    hits = [hit.headline for hit in handler(store).search_stories("carmaker").hits]
    assert hits == ["Carmaker recalls cars", "Automaker cuts jobs"]  # the exact word first


def test_a_question_in_other_words_is_answered_from_close_wording(store: Store) -> None:
    add(
        store,
        "Labour market",
        "Unemployment claims fell to 210,000 last week, the lowest in years.",
    )
    add(store, "Weather", "Heavy rain is expected across the north on Friday.")
    found = handler(store).answer_question("how many jobless claims were there?").answer
    assert [e.headline for e in found.evidence] == ["Labour market"]
    assert not handler(store).answer_question("how many zebra claims were there?").answer.found


def test_a_topic_picks_close_wording_after_its_own_words_but_a_name_only_itself(
    store: Store,
) -> None:
    add(store, "Automaker cuts jobs", "The automaker will cut 5,000 jobs at its plants.")
    add(store, "Carmaker recalls cars", "A carmaker recalled 20,000 cars over faulty brakes.")
    add(store, "Shelling in Homs", "Shelling hit the city of Homs overnight.")
    preview = handler(store).preview_digest
    assert [s.headline for s in preview(topic="carmaker").stories] == [
        "Carmaker recalls cars",
        "Automaker cuts jobs",
    ]
    assert preview(topic="Idlib").stories == ()  # Homs is close to Idlib, but Idlib is a place


def test_a_year_that_is_what_the_news_is_about_is_a_word_of_the_question(store: Store) -> None:
    add(store, "Budget plans", "The 2005 budget will raise fuel duty, the chancellor said.",
        date(2004, 11, 20))  # fmt: skip
    ask = handler(store).answer_question
    found = ask("what will the 2005 budget raise?", today=date(2004, 12, 1)).answer
    assert [e.headline for e in found.evidence] == ["Budget plans"]
    # A year that names when it was published still keeps only that year's stories.
    assert not ask("what did the budget raise in 2003?", today=date(2004, 12, 1)).answer.found
