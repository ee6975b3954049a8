"""Subscription lists: reading OPML from other readers, writing it for them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.sources.errors import FeedError
from bot.sources.opml import FeedRef, read_opml, write_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="News">
      <outline text="World &amp; Politics" type="rss" xmlUrl="https://news.example/world.xml"/>
      <outline text="Local">
        <outline text="Kellshore Courier" type="rss" xmlUrl="https://courier.example/rss"/>
      </outline>
    </outline>
    <outline text="Tech blog" type="rss" xmlUrl="https://blog.example/atom.xml"/>
    <outline text="World again" type="rss" xmlUrl="HTTPS://News.Example/world.xml?utm_source=opml"/>
    <outline text="A folder with no feeds"/>
  </body>
</opml>"""


def test_nested_folders_are_flattened_and_duplicates_dropped() -> None:
    assert read_opml(NESTED) == [
        FeedRef("World & Politics", "https://news.example/world.xml"),
        FeedRef("Kellshore Courier", "https://courier.example/rss"),
        FeedRef("Tech blog", "https://blog.example/atom.xml"),
    ]


def test_round_trip_keeps_titles_and_urls() -> None:
    feeds = [
        FeedRef('Tom & Jerry\'s <"best"> feed', "https://a.example/feed?x=1&y=2"),
        FeedRef("Новости", "https://b.example/rss"),
        FeedRef("", "https://c.example/atom.xml"),
    ]

    written = write_opml(feeds, "Exported from newsdigest")

    assert written.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert ET.fromstring(written).findtext("head/title") == "Exported from newsdigest"
    assert read_opml(written.encode()) == [
        feeds[0],
        feeds[1],
        FeedRef("https://c.example/atom.xml", "https://c.example/atom.xml"),
    ]


def test_nested_list_survives_a_round_trip() -> None:
    feeds = read_opml(NESTED)

    assert read_opml(write_opml(feeds, "Mine").encode()) == feeds


def test_characters_xml_cannot_carry_are_dropped() -> None:
    written = write_opml([FeedRef("Bell\x07 feed", "https://a.example/\x00rss")], "T\x1b")

    root = ET.fromstring(written)
    assert root.findtext("head/title") == "T"
    outline = root.find("body/outline")
    assert outline is not None
    assert (outline.get("text"), outline.get("xmlUrl")) == ("Bell feed", "https://a.example/rss")


@pytest.mark.parametrize(
    "data",
    [b"", b"just some text", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'],
    ids=["empty", "text", "a-feed"],
)
def test_file_that_is_not_opml_is_refused(data: bytes) -> None:
    with pytest.raises(FeedError, match=r"not an OPML file \(it has no <opml> element\)"):
        read_opml(data)
