"""One story, many sources, on SQLite and PostgreSQL: copies of a story from several feeds
(a teaser under another headline among them) become one story in the digest, with every
source; a copy arriving after the chat had the story brings nothing; a version with a
genuinely new paragraph brings one update; and a restart forgets none of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.core.commands import CommandHandler, Message, Options
from bot.core.digest import load_digest
from bot.core.documents import Document, content_id, paragraph_sentences, read_file
from bot.core.feed_store import CHAT, EntryDocument
from bot.core.replies import DigestReply, StoryReply
from bot.core.store import Store

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
ARTICLE = list(read_file(SEEDS[0], max_bytes=1_000_000).paragraphs)
OTHER = list(read_file(SEEDS[3], max_bytes=1_000_000).paragraphs)
NEW_PARAGRAPH = (
    "Late on Friday the United Nations Security Council called an emergency session, and "
    "Greece said it had closed two border crossings after thousands of refugees gathered there."
)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry(outlet: str, link: str, headline: str, paragraphs: list[str]) -> EntryDocument:
    document = Document(
        doc_id=content_id(tuple(paragraphs)),
        published=date(2026, 3, 2),
        headline=headline,
        paragraphs=tuple(paragraphs),
        source=link,
        outlet=outlet,
    )
    sentences = tuple(paragraph_sentences(p) for p in paragraphs)
    return EntryDocument(link, document, sentences, datetime.now(UTC))


def from_feed(store: Store, outlet: str, *entries: EntryDocument) -> list[str]:
    feed = store.add_feed(f"https://{outlet.lower()}.example/rss", outlet, origin=CHAT,
                          added_at=NOW)  # fmt: skip
    assert feed is not None
    new, _ = store.store_entries(feed.id, entries, NOW)
    return new


def courier_and_teaser(store: Store) -> tuple[str, str]:
    """The full article from one feed, a teaser of its first paragraph under another headline
    from a second; and an unrelated story."""
    [full] = from_feed(store, "Courier", entry("Courier", "https://courier.example/idlib",
                       "Turkish soldiers killed in Idlib strike", ARTICLE))  # fmt: skip
    [teaser] = from_feed(store, "Gazette", entry("Gazette", "https://gazette.example/t",
                         "Ankara vows answer after deadly attack", ARTICLE[:1]))  # fmt: skip
    from_feed(store, "Ledger", entry("Ledger", "https://ledger.example/oil", "Oil falls", OTHER))
    return full, teaser


def handler(store: Store) -> CommandHandler:
    return CommandHandler(store, Options(method="lead", sentences=3, digest_size=5))


def test_copies_from_two_feeds_are_one_story_with_both_sources(store: Store) -> None:
    full, teaser = courier_and_teaser(store)
    documents = store.get_documents([full, teaser])
    assert documents[teaser].story_id == documents[full].story_id == full

    chat = handler(store).chat("test", "1")
    digest = handler(store).build_digest(chat)
    [story] = [s for s in digest.stories if s.headline != "Oil falls"]
    assert len(digest.stories) == 2
    # The full article heads the story (it has the most text); the teaser is a source.
    assert story.headline == "Turkish soldiers killed in Idlib strike"
    assert [(s.name, s.link) for s in story.sources] == [
        ("Courier", "https://courier.example/idlib"),
        ("Gazette", "https://gazette.example/t"),
    ]
    assert len(story.summary) == len(set(story.summary)) == 3
    # Sent as it was built: the stored digest reads the same.
    assert load_digest(store, digest.digest_id or 0, handler(store).summary) == digest


def test_a_copy_after_the_story_was_sent_brings_nothing_and_an_update_one_line(
    store: Store,
) -> None:
    courier_and_teaser(store)
    chat = handler(store).chat("test", "1")
    assert len(handler(store).build_digest(chat).stories) == 2

    copy = ["By our wire correspondent", *ARTICLE, "© 2026 Wire. All rights reserved."]
    from_feed(store, "Herald", entry("Herald", "https://herald.example/a", "Idlib: 33 dead", copy))
    assert handler(store).build_digest(chat).empty

    updated = [*ARTICLE, NEW_PARAGRAPH]
    from_feed(store, "Times", entry("Times", "https://times.example/u", "Idlib latest", updated))
    digest = handler(store).build_digest(chat)
    [story] = digest.stories
    assert story.update and story.headline == "Turkish soldiers killed in Idlib strike"
    assert story.summary == (NEW_PARAGRAPH,)
    assert [s.name for s in story.sources] == ["Times"]
    stored = load_digest(store, digest.digest_id or 0, handler(store).summary)
    assert stored.stories == digest.stories
    # Told once: the same update does not come again.
    assert handler(store).build_digest(chat).empty


def test_an_entry_edited_in_place_brings_one_update_only_for_what_it_adds(
    store: Store,
) -> None:
    feed = store.add_feed("https://courier.example/rss", "Courier", origin=CHAT, added_at=NOW)
    assert feed is not None
    link, headline = "https://courier.example/idlib", "Turkish soldiers killed in Idlib strike"

    def publish(paragraphs: list[str]) -> None:
        store.store_entries(feed.id, [entry("Courier", link, headline, paragraphs)], NOW)

    publish(ARTICLE)
    chat = handler(store).chat("test", "1")
    assert len(handler(store).build_digest(chat).stories) == 1
    # A correction of a word says nothing new: no message about it.
    corrected = [ARTICLE[0].replace("Dozens", "Scores"), *ARTICLE[1:]]
    assert corrected != ARTICLE
    publish(corrected)
    assert handler(store).build_digest(chat).empty
    # A new paragraph: one update, with it, from the same source, once.
    publish([*corrected, NEW_PARAGRAPH])
    # Edited twice, still one document: the entry follows each version.
    [latest] = store.documents()
    assert latest.paragraphs[-1] == NEW_PARAGRAPH
    digest = handler(store).build_digest(chat)
    [story] = digest.stories
    assert story.update and story.headline == headline
    assert story.summary == (NEW_PARAGRAPH,)
    assert [(s.name, s.link) for s in story.sources] == [("Courier", link)]
    stored = load_digest(store, digest.digest_id or 0, handler(store).summary)
    assert stored.stories == digest.stories
    assert handler(store).build_digest(chat).empty
    # Another chat, which never had the story, gets it whole, as it reads now.
    other = handler(store).build_digest(handler(store).chat("test", "2"))
    [whole] = other.stories
    assert not whole.update and whole.headline == headline


def test_more_shows_the_longer_summary_and_every_source(store: Store) -> None:
    courier_and_teaser(store)
    chat = handler(store).chat("test", "1")
    bot = handler(store)
    digest = bot.build_digest(chat)
    number = next(s.number for s in digest.stories if len(s.sources) == 2)
    reply = bot.handle(Message("test", "1", f"/more {number}"))
    assert isinstance(reply, StoryReply)
    assert [s.name for s in reply.story.sources] == ["Courier", "Gazette"]
    assert len(reply.story.summary) > 3


def test_near_duplicates_are_found_after_a_restart(store: Store, database_url: str) -> None:
    full, _ = courier_and_teaser(store)
    store.close()
    reopened = Store.open(database_url)
    try:
        edited = [p.replace("Thursday", "Thursday evening") for p in ARTICLE]
        herald = entry("Herald", "https://herald.example/b", "Idlib", edited)
        [copy] = from_feed(reopened, "Herald", herald)
        assert reopened.get_documents([copy])[copy].story_id == full
        preview = CommandHandler(reopened, Options(method="lead")).preview_digest()
        [story] = [s for s in preview.stories if s.headline != "Oil falls"]
        assert {s.name for s in story.sources} == {"Courier", "Gazette", "Herald"}
    finally:
        reopened.close()


def test_an_edited_file_stays_in_its_story(store: Store) -> None:
    full, _ = courier_and_teaser(store)
    document = Document(content_id(tuple(ARTICLE[:-1])), date(2026, 3, 2), "Idlib",
                        tuple(ARTICLE[:-1]), source="/news/idlib.txt")  # fmt: skip
    assert store.replace_document(full, document, ())
    assert store.get_documents([document.doc_id])[document.doc_id].story_id == full


def test_the_digest_reply_renders_one_story_per_cluster(store: Store) -> None:
    courier_and_teaser(store)
    reply = handler(store).handle(Message("test", "1", "/digest"))
    assert isinstance(reply, DigestReply)
    headlines = [s.headline for s in reply.digest.stories]
    assert "Ankara vows answer after deadly attack" not in headlines


def test_a_search_finds_the_story_once_and_names_its_sources(store: Store) -> None:
    courier_and_teaser(store)
    reply = handler(store).search_stories("Idlib")
    [hit] = reply.hits
    assert hit.headline == "Turkish soldiers killed in Idlib strike"
    assert [(s.name, s.link) for s in hit.sources] == [
        ("Courier", "https://courier.example/idlib"),
        ("Gazette", "https://gazette.example/t"),
    ]


def test_documents_stored_before_stories_existed_are_found_by_their_copies(
    database_url: str,
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from bot.core.database import make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", "bot:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            text(
                "INSERT INTO documents (id, published, headline, body, headings, sentences,"
                " source, ingested_at) VALUES ('old', '2026-03-01', 'Idlib', :body, '[]', '[]',"
                " '/news/idlib.txt', '2026-03-01 08:00:00+00:00')"
            ),
            {"body": "\n\n".join(ARTICLE)},
        )
    engine.dispose()
    store = Store.open(database_url)  # the rest of the migrations, stories among them
    try:
        copy = ["By our wire correspondent", *ARTICLE]
        [new] = from_feed(store, "Herald", entry("Herald", "https://herald.example/c", "I", copy))
        assert store.get_documents([new])[new].story_id == "old"
    finally:
        store.close()
