"""The article in a web page, as plain text: for feeds that carry only a teaser."""

from __future__ import annotations

import trafilatura

from bot.sources.errors import PAGE_TOO_LARGE, FeedError
from bot.sources.plaintext import html_to_text

# trafilatura has no time limit of its own; its work grows with the page, so this cap on the
# input bounds the time too (a few hundred milliseconds for the largest pages allowed). Pages
# come from `fetch`, whose own cap stops a larger body before it is even read.
MAX_PAGE_BYTES = 5_000_000
# Less text than this is a menu, a cookie notice or a paywall stub, not an article.
MIN_ARTICLE_CHARS = 150


def extract_article(html: bytes | str, url: str) -> str | None:
    """The main text of an article page, paragraphs separated by blank lines; None when the
    page holds nothing article-like.

    Precision is favoured over recall: navigation, adverts, comments and tables are left
    out, even if a little of the article goes with them. The extraction is CPU-bound and
    synchronous; async callers run it in a thread. Raises `FeedError` for a page over
    `MAX_PAGE_BYTES`.
    """
    size = len(html.encode() if isinstance(html, str) else html)
    if size > MAX_PAGE_BYTES:
        raise FeedError(PAGE_TOO_LARGE.format(megabytes=MAX_PAGE_BYTES / 1_000_000))
    extracted = trafilatura.extract(
        html,
        url=url,
        output_format="html",
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
    )
    text = html_to_text(extracted or "")
    return text if len(text) >= MIN_ARTICLE_CHARS else None
