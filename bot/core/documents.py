"""Reading news documents: the seed format and plain text files → `Document`.

The seed format: optional leading spaces, `date YYYY-MM-DD`, and the article, whose
first paragraph starts on that same line. A short line without closing punctuation is a
sub-heading. Plain `.txt`/`.md` files without a date line are accepted with the file's
modification date and a warning. Files are UTF-8 (with or without a byte-order mark),
UTF-16 or UTF-32 with a byte-order mark, or else Windows-1252.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from summarizers import split_sentences
from summarizers.tokenize import ABBREVIATIONS

ACCEPTED_SUFFIXES = (".txt", ".md")
HEADLINE_CHARS = 90
# A sub-heading is at most this many words, with no closing punctuation.
_HEADING_WORDS = 12
_HEADING_CHARS = 90
# Headings count as the document's headline only when they stand this near the top.
_HEADLINE_WINDOW = 3
_DATE_LINE = re.compile(r"^\s*date\s+(\S+)(?:[ \t]+(.*))?$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CLOSING = tuple(".!?:;,…\"'”’)]»")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_SPACE = re.compile(r"\s+")
# A text without sentence ends (a table dump, a page flattened to one line) is cut into
# pieces of at most this many characters, so no search hit or summary prints it whole.
SENTENCE_CHARS = 500
# Text that announces its encoding with a byte-order mark. Longest first: the UTF-32 marks
# begin with the UTF-16 ones. (UTF-8's mark is dropped by the "utf-8-sig" codec.)
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


class DocumentError(ValueError):
    """The input cannot become a document; the message says why, for a person to act on."""


@dataclass(frozen=True)
class Document:
    """A news story as the bot stores it. `source` is its file or link; a story from a feed
    also names its `author` and the feed it came from (`outlet`)."""

    doc_id: str
    published: date
    headline: str
    paragraphs: tuple[str, ...]
    headings: tuple[str, ...] = ()
    source: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    author: str = ""
    outlet: str = ""

    @property
    def text(self) -> str:
        """The body as paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def content_id(paragraphs: tuple[str, ...]) -> str:
    """Identity of a document: a hash of its normalised text, so copies are one document."""
    normal = unicodedata.normalize("NFKC", " ".join(paragraphs))
    normal = _SPACE.sub(" ", normal).strip().casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def path_text(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes of a name that are not valid in
    the file system's encoding (a Latin-1 name on a UTF-8 system) are shown as `\\xe9`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def decode(raw: bytes) -> tuple[str, tuple[str, ...]]:
    """Text of a file's bytes: UTF-16 or UTF-32 by its byte-order mark, else UTF-8 (with or
    without a mark), then Windows-1252 (with a warning)."""
    for mark, encoding, name in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                text = raw[len(mark) :].decode(encoding)
            except UnicodeDecodeError:
                raise DocumentError(
                    f"not text: it starts as {name} but is not valid {name}"
                ) from None
            # Any bytes after a mark may decode; control characters show they were not text.
            if "\x00" in text or _control_ratio(text) > 0.01:
                raise DocumentError(f"binary file, not {name} text")
            return text, ()
    if b"\x00" in raw:
        raise DocumentError("binary file (it contains NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError("not text: neither UTF-8 nor Windows-1252") from None
    if _control_ratio(text) > 0.01:
        raise DocumentError("not text: neither UTF-8 nor Windows-1252")
    return text, ("not UTF-8; read as Windows-1252",)


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)


def is_heading(line: str) -> bool:
    """A short line without closing punctuation, such as `Turkey refuses to back down`."""
    line = line.strip()
    return (
        bool(line)
        and not line.endswith(_CLOSING)
        and len(line) <= _HEADING_CHARS
        and len(line.split()) <= _HEADING_WORDS
        and any(ch.isalpha() for ch in line)
    )


def parse_date(value: str) -> date:
    """A `YYYY-MM-DD` date, or DocumentError saying why it is not one."""
    match = _ISO_DATE.match(value)
    if not match:
        raise DocumentError(f"date line has {value!r}; expected date YYYY-MM-DD")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise DocumentError(f"impossible date {value!r} in the date line") from None


def _blocks(lines: list[str]) -> list[tuple[str, bool]]:
    """Paragraphs and headings, in order, as (text, is_heading).

    Blank lines end a paragraph. Inside a block, a line that ends a sentence also ends the
    paragraph (one paragraph per line), while other lines are hard wraps and are joined.
    """
    out: list[tuple[str, bool]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append((" ".join(current), False))
            current.clear()

    cleaned = [_MD_HEADING.sub("", raw.strip()) for raw in lines]
    for i, line in enumerate(cleaned):
        if not line:
            flush()
            continue
        following = cleaned[i + 1] if i + 1 < len(cleaned) else ""
        # A hard-wrapped line continues in lower case; a sub-heading stands on its own.
        stands_alone = not following or not following[0].islower()
        if not current and stands_alone and is_heading(line):
            out.append((line, True))
            continue
        current.append(line)
        if line.endswith(_CLOSING):
            flush()
    flush()
    return out


def derive_headline(blocks: list[tuple[str, bool]]) -> str:
    """A sub-heading near the top if there is one, else the first sentence, cut at a word."""
    for text, heading in blocks[:_HEADLINE_WINDOW]:
        if heading:
            return text
    first = next((text for text, heading in blocks if not heading), "")
    # The headline is read from the first paragraph's first sentence only.
    sentence = next(iter(split_sentences(first[: HEADLINE_CHARS * 4])), "")
    # The full stop goes, but not the one of an abbreviation ("… in the U.S.").
    last_word = sentence.rsplit(None, 1)[-1].lower() if sentence else ""
    if sentence.endswith(".") and last_word.rstrip(".") not in ABBREVIATIONS:
        sentence = sentence.rstrip(".")
    return shorten(sentence, HEADLINE_CHARS)


def paragraph_sentences(paragraph: str) -> tuple[str, ...]:
    """The sentences of a paragraph, a sentence longer than `SENTENCE_CHARS` cut into pieces
    at spaces (or anywhere, in a word longer than that)."""
    return tuple(piece for sentence in split_sentences(paragraph) for piece in _pieces(sentence))


def _pieces(sentence: str) -> Iterator[str]:
    # Positions rather than slices of the rest: a text of megabytes is cut in one pass.
    start = 0
    while len(sentence) - start > SENTENCE_CHARS:
        cut = sentence.rfind(" ", start + SENTENCE_CHARS // 2, start + SENTENCE_CHARS + 1)
        if cut == -1:
            cut = start + SENTENCE_CHARS
        piece = sentence[start:cut].strip()
        if piece:
            yield piece
        start = cut
    rest = sentence[start:].strip()
    if rest:
        yield rest


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


def parse_text(text: str, *, source: str = "", fallback_date: date | None = None) -> Document:
    """A Document from the text of one file.

    Without a date line the document takes `fallback_date` (with a warning); without one
    either it is rejected.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    warnings: list[str] = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DocumentError("empty file")
    match = _DATE_LINE.match(lines[first])
    if match:
        published = parse_date(match[1])
        body = [match[2] or "", *lines[first + 1 :]]
    elif fallback_date is not None:
        published = fallback_date
        body = lines[first:]
        warnings.append("no 'date YYYY-MM-DD' line; using the file's modification date")
    else:
        raise DocumentError("no 'date YYYY-MM-DD' first line")
    blocks = _blocks(body)
    paragraphs = tuple(block for block, heading in blocks if not heading)
    if not paragraphs:
        raise DocumentError("no article text after the date line")
    return Document(
        doc_id=content_id(paragraphs),
        published=published,
        headline=derive_headline(blocks),
        paragraphs=paragraphs,
        headings=tuple(block for block, heading in blocks if heading),
        source=source,
        warnings=tuple(warnings),
    )


def read_file(path: Path, *, max_bytes: int) -> Document:
    """A Document from a file, or DocumentError with the reason it was rejected."""
    if path.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise DocumentError(f"not a {' or '.join(ACCEPTED_SUFFIXES)} file")
    stat = path.stat()
    if stat.st_size > max_bytes:
        raise DocumentError(f"too large: {stat.st_size:,} bytes, the limit is {max_bytes:,}")
    if stat.st_size == 0:
        raise DocumentError("empty file")
    text, warnings = decode(path.read_bytes())
    modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC).date()
    document = parse_text(text, source=path_text(path), fallback_date=modified)
    return replace(document, warnings=(*warnings, *document.warnings))
