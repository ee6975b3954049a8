"""Article extraction from a realistic page: the story in, the furniture out."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sources.errors import FeedError
from bot.sources.extract import MAX_PAGE_BYTES, extract_article
from tests.sources.fetching import fetch_now
from tests.sources.server import LoopbackServer, Reply

ARTICLE = (Path(__file__).parent / "data" / "article.html").read_bytes()
URL = "https://courier.example/news/sea-wall"


def test_article_paragraphs_are_kept_and_page_furniture_dropped(server: LoopbackServer) -> None:
    server.routes["/news/sea-wall"] = Reply(200, {"Content-Type": "text/html"}, ARTICLE)
    page = fetch_now(server.url("/news/sea-wall"))

    text = extract_article(page.body, page.url)

    assert text is not None
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "Harbour town votes to rebuild its sea wall"
    assert paragraphs[1].startswith("Residents of Kellshore voted by a wide margin on Thursday")
    assert "£18 million plan, which will raise the wall by two metres" in paragraphs[2]
    assert paragraphs[-1].endswith("keep the public walkway along the top of the wall.")
    assert len(paragraphs) == 6
    for furniture in (
        "Subscribe for £1 a week",  # navigation
        "Cheap flights",  # adverts
        "newsletter",
        "my cellar floods",  # comments
        "vanity project",
        "Ferry timetable",  # related links
        "All rights reserved",  # footer
        "dataLayer",  # scripts
    ):
        assert furniture not in text


def test_text_is_accepted_as_well_as_bytes() -> None:
    assert extract_article(ARTICLE.decode(), URL) == extract_article(ARTICLE, URL)


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
        b"<html><body><p>Please enable cookies.</p></body></html>",
    ],
    ids=["empty", "only-navigation", "stub"],
)
def test_page_without_an_article_gives_none(page: bytes) -> None:
    assert extract_article(page, URL) is None


def test_page_over_the_limit_is_refused() -> None:
    page = b"<html><body><p>" + b"word " * (MAX_PAGE_BYTES // 5) + b"</p></body></html>"

    with pytest.raises(FeedError, match="larger than 5 MB"):
        extract_article(page, URL)
