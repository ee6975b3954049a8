"""HTML fragments (feed summaries, content, extracted articles) → plain text with paragraphs."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# Elements that start a paragraph of their own; everything else flows inline.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tr", "ul",
    }
)  # fmt: skip
# Never text a reader sees.
_SKIPPED = frozenset({"script", "style", "template", "noscript", "head", "title"})
_BREAK = "\n"
_PARAGRAPH = "\n\n"
_SPACES = re.compile(r"[^\S\n]+")
_WHITESPACE = re.compile(r"\s+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def _inline(text: str | None) -> str:
    # Newlines in HTML source are spaces to a reader; only <br> and blocks break lines.
    return _WHITESPACE.sub(" ", text) if text else ""


def _walk(element: lxml.html.HtmlElement, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SKIPPED or not tag:
        # Comments and processing instructions have no text, but their tail does.
        out.append(_inline(element.tail))
        return
    if tag in _BLOCKS:
        out.append(_PARAGRAPH)
    if tag == "br":
        out.append(_BREAK)
    out.append(_inline(element.text))
    for child in element:
        _walk(child, out)
    if tag in _BLOCKS:
        out.append(_PARAGRAPH)
    out.append(_inline(element.tail))


def _tidy(raw: str) -> str:
    paragraphs = []
    for block in _PARAGRAPHS.split(raw):
        lines = (" ".join(_SPACES.split(line)).strip() for line in block.split("\n"))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def plain_text(text: str) -> str:
    """Text that is already plain, with runs of spaces evened out and paragraphs kept."""
    return _tidy(text)


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML fragment, entities decoded.

    Each block element (p, li, h1…, div…) becomes a paragraph, separated from the next by a
    blank line; <br> becomes a line break; spacing inside a paragraph is evened out, as a
    browser would. Scripts and styles are dropped.
    """
    if "<" not in html and "&" not in html:
        # No markup (most titles and names): one paragraph, its spacing evened out.
        return " ".join(html.split())
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        # lxml refuses some inputs outright (only a comment, say); then there is no text.
        return ""
    out: list[str] = []
    _walk(root, out)
    return _tidy("".join(out))
