"""Link normalisation and entry keys."""

from __future__ import annotations

import pytest

from bot.sources.links import MAX_KEY_CHARS, entry_key, normalise_link


@pytest.mark.parametrize(
    ("link", "normalised"),
    [
        ("HTTP://News.Example.COM/World", "http://news.example.com/World"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("http://news.example:80/a", "http://news.example/a"),
        ("http://news.example:8080/a", "http://news.example:8080/a"),
        ("https://news.example/a#comments", "https://news.example/a"),
        ("https://news.example", "https://news.example/"),
        ("https://news.example./a", "https://news.example/a"),
        ("  https://news.example/a \n", "https://news.example/a"),
        (
            "https://news.example/a?utm_source=rss&id=7&utm_medium=feed&page=2",
            "https://news.example/a?id=7&page=2",
        ),
        ("https://news.example/a?fbclid=XYZ&gclid=1&mc_cid=2&mc_eid=3", "https://news.example/a"),
        (
            "https://news.example/a?ref_src=twsrc&igshid=abc&UTM_Campaign=x",
            "https://news.example/a",
        ),
        ("https://news.example/a?b=2&a=1&a=0", "https://news.example/a?b=2&a=1&a=0"),
        (
            "https://news.example/a?q=caf%C3%A9+au+lait&flag",
            "https://news.example/a?q=caf%C3%A9+au+lait&flag",
        ),
        ("https://user:pw@News.Example/a", "https://user:pw@news.example/a"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        ("http://news.example:99999/a", "http://news.example:99999/a"),
    ],
)
def test_normalise_link(link: str, normalised: str) -> None:
    assert normalise_link(link) == normalised


def test_normalising_twice_changes_nothing() -> None:
    once = normalise_link("HTTPS://A.Example:443/p?utm_id=1&x=1#f")

    assert normalise_link(once) == once


def test_key_prefers_the_guid() -> None:
    assert entry_key("  abc-123 ", "https://a.example/1", "T", "text") == "guid:abc-123"


def test_key_falls_back_to_the_normalised_link() -> None:
    key = entry_key(None, "HTTPS://A.example/1?utm_source=x#c", "T", "text")

    assert key == "link:https://a.example/1"
    assert entry_key("   ", "https://a.example/1", "", "") == key


def test_key_falls_back_to_a_hash_of_title_and_text() -> None:
    key = entry_key(None, None, "Title", "Some   text\nhere")

    assert key.startswith("hash:") and len(key) == len("hash:") + 32
    assert entry_key(None, "", "Title", "Some text here") == key
    assert entry_key(None, "", "Title", "Other text") != key


def test_long_guids_are_stored_by_their_hash() -> None:
    key = entry_key("x" * 500, None, "", "")

    assert key.startswith("guid-sha256:")
    assert len(key) <= MAX_KEY_CHARS
    assert key == entry_key("x" * 500, None, "other", "other")
