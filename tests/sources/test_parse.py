"""Reading feeds: RSS, Atom, JSON Feed; encodings, entities, sparse entries, broken XML, pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.sources.errors import NotAFeed
from bot.sources.parse import discover_feed_url, parse_feed
from tests.sources.fetching import fetch_now
from tests.sources.server import LoopbackServer, Reply

FEED_URL = "https://news.example/feeds/world.xml"

RSS_20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>World News</title>
    <link>https://news.example/world</link>
    <ttl>45</ttl>
    <item>
      <title>Harbour town votes to rebuild its sea wall</title>
      <link>/world/sea-wall?utm_source=rss</link>
      <guid isPermaLink="false">story-1001</guid>
      <dc:creator>Morag Lindqvist</dc:creator>
      <pubDate>Thu, 14 Mar 2024 09:30:00 +0100</pubDate>
      <description>Residents backed the plan.</description>
      <content:encoded><![CDATA[<p>Residents of Kellshore voted on Thursday.</p>
        <p>The council said 71 per cent   backed
        the plan.</p><script>track()</script>]]></content:encoded>
    </item>
    <item>
      <title>Ferry timetable changes from April</title>
      <link>https://news.example/world/ferry</link>
      <guid>https://news.example/world/ferry</guid>
      <pubDate>Wed, 13 Mar 2024 18:00:00 GMT</pubDate>
      <description>&lt;p&gt;Fewer sailings in winter.&lt;/p&gt;</description>
    </item>
  </channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Tom &amp;amp; Jerry&#8217;s blog</title>
  <link rel="alternate" href="https://blog.example/"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-03-14T12:00:00Z</updated>
  <entry>
    <title type="html">&lt;em&gt;Cats&lt;/em&gt; &amp;amp; dogs</title>
    <link rel="alternate" href="posts/cats-and-dogs"/>
    <id>tag:blog.example,2024:1</id>
    <updated>2024-03-14T11:00:00+02:00</updated>
    <author><name>Ann Author</name></author>
    <summary>A short summary.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>First.</p><p>Second<br/>line.</p></div></content>
  </entry>
</feed>"""

JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Tiny Feed",
    "home_page_url": "https://tiny.example/",
    "items": [
        {
            "id": "post-2",
            "url": "/posts/2",
            "title": "Second post",
            "content_html": "<p>Hello &amp; welcome.</p><p>Bye.</p>",
            "date_published": "2024-03-14T10:00:00+01:00",
            "authors": [{"name": "Bea"}, {"name": "Cal"}],
        },
        {"id": 1, "content_text": "Plain text only.", "author": {"name": "Old style"}},
    ],
}


def test_rss_20_feed_and_entries() -> None:
    feed = parse_feed(RSS_20, url=FEED_URL, content_type="application/rss+xml")

    assert (feed.title, feed.link, feed.ttl_minutes) == (
        "World News",
        "https://news.example/world",
        45,
    )
    first, second = feed.entries
    assert first.key == "guid:story-1001"
    assert first.guid == "story-1001"
    assert first.link == "https://news.example/world/sea-wall?utm_source=rss"
    assert first.title == "Harbour town votes to rebuild its sea wall"
    assert first.author == "Morag Lindqvist"
    assert first.published == datetime(2024, 3, 14, 8, 30, tzinfo=UTC)
    # The full content wins over the description; its HTML becomes paragraphs.
    assert first.text == (
        "Residents of Kellshore voted on Thursday.\n\nThe council said 71 per cent backed the plan."
    )
    assert second.text == "Fewer sailings in winter."
    assert second.key == "guid:https://news.example/world/ferry"


def test_atom_feed_and_entries() -> None:
    feed = parse_feed(
        ATOM, url="https://blog.example/atom.xml", content_type="application/atom+xml"
    )

    assert feed.title == "Tom & Jerry’s blog"
    assert feed.link == "https://blog.example/"
    assert feed.ttl_minutes is None
    (entry,) = feed.entries
    assert entry.title == "Cats & dogs"
    assert entry.link == "https://blog.example/posts/cats-and-dogs"
    assert entry.key == "guid:tag:blog.example,2024:1"
    assert entry.author == "Ann Author"
    assert entry.published == datetime(2024, 3, 14, 9, 0, tzinfo=UTC)
    assert entry.text == "First.\n\nSecond\nline."


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>'
        b"<item><title>One</title><link>http://old.example/1</link></item></channel></rss>",
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://old.example/"><title>Old'
        b'</title></channel><item rdf:about="http://old.example/1"><title>One</title>'
        b"<link>http://old.example/1</link></item></rdf:RDF>",
    ],
    ids=["rss-0.91", "rss-1.0"],
)
def test_older_rss_versions(document: bytes) -> None:
    feed = parse_feed(document, url="http://old.example/rss", content_type="text/xml")

    assert feed.title == "Old"
    assert [(e.title, e.link) for e in feed.entries] == [("One", "http://old.example/1")]


def test_json_feed_11_and_10_items() -> None:
    body = json.dumps(JSON_FEED_11).encode()

    feed = parse_feed(
        body, url="https://tiny.example/feed.json", content_type="application/feed+json"
    )

    assert (feed.title, feed.link) == ("Tiny Feed", "https://tiny.example/")
    second, first = feed.entries
    assert second.key == "guid:post-2"
    assert second.link == "https://tiny.example/posts/2"
    assert second.text == "Hello & welcome.\n\nBye."
    assert second.author == "Bea, Cal"
    assert second.published == datetime(2024, 3, 14, 9, 0, tzinfo=UTC)
    assert (first.key, first.text, first.author, first.title) == (
        "guid:1",
        "Plain text only.",
        "Old style",
        "",
    )
    assert first.published is None


def test_json_feed_is_recognised_without_a_json_content_type() -> None:
    body = json.dumps(JSON_FEED_11).encode()

    assert parse_feed(body, url=FEED_URL, content_type="text/plain").title == "Tiny Feed"


def test_json_that_is_not_a_json_feed_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="not a JSON Feed"):
        parse_feed(b'{"items": []}', url=FEED_URL, content_type="application/json")


@pytest.mark.parametrize(
    ("encoding", "headline"),
    [("windows-1251", "Новости дня: мэр «за»"), ("iso-8859-1", "Élections à Genève: où voter")],
)
@pytest.mark.parametrize("content_type", ["text/xml", "application/rss+xml", ""])
def test_encoding_declared_in_the_prolog_is_honoured(
    server: LoopbackServer, encoding: str, headline: str, content_type: str
) -> None:
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel><title>{headline}</title><item><title>{headline}</title>'
        f"<description>{headline}</description></item></channel></rss>"
    ).encode(encoding)
    server.routes["/feed"] = Reply(
        200, {"Content-Type": content_type} if content_type else {}, document
    )
    fetched = fetch_now(server.url("/feed"))

    feed = parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)

    assert feed.title == headline
    assert (feed.entries[0].title, feed.entries[0].text) == (headline, headline)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("Caf&amp;eacute; opens", "Café opens"),
        ("It&#8217;s &#x201C;news&#x201D;", "It’s “news”"),
        ("&lt;b&gt;Bold&lt;/b&gt; claim", "Bold claim"),
        ("<![CDATA[Fish &amp; chips]]>", "Fish & chips"),
        ("AT&amp;T &lt;3 cats", "AT&T <3 cats"),
    ],
)
def test_entities_and_markup_in_titles_become_plain_text(written: str, read: str) -> None:
    document = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>{written}</title><link>https://a.example/1</link></item></channel></rss>"
    ).encode()

    assert parse_feed(document, url=FEED_URL).entries[0].title == read


def test_entries_without_guid_date_or_title_come_through() -> None:
    document = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Sparse</title>
      <item><link>https://sparse.example/a?utm_medium=rss#top</link>
        <description>Only a link.</description></item>
      <item><description>Nothing but text. Two sentences.</description></item>
    </channel></rss>"""

    linked, bare = parse_feed(document, url=FEED_URL).entries

    assert (linked.guid, linked.title, linked.published) == (None, "", None)
    assert linked.key == "link:https://sparse.example/a"
    assert (bare.guid, bare.link, bare.title, bare.published) == (None, "", "", None)
    assert bare.text == "Nothing but text. Two sentences."
    assert bare.key.startswith("hash:")
    assert parse_feed(document, url=FEED_URL).entries[1].key == bare.key


def test_links_that_are_not_http_are_dropped() -> None:
    document = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>X</title><link>javascript:alert(1)</link></item></channel></rss>"""

    assert parse_feed(document, url=FEED_URL).entries[0].link == ""


def test_broken_xml_without_entries_names_the_line() -> None:
    document = b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel\n<oops'

    with pytest.raises(NotAFeed) as refused:
        parse_feed(document, url=FEED_URL, content_type="application/rss+xml")

    assert str(refused.value) == "not a feed: malformed XML (line 4)"


def test_broken_xml_with_entries_is_accepted() -> None:
    document = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loose</title>
      <item><title>Fine</title></item><item><title>Broken</titl></item></channel></rss>"""

    feed = parse_feed(document, url=FEED_URL)

    assert feed.title == "Loose"
    assert feed.entries[0].title == "Fine"


def test_xml_that_is_not_a_feed_is_refused() -> None:
    sitemap = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example/</loc></url></urlset>"
    )

    with pytest.raises(NotAFeed, match="no RSS, Atom or JSON Feed content"):
        parse_feed(sitemap, url=FEED_URL, content_type="application/xml")


PAGE = b"""<!DOCTYPE html><html><head><title>Blog</title>
<link rel="stylesheet" href="/site.css">
<link rel="alternate" type="application/atom+xml; charset=utf-8" title="Posts" href="atom.xml">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments.rss">
</head><body><p>Welcome.</p></body></html>"""


def test_html_page_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>Shop</title></head><body>Buy</body></html>"

    with pytest.raises(NotAFeed) as refused:
        parse_feed(page, url="https://shop.example/", content_type="text/html")

    assert str(refused.value) == (
        "not a feed: https://shop.example/ is a web page that does not link to a feed"
    )
    assert refused.value.feed_url is None


def test_html_page_that_links_to_its_feed_leads_to_it(server: LoopbackServer) -> None:
    server.routes["/blog/"] = Reply(200, {"Content-Type": "text/html; charset=utf-8"}, PAGE)
    server.routes["/blog/atom.xml"] = Reply(200, {"Content-Type": "application/atom+xml"}, ATOM)
    page = fetch_now(server.url("/blog/"))

    with pytest.raises(NotAFeed) as refused:
        parse_feed(page.body, url=page.url, content_type=page.content_type)

    feed_url = server.url("/blog/atom.xml")
    assert refused.value.feed_url == feed_url
    assert str(refused.value) == f"not a feed: {page.url} is a web page; its feed is at {feed_url}"
    fetched = fetch_now(feed_url)
    feed = parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)
    assert feed.entries[0].title == "Cats & dogs"


def test_discovery_honours_the_base_element() -> None:
    page = (
        b'<html><head><base href="https://cdn.example/site/">'
        b'<link rel="Alternate" type="application/feed+json" href="feed.json"></head></html>'
    )

    assert discover_feed_url(page, "https://www.example/") == "https://cdn.example/site/feed.json"


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<html><head><link rel=alternate type=text/html href=/fr/></head></html>",
        b'<html><head><link rel="alternate" type="application/rss+xml" href="javascript:x()">',
    ],
    ids=["empty", "translation-link", "script-link"],
)
def test_discovery_finds_nothing_without_a_feed_link(page: bytes) -> None:
    assert discover_feed_url(page, "https://www.example/") is None
