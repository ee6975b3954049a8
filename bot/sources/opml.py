"""Subscription lists in OPML, the format feed readers import and export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import listparser

from bot.sources.errors import NOT_OPML, FeedError
from bot.sources.links import normalise_link

# Characters XML 1.0 cannot carry even escaped; ElementTree would write them as they are.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedRef:
    """A feed in a subscription list: what the list calls it, and where it is."""

    title: str
    url: str


def read_opml(data: bytes) -> list[FeedRef]:
    """Every feed in an OPML file, in the file's order.

    Folders (nested outlines) are flattened; a feed listed twice, even spelled differently
    (tracking parameters, host case), is kept once. Bytes only: listparser would fetch a str
    that looks like a URL. Raises `FeedError` when the file is not OPML.
    """
    parsed = listparser.parse(data)
    if not parsed.version.startswith("opml"):
        raise FeedError(NOT_OPML.format(reason="it has no <opml> element"))
    seen: set[str] = set()
    feeds = []
    for feed in parsed.feeds:
        url = feed.url.strip()
        if normalise_link(url) in seen:
            continue
        seen.add(normalise_link(url))
        feeds.append(FeedRef(title=" ".join((feed.title or "").split()), url=url))
    return feeds


def write_opml(feeds: Sequence[FeedRef], title: str) -> str:
    """An OPML 2.0 document listing the feeds, for other readers to import."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = _clean(feed.title) or _clean(feed.url)
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=_clean(feed.url))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
