"""Reading a fetched document as a feed: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed 1.0/1.1
(json), and web pages, which are not feeds but may say where theirs is."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree

from bot.sources.errors import (
    NOT_A_FEED_JSON,
    NOT_A_FEED_MALFORMED,
    NOT_A_FEED_PAGE,
    NOT_A_FEED_UNKNOWN,
    PAGE_LINKS_FEED,
    NotAFeed,
)
from bot.sources.links import entry_key
from bot.sources.plaintext import html_to_text, plain_text

# The types a page's <link rel="alternate"> gives for its feeds.
FEED_LINK_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json"}
)
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
# Where a web page shows itself: enough of the start to hold the doctype and <html>.
_SNIFF_BYTES = 1024


@dataclass(frozen=True)
class FeedEntry:
    """One story in a feed, as plain text.

    `link` is absolute (http or https) or "". `title` is "" when the feed gave none; the
    caller may derive one from the text. `published` is in UTC, or None when the feed gave
    no date it could read. `text` is the fullest body the feed gave (content before
    summary), with paragraphs separated by blank lines.
    """

    key: str
    guid: str | None
    link: str
    title: str
    author: str
    published: datetime | None
    text: str


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's own title and home page, how long it asks readers to wait between polls
    (RSS <ttl>), and its entries in the feed's order."""

    title: str
    link: str
    ttl_minutes: int | None
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, *, url: str, content_type: str = "") -> ParsedFeed:
    """Read a fetched document as a feed.

    `url` is where it was fetched from (relative links resolve against it); `content_type`
    the server's Content-Type, which may name the encoding. The body decides, not the
    type: servers send RSS as text/html and JSON Feed as text/plain. A feed with XML errors
    that still yields entries or a title is accepted, as readers do. Raises `NotAFeed`, whose
    `feed_url` is set when the document is a web page that links to its feed.
    """
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Entries become plain text (`html_to_text` drops scripts and styles, and every link in
    # the text), so feedparser's own cleaning of their HTML would be work thrown away.
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.entries
    title = parsed.feed.get("title")
    if (parsed.version or entries) and (entries or title or not parsed.bozo):
        return ParsedFeed(
            title=_text(title, parsed.feed.get("title_detail")),
            link=_absolute(parsed.feed.get("link"), url),
            ttl_minutes=_minutes(parsed.feed.get("ttl")),
            entries=tuple(_entry(entry, url) for entry in entries),
        )
    if _looks_like_html(body, content_type):
        feed_url = discover_feed_url(body, url)
        if feed_url is None:
            raise NotAFeed(NOT_A_FEED_PAGE.format(url=url))
        raise NotAFeed(PAGE_LINKS_FEED.format(url=url, feed_url=feed_url), feed_url=feed_url)
    if parsed.bozo:
        raise NotAFeed(NOT_A_FEED_MALFORMED.format(where=_where(parsed.bozo_exception)))
    raise NotAFeed(NOT_A_FEED_UNKNOWN)


def discover_feed_url(html: bytes | str, base_url: str) -> str | None:
    """The absolute URL of the first feed a web page advertises, or None.

    Reads `<link rel="alternate" type="application/rss+xml | atom+xml | feed+json"
    href="…">`, resolving the href against the page's <base> or `base_url`. The first in the
    page is taken: sites list their main feed before comment or category feeds.
    """
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        # Empty, or text lxml cannot read as HTML: no page, so no feed either.
        return None
    base = base_url
    for element in document.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href").strip())
        break
    for element in document.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").partition(";")[0].strip().lower()
        href = (element.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_LINK_TYPES and href:
            feed_url = _absolute(href, base)
            if feed_url:
                return feed_url
    return None


def _entry(entry: Any, url: str) -> FeedEntry:
    guid = (entry.get("id") or "").strip() or None
    link = _absolute(entry.get("link"), url)
    title = _text(entry.get("title"), entry.get("title_detail"))
    contents = entry.get("content") or []
    if contents:
        text = _text(contents[0].get("value"), contents[0])
    else:
        text = _text(entry.get("summary"), entry.get("summary_detail"))
    author_detail = entry.get("author_detail") or {}
    author = _text(author_detail.get("name") or entry.get("author"), None)
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return FeedEntry(
        key=entry_key(guid, link, title, text),
        guid=guid,
        link=link,
        title=title,
        author=author,
        published=_utc(published),
        text=text,
    )


def _text(value: str | None, detail: Any) -> str:
    """Plain text from a feedparser value; its detail says whether it is HTML or text.

    Without a detail (author names), HTML is assumed: entities may be left in any field.
    """
    if not value:
        return ""
    if detail and detail.get("type") == "text/plain":
        return plain_text(value)
    return html_to_text(value)


def _absolute(link: str | None, base: str) -> str:
    """The link made absolute; "" unless it is http(s), so no javascript: link reaches a chat."""
    if not link or not link.strip():
        return ""
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme.lower() in ("http", "https") else ""


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's dates are struct_time in UTC; some feeds give dates no calendar has."""
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _minutes(ttl: str | None) -> int | None:
    if ttl is None or not ttl.strip().isdigit():
        return None
    minutes = int(ttl.strip())
    return minutes or None


def _where(error: Exception | None) -> str:
    line = getattr(error, "getLineNumber", None)
    if callable(line) and line() is not None:
        return f"line {line()}"
    return str(error) or "unreadable"


def _looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _looks_like_html(body: bytes, content_type: str) -> bool:
    kind = content_type.partition(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return True
    start = body[:_SNIFF_BYTES].lower()
    return b"<html" in start or b"<!doctype html" in start


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body)
    except UnicodeDecodeError as error:
        raise NotAFeed(NOT_A_FEED_JSON.format(reason=f"not UTF-8: {error.reason}")) from None
    except json.JSONDecodeError as error:
        reason = f"invalid JSON at line {error.lineno}: {error.msg}"
        raise NotAFeed(NOT_A_FEED_JSON.format(reason=reason)) from None
    if not isinstance(data, dict):
        raise NotAFeed(NOT_A_FEED_JSON.format(reason="it is not an object"))
    version = data.get("version")
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_VERSION):
        raise NotAFeed(NOT_A_FEED_JSON.format(reason="it has no jsonfeed.org version"))
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed(NOT_A_FEED_JSON.format(reason="its items are not a list"))
    return ParsedFeed(
        title=plain_text(_string(data.get("title"))),
        link=_absolute(_string(data.get("home_page_url")), url),
        ttl_minutes=None,
        entries=tuple(_json_entry(item, url) for item in items if isinstance(item, dict)),
    )


def _json_entry(item: dict[str, Any], url: str) -> FeedEntry:
    # JSON Feed ids are strings, but feeds in the wild also give numbers.
    guid = _string(item.get("id")).strip() or None
    link = _absolute(_string(item.get("url")) or _string(item.get("external_url")), url)
    title = plain_text(_string(item.get("title")))
    html = _string(item.get("content_html"))
    if html:
        text = html_to_text(html)
    else:
        text = plain_text(_string(item.get("content_text")) or _string(item.get("summary")))
    # 1.1 has a list of authors; 1.0 had one author.
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [_string(a.get("name")) for a in authors if isinstance(a, dict)]
    published = _iso_date(_string(item.get("date_published")) or _string(item.get("date_modified")))
    return FeedEntry(
        key=entry_key(guid, link, title, text),
        guid=guid,
        link=link,
        title=title,
        author=", ".join(name.strip() for name in names if name.strip()),
        published=published,
        text=text,
    )


def _string(value: object) -> str:
    """A JSON value as text: strings and numbers; anything else (null, lists) is ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _iso_date(value: str) -> datetime | None:
    """An RFC 3339 date in UTC; a date without a zone is taken as UTC."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
