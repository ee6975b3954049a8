"""Ingest on folders of whatever people drop into them: random bytes, text in several encodings
(UTF-16 with a byte-order mark among them), odd file names, dates and no dates. Nothing
escapes as an exception, every rejected file is named with a sentence, and reading the same
folder again changes nothing."""

from __future__ import annotations

import codecs
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.ingest import IngestReport, ingest
from bot.core.store import Store

# Something a person should never be shown: a traceback, an exception's or an object's repr,
# bytes. Quoted text ('2020-13-45') is what the file said, so it is left out of the search:
# it stands as "Q", and b'…' as "bQ".
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NOT_A_SENTENCE = re.compile(r"Traceback|\b\w+(Error|Exception)\(|<\w[\w.]* object|\bbQ|Path\(")


def _unsayable(reason: str) -> re.Match[str] | None:
    return _NOT_A_SENTENCE.search(_QUOTED.sub("Q", reason))


# A file name: any bytes but "/" and NUL (Latin-1 names among them), or text with any
# character, and one of a few suffixes, some of them not read at all.
_stems = st.one_of(
    st.binary(min_size=1, max_size=30).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_")),
    st.text(min_size=1, max_size=30).map(
        lambda s: os.fsencode(s.replace("/", "_").replace("\0", "_"))
    ),
)
_names = st.builds(
    lambda stem, suffix: (stem + suffix)[-200:],
    _stems,
    st.sampled_from([b".txt", b".md", b".TXT", b".csv", b""]),
).filter(lambda name: name not in (b".", b".."))

_dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["2020-13-45", "2021-02-29", "yesterday", "20-1-1", "2999-01-01", ""]),
    st.text(max_size=12).filter(lambda s: not any(c.isspace() for c in s)),
)
_sentences = st.lists(
    st.one_of(
        st.sampled_from(
            ["The U.S. Senate voted on Monday.", "Mr. Smith left.", "Prices rose 2%.", "Why?"]
        ),
        st.text(max_size=120),
    ),
    max_size=12,
).map(" ".join)
_bodies = st.builds(
    lambda paragraphs, repeat: "\n\n".join(paragraphs) * repeat,
    st.lists(_sentences, max_size=5),
    st.sampled_from([1, 1, 1, 40, 400]),
)


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be", "surrogatepass")
    return text.encode(encoding, "replace")


_texts = st.builds(
    lambda date, spaces, body, encoding: _encode(
        (f"{spaces}date {date} " if date is not None else "") + body, encoding
    ),
    st.none() | _dates,
    st.sampled_from(["", "  ", "\n\n"]),
    _bodies,
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]),
)
_contents = st.one_of(_texts, st.binary(max_size=3000))
_folders = st.dictionaries(_names, _contents, max_size=6)


def _stored(store: Store) -> list[tuple[Any, ...]]:
    """Everything ingest writes: the documents and their summaries."""
    return [
        (d.id, d.published, d.headline, d.sentences, d.source, store.summary(d.id, "lead", 2))
        for d in store.documents()
    ]


def _ingest(store: Store, folder: Path) -> IngestReport:
    return ingest(store, [folder], max_bytes=60_000, method="lead", sentences=2)


@pytest.mark.fuzz
@given(files=_folders)
def test_any_folder_is_ingested_with_a_sentence_for_each_rejected_file_and_again_to_no_change(
    tmp_path: Path, files: dict[bytes, bytes]
) -> None:
    example = tmp_path / uuid.uuid4().hex
    folder = example / "news"
    folder.mkdir(parents=True)
    for name, content in files.items():
        with open(os.path.join(os.fsencode(folder), name), "wb") as file:
            file.write(content)
    store = Store.open(f"sqlite:///{example / 'store.db'}")
    try:
        first = _ingest(store, folder)
        for problem in first.rejected + first.warnings:
            problem.name.encode("utf-8")  # printable: no undecodable bytes smuggled through
            assert problem.reason.strip()
            assert not _unsayable(problem.reason), problem.reason
        stored = _stored(store)

        again = _ingest(store, folder)
        assert (again.new, again.updated) == ([], [])
        assert set(again.rejected) == set(first.rejected)
        assert _stored(store) == stored
    finally:
        store.close()
