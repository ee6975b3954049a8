"""Ingest on files people really have: UTF-16 exports, links, dates in the future, texts
without a sentence end, headlines with abbreviations, and articles edited after they were
read."""

from __future__ import annotations

import codecs
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.documents import SENTENCE_CHARS, paragraph_sentences, parse_text, read_file
from bot.core.ingest import IngestReport, Problem, ingest
from bot.core.store import Store, now
from tests.conftest import SEEDS

STORY = "date 2020-03-02 Floods closed the bridge on Monday.\n\nRepairs will take a month."


def run(store: Store, *paths: Path, follow_outside_links: bool = False) -> IngestReport:
    return ingest(
        store,
        list(paths),
        max_bytes=2_000_000,
        method="lead",
        sentences=2,
        follow_outside_links=follow_outside_links,
    )


def rejected(report: IngestReport) -> dict[str, str]:
    return {Path(problem.name).name: problem.reason for problem in report.rejected}


@pytest.mark.parametrize(
    ("mark", "encoding"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_a_file_with_a_byte_order_mark_is_read_in_its_encoding(
    tmp_path: Path, mark: bytes, encoding: str
) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(mark + "date 2020-03-02 Café owners protested — again.".encode(encoding))
    document = read_file(path, max_bytes=100_000)
    assert document.paragraphs == ("Café owners protested — again.",)
    assert document.warnings == ()


def test_bytes_after_a_utf16_mark_that_are_not_text_are_rejected_as_binary(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "noise.txt").write_bytes(
        codecs.BOM_UTF16_LE + bytes(range(1, 64)).decode("latin-1").encode("utf-16-le")
    )
    (tmp_path / "broken.txt").write_bytes(codecs.BOM_UTF16_LE + b"d\x00a\x00\x00\xdc")
    reasons = rejected(run(store, tmp_path))
    assert reasons["noise.txt"] == "binary file, not UTF-16 text"
    assert reasons["broken.txt"] == "not text: it starts as UTF-16 but is not valid UTF-16"


def test_a_headline_is_not_cut_at_the_full_stop_of_an_abbreviation() -> None:
    seed = read_file(SEEDS / "002_9f1c3e7a20b6d4e8.txt", max_bytes=2_000_000)
    assert seed.headline.startswith("The U.S. Federal Reserve cut its benchmark")
    for text, headline in [
        ("Mr. Smith went to Washington. He left.", "Mr. Smith went to Washington"),
        (
            "Dr. Ray said on Jan. 5 the U.K. would act. No.",
            "Dr. Ray said on Jan. 5 the U.K. would act",
        ),
        ("J. K. Rowling wrote a new book. It sold.", "J. K. Rowling wrote a new book"),
        ("Prices rose, e.g. in Spain. Others fell.", "Prices rose, e.g. in Spain"),
        ("Trade with the U.S. The talks failed.", "Trade with the U.S."),
    ]:
        assert parse_text(f"date 2020-01-01 {text}").headline == headline


def test_a_text_without_sentence_ends_is_stored_in_pieces_cut_at_words(
    store: Store, tmp_path: Path
) -> None:
    words = " ".join(f"grain{n % 97}" for n in range(200_000))
    (tmp_path / "dump.txt").write_text(f"date 2020-03-02 {words}")
    (document_id,) = run(store, tmp_path).new
    document = store.get_document(document_id)
    assert document is not None
    pieces = [sentence for paragraph in document.sentences for sentence in paragraph]
    assert max(len(piece) for piece in pieces) <= SENTENCE_CHARS
    assert " ".join(pieces) == words
    assert all(re.fullmatch(r"(grain\d+ )*grain\d+", piece) for piece in pieces)


def test_a_word_longer_than_a_sentence_may_be_is_cut_anyway() -> None:
    pieces = paragraph_sentences("x" * (SENTENCE_CHARS * 2 + 1) + ". Then a short one.")
    assert [len(piece) for piece in pieces] == [SENTENCE_CHARS, SENTENCE_CHARS, 2, 17]


def test_links_to_nothing_in_a_circle_or_out_of_the_folder_are_reported(
    store: Store, tmp_path: Path
) -> None:
    news, elsewhere = tmp_path / "news", tmp_path / "elsewhere"
    news.mkdir()
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text(STORY)
    (news / "real.txt").write_text(STORY.replace("Floods", "Storms"))
    (news / "inside.txt").symlink_to(news / "real.txt")
    (news / "dangling.txt").symlink_to(news / "gone.txt")
    (news / "self.txt").symlink_to(news / "self.txt")
    (news / "outside.txt").symlink_to(elsewhere / "secret.txt")
    report = run(store, news)
    reasons = rejected(report)
    assert set(reasons) == {"dangling.txt", "self.txt", "outside.txt"}
    assert reasons["dangling.txt"] == f"a broken link: {news / 'gone.txt'} does not exist"
    assert reasons["self.txt"] == "a link that leads round in a circle, to no file"
    assert reasons["outside.txt"].startswith(
        f"a link to {elsewhere / 'secret.txt'}, outside the folder"
    )
    # The link inside the folder leads to a file read already.
    assert (len(report.new), report.unchanged + report.duplicate) == (1, 1)

    allowed = run(store, news, follow_outside_links=True)
    assert set(rejected(allowed)) == {"dangling.txt", "self.txt"}
    assert len(allowed.new) == 1


def test_a_dangling_link_named_on_its_own_is_a_broken_link(store: Store, tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    report = run(store, tmp_path / "dangling.txt")
    assert report.rejected == [
        Problem(
            str(tmp_path / "dangling.txt"), f"a broken link: {tmp_path / 'gone.txt'} does not exist"
        )
    ]
    assert report.nothing_stored


def test_a_document_dated_in_the_future_is_dated_today_with_a_warning(
    store: Store, tmp_path: Path
) -> None:
    today = now().date()
    tomorrow = today + timedelta(days=1)
    (tmp_path / "future.txt").write_text("date 2999-01-01 Robots won the election. Humans wept.")
    (tmp_path / "tomorrow.txt").write_text(f"date {tomorrow} Dawn broke over Auckland early.")
    report = run(store, tmp_path)
    published = {document.headline: document.published for document in store.documents()}
    assert published == {
        "Robots won the election": today,
        "Dawn broke over Auckland early": tomorrow,
    }
    assert report.warnings == [
        Problem(
            str(tmp_path / "future.txt"),
            f"dated 2999-01-01, in the future; dated {today}, the day it was read",
        )
    ]


def edit(path: Path, text: str) -> None:
    """Rewrite a file, its modification time moved on as an editor would."""
    mtime = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(mtime, mtime + 10**9))


def test_an_edited_article_replaces_its_document_and_keeps_what_was_delivered(
    store: Store, tmp_path: Path
) -> None:
    article = tmp_path / "bridge.txt"
    article.write_text(STORY)
    (old_id,) = run(store, tmp_path).new
    chat = store.chat("console", "local", timezone="UTC", digest_time="08:00")
    digest = store.save_digest(chat.id, [(old_id, "bridge")])

    edit(article, "date 2020-03-03 Floods closed the bridge for good.\n\nIt will be demolished.")
    report = run(store, tmp_path)
    assert (report.new, report.duplicate, report.rejected) == ([], 0, [])
    (new_id,) = report.updated
    assert report.line() == "0 new, 1 updated, 0 unchanged, 0 duplicate, 0 rejected"
    assert store.count_documents() == 1
    document = store.get_document(new_id)
    assert document is not None
    assert (document.headline, document.published) == (
        "Floods closed the bridge for good",
        date(2020, 3, 3),
    )
    assert store.summary(new_id, "lead", 2) == (
        "Floods closed the bridge for good.",
        "It will be demolished.",
    )
    # The chat had the story: it does not get it again, and its digest still shows it.
    assert store.delivered(chat.id) == {new_id}
    assert store.digest_items(digest) == [(new_id, "bridge")]
    assert [d.id for d in store.documents(new_to_chat=chat.id)] == []
    # The same text under another name is still one document.
    (tmp_path / "copy.txt").write_text(article.read_text())
    assert run(store, tmp_path).duplicate == 1
    assert store.count_documents() == 1


def test_editing_one_of_two_copies_leaves_the_other_copy_stored(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(STORY)
    (shared,) = run(store, tmp_path).new
    edit(tmp_path / "a.txt", STORY.replace("a month", "a year"))
    report = run(store, tmp_path)
    assert (len(report.new), report.updated, report.unchanged) == (1, [], 1)
    assert store.get_document(shared) is not None
    assert store.count_documents() == 2


def test_an_article_edited_back_to_its_first_text_is_the_first_document_again(
    store: Store, tmp_path: Path
) -> None:
    article = tmp_path / "bridge.txt"
    article.write_text(STORY)
    (first,) = run(store, tmp_path).new
    edit(article, STORY.replace("a month", "a year"))
    run(store, tmp_path)
    edit(article, STORY)
    assert run(store, tmp_path).updated == [first]
    assert [d.id for d in store.documents()] == [first]


def test_correcting_the_date_of_an_article_redates_its_document(
    store: Store, tmp_path: Path
) -> None:
    article = tmp_path / "robots.txt"
    article.write_text("date 2999-01-01 Robots won the election. Humans wept.")
    (document_id,) = run(store, tmp_path).new
    edit(article, "date 2020-03-01 Robots won the election. Humans wept.")
    assert run(store, tmp_path).updated == [document_id]
    document = store.get_document(document_id)
    assert document is not None
    assert document.published == date(2020, 3, 1)
    assert store.summary(document_id, "lead", 2) is not None
    assert run(store, tmp_path).unchanged == 1


def test_a_file_name_that_is_not_utf8_is_stored_under_a_printable_name(
    store: Store, tmp_path: Path
) -> None:
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as latin:
        latin.write(STORY.encode())
    (tmp_path / "zebra.txt").write_text(STORY.replace("bridge", "zoo"))
    report = run(store, tmp_path)
    assert (len(report.new), report.rejected) == (2, [])
    sources = {document.source for document in store.documents()}
    assert f"{tmp_path}/caf\\xe9.txt" in sources
    assert run(store, tmp_path).unchanged == 2
