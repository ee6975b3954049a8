"""`newsdigest feeds …` as a user runs it, against feeds on a loopback server: add, list,
a digest with the new stories and their links, OPML in and out, remove, and the refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli import env, newsdigest
from tests.sources.server import LoopbackServer, Reply

__all__ = ["env"]

# Each story its own text: copies of one text would be one story with two sources.
ARTICLES = {
    "Sea wall approved": "The harbour council approved the sea wall plan after a long debate "
    "on Thursday. Work starts in May and the wall should stand by the winter storms. "
    "Fishermen asked for a gap to reach the old slipway.",
    "Ferry fares frozen": "Island ferry tickets will cost the same next year, the operator "
    "said, after fuel prices fell. Season passes for pupils stay free. The night crossing "
    "returns in June after two years without it.",
    # The same story as the first, under another headline, cut short: a teaser.
    "Harbour wall gets the go-ahead": "The harbour council approved the sea wall plan after a "
    "long debate on Thursday. Work starts in May and the wall should stand by the winter storms.",
    "Library reopens": "The town library opened its doors again on Saturday after a roof "
    "repair that took eight months. Children queued for the reading room before nine. "
    "Loans overdue during the closure carry no fine.",
}


def rss(title: str, *stories: tuple[str, str]) -> bytes:
    items = "".join(
        f"<item><title>{headline}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate>"
        f"<description>{headline}. {ARTICLES[headline]}</description></item>"
        for headline, link in stories
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{items}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        running.routes["/courier.xml"] = Reply(
            200,
            {"Content-Type": "application/rss+xml"},
            rss(
                "Kellshore Courier",
                ("Sea wall approved", "https://courier.example/sea-wall"),
                ("Ferry fares frozen", "https://courier.example/ferry"),
            ),
        )
        running.routes["/gazette.xml"] = Reply(
            200, {}, rss("Gazette", ("Library reopens", "https://gazette.example/library"))
        )
        running.routes["/wire.xml"] = Reply(
            200, {}, rss("Wire", ("Harbour wall gets the go-ahead", "https://wire.example/wall"))
        )
        running.routes["/page"] = Reply(200, {"Content-Type": "text/html"}, b"<html>Hi</html>")
        yield running


@pytest.fixture
def feeds_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "NEWSDIGEST_ALLOW_PRIVATE_FEEDS": "1", "NEWSDIGEST_SOURCE_DIR": "none"}


def test_a_feed_added_from_the_command_line_brings_its_stories_with_links(
    feeds_env: dict[str, str], server: LoopbackServer
) -> None:
    url = server.url("/courier.xml")
    added = newsdigest("feeds", "add", url, env=feeds_env)
    assert added.returncode == 0, added.stderr
    assert f"Now polling Kellshore Courier ({url}): 2 entries" in added.stdout

    listed = json.loads(newsdigest("feeds", "list", "--json", env=feeds_env).stdout)
    assert [(f["number"], f["name"], f["url"], f["stories"]) for f in listed] == [
        (1, "Kellshore Courier", url, 2)
    ]
    assert listed[0]["last_error"] is None and listed[0]["origin"] == "cli"

    digest = newsdigest("digest", env=feeds_env)
    assert "Sea wall approved" in digest.stdout
    assert "https://courier.example/sea-wall" in digest.stdout

    again = newsdigest("feeds", "add", url, env=feeds_env)
    assert again.returncode == 1
    assert "Kellshore Courier is polled already" in again.stderr


def test_digest_json_lists_stories_with_every_source(
    feeds_env: dict[str, str], server: LoopbackServer
) -> None:
    for path in ("/courier.xml", "/wire.xml"):
        assert newsdigest("feeds", "add", server.url(path), env=feeds_env).returncode == 0
    printed = newsdigest("digest", "--json", "--since", "2026-03-01", env=feeds_env)
    assert printed.returncode == 0, printed.stderr
    stories = json.loads(printed.stdout)
    assert [story["headline"] for story in stories] == ["Sea wall approved", "Ferry fares frozen"]
    wall = stories[0]
    assert wall["date"] == "2026-03-02"
    assert wall["summary"][0].startswith("The harbour council approved the sea wall plan")
    assert wall["sources"] == [
        {"name": "Kellshore Courier", "link": "https://courier.example/sea-wall",
         "published": "2026-03-02"},
        {"name": "Wire", "link": "https://wire.example/wall", "published": "2026-03-02"},
    ]  # fmt: skip
    one = newsdigest("digest", "--json", "--topic", "ferry", "--limit", "1", env=feeds_env)
    assert [s["headline"] for s in json.loads(one.stdout)] == ["Ferry fares frozen"]
    assert (
        json.loads(newsdigest("digest", "--json", "--since", "2027-01-01", env=feeds_env).stdout)
        == []
    )


def test_what_is_not_a_feed_is_refused_with_a_sentence_and_exit_1(
    env: dict[str, str], feeds_env: dict[str, str], server: LoopbackServer
) -> None:
    page = newsdigest("feeds", "add", server.url("/page"), env=feeds_env)
    assert page.returncode == 1
    assert "Cannot add that feed: not a feed:" in page.stderr and "Traceback" not in page.stderr
    private = newsdigest("feeds", "add", server.url("/courier.xml"), env=env)
    assert private.returncode == 1
    assert "private or local addresses" in private.stderr
    assert "NEWSDIGEST_ALLOW_PRIVATE_FEEDS" in private.stderr
    scheme = newsdigest("feeds", "add", "file:///etc/passwd", env=feeds_env)
    assert scheme.returncode == 1 and "http:// or https://" in scheme.stderr
    assert json.loads(newsdigest("feeds", "list", "--json", env=feeds_env).stdout) == []


def test_opml_in_poll_then_out_and_remove(
    feeds_env: dict[str, str], server: LoopbackServer, tmp_path: Path
) -> None:
    opml = tmp_path / "reader.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>'
        '<outline text="News">'
        f'<outline text="Courier" type="rss" xmlUrl="{server.url("/courier.xml")}"/>'
        f'<outline text="Gazette" type="rss" xmlUrl="{server.url("/gazette.xml")}"/>'
        f'<outline text="Broken" type="rss" xmlUrl="{server.url("/page")}"/>'
        "</outline></body></opml>"
    )
    imported = newsdigest("feeds", "import", str(opml), env=feeds_env)
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3 feeds from reader.opml" in imported.stdout

    polled = newsdigest("feeds", "poll", env=feeds_env)
    assert "3 feeds polled (0 unchanged, 1 failed): 3 new stories" in polled.stdout
    assert "Broken" in polled.stderr and "not a feed" in polled.stderr
    status = newsdigest("status", env=feeds_env)
    assert "feeds: 3 (1 failing)" in status.stdout

    exported = newsdigest("feeds", "export", env=feeds_env)
    assert exported.stdout.count("<outline") == 3
    assert server.url("/gazette.xml") in exported.stdout

    removed = newsdigest("feeds", "remove", "2", env=feeds_env)
    assert removed.returncode == 0 and "Stopped polling Gazette" in removed.stdout
    missing = newsdigest("feeds", "remove", "7", env=feeds_env)
    assert missing.returncode == 1 and "There is no feed 7" in missing.stderr
    names = [
        f["name"] for f in json.loads(newsdigest("feeds", "list", "--json", env=feeds_env).stdout)
    ]
    assert names == ["Kellshore Courier", "Broken"]
    bad = tmp_path / "not.opml"
    bad.write_text("this is not OPML")
    refused = newsdigest("feeds", "import", str(bad), env=feeds_env)
    assert refused.returncode == 1 and "Cannot import" in refused.stderr


def test_ingest_takes_feed_urls_and_opml_files_beside_folders(
    feeds_env: dict[str, str], server: LoopbackServer, tmp_path: Path
) -> None:
    opml = tmp_path / "reader.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline text="Gazette" type="rss" xmlUrl="{server.url("/gazette.xml")}"/>'
        "</body></opml>"
    )
    result = newsdigest("ingest", server.url("/courier.xml"), str(opml), "seeds", env=feeds_env)
    assert result.returncode == 0, result.stderr
    assert "Kellshore Courier: 2 new stories" in result.stdout
    assert "reader.opml: 1 feeds polled (0 unchanged, 0 failed): 1 new stories" in result.stdout
    assert " new, 0 unchanged" in result.stdout  # the seeds folder, as before
    again = newsdigest("ingest", server.url("/courier.xml"), env=feeds_env)
    assert again.returncode == 0 and "0 new stories" in again.stdout
    broken = newsdigest("ingest", server.url("/page"), env=feeds_env)
    assert broken.returncode == 1 and "not a feed" in broken.stderr
