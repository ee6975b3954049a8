"""Fetching over real HTTP on loopback: conditional GET, compression, redirects, limits, errors."""

from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.sources.errors import FetchError
from bot.sources.fetch import USER_AGENT, make_client
from tests.sources.fetching import fetch_now
from tests.sources.server import LoopbackServer, Reply, Seen

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ETAG = '"v1"'
MODIFIED = "Wed, 13 Mar 2024 09:00:00 GMT"


def test_fetch_returns_body_type_and_validators(server: LoopbackServer) -> None:
    headers = {"Content-Type": "application/rss+xml", "ETag": ETAG, "Last-Modified": MODIFIED}
    server.routes["/feed"] = Reply(200, headers, RSS)

    fetched = fetch_now(server.url("/feed"))

    assert (fetched.status, fetched.body, fetched.not_modified) == (200, RSS, False)
    assert fetched.content_type == "application/rss+xml"
    assert (fetched.etag, fetched.last_modified) == (ETAG, MODIFIED)
    assert fetched.url == server.url("/feed")


def test_fetch_says_who_it_is_and_what_it_decodes(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {}, RSS)

    fetch_now(server.url("/feed"))

    sent = server.requests[0].headers
    assert sent["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("newsdigest/") and USER_AGENT.endswith("(+feed reader)")
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in sent["accept"]


def _conditional(seen: Seen) -> Reply:
    """Answers 304 when the client already has version v1 (by ETag or by date)."""
    if (
        seen.headers.get("if-none-match") == ETAG
        or seen.headers.get("if-modified-since") == MODIFIED
    ):
        return Reply(304, {"ETag": ETAG})
    return Reply(200, {"ETag": ETAG, "Last-Modified": MODIFIED}, RSS)


def test_second_fetch_with_etag_is_not_modified(server: LoopbackServer) -> None:
    server.routes["/feed"] = _conditional
    first = fetch_now(server.url("/feed"))

    second = fetch_now(server.url("/feed"), etag=first.etag)

    assert server.requests[1].headers["if-none-match"] == ETAG
    assert (second.status, second.not_modified, second.body) == (304, True, b"")
    assert second.etag == ETAG


def test_second_fetch_with_last_modified_is_not_modified(server: LoopbackServer) -> None:
    server.routes["/feed"] = _conditional
    first = fetch_now(server.url("/feed"))

    second = fetch_now(server.url("/feed"), last_modified=first.last_modified)

    assert server.requests[1].headers["if-modified-since"] == MODIFIED
    assert "if-none-match" not in server.requests[1].headers
    assert second.not_modified
    # The 304 left Last-Modified out; the value sent is the one to keep.
    assert second.last_modified == MODIFIED


def test_gzip_body_is_decoded(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(RSS))

    assert fetch_now(server.url("/feed")).body == RSS


def test_size_cap_counts_decoded_bytes(server: LoopbackServer) -> None:
    bomb = gzip.compress(b" " * 3_000_000)
    server.routes["/feed"] = Reply(200, {"Content-Encoding": "gzip"}, bomb)
    assert len(bomb) < 10_000

    with pytest.raises(FetchError, match="larger than 1 MB"):
        fetch_now(server.url("/feed"), max_bytes=1_000_000)


def test_redirect_chain_of_three_is_followed(server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(301, {"Location": "/b"})
    server.routes["/b"] = Reply(302, {"Location": server.url("/c")})
    server.routes["/c"] = Reply(307, {"Location": "feed"})
    server.routes["/feed"] = Reply(200, {}, RSS)

    fetched = fetch_now(server.url("/a"))

    assert fetched.body == RSS
    assert fetched.url == server.url("/feed")
    assert [seen.path for seen in server.requests] == ["/a", "/b", "/c", "/feed"]


def test_redirect_loop_is_refused_with_a_sentence(server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(302, {"Location": "/b"})
    server.routes["/b"] = Reply(302, {"Location": "/a"})

    with pytest.raises(FetchError) as refused:
        fetch_now(server.url("/a"))

    assert str(refused.value) == (
        f"the feed redirects in a loop ({server.url('/a')} leads back to itself)"
    )
    assert server.count("/a") == 1


def _redirects(server: LoopbackServer, hops: int) -> None:
    for hop in range(hops, 0, -1):
        server.routes[f"/r{hop}"] = Reply(302, {"Location": f"/r{hop - 1}"})
    server.routes["/r0"] = Reply(200, {}, RSS)


def test_five_redirects_are_followed(server: LoopbackServer) -> None:
    _redirects(server, 5)

    assert fetch_now(server.url("/r5")).body == RSS


def test_six_redirects_are_refused(server: LoopbackServer) -> None:
    _redirects(server, 6)

    with pytest.raises(FetchError, match="redirects more than 5 times"):
        fetch_now(server.url("/r6"))

    assert server.count("/r0") == 0


def test_huge_body_is_refused_without_reading_it_all(server: LoopbackServer) -> None:
    sent = [0]
    chunk = b"x" * 65_536

    def fifty_megabytes() -> Iterator[bytes]:
        while sent[0] < 50_000_000:
            sent[0] += len(chunk)
            yield chunk

    server.routes["/huge"] = Reply(200, {"Content-Type": "application/rss+xml"}, fifty_megabytes)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="larger than 2 MB"):
            fetch_now(server.url("/huge"), max_bytes=2_000_000)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert elapsed < 5
    assert sent[0] < 20_000_000  # the server stopped long before 50 MB: nobody was reading
    assert peak < 15_000_000


def test_declared_length_over_the_cap_is_refused_before_reading(server: LoopbackServer) -> None:
    server.routes["/big"] = Reply(200, {"Content-Length": "50000000"}, lambda: iter([b"x"]))

    with pytest.raises(FetchError, match="larger than 1 kB"):
        fetch_now(server.url("/big"), max_bytes=1_000)


def test_slow_server_times_out_with_a_sentence(server: LoopbackServer) -> None:
    server.routes["/slow"] = Reply(200, {}, RSS, delay=3)
    started = time.monotonic()

    with pytest.raises(FetchError) as refused:
        fetch_now(server.url("/slow"), client=lambda: make_client(timeout=0.3))

    assert time.monotonic() - started < 2
    host = f"127.0.0.1:{server.port}"
    assert str(refused.value) == f"{host} did not answer within 0.3 seconds"


def test_trickling_server_is_cut_off_by_the_time_limit(server: LoopbackServer) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(40):
            time.sleep(0.05)
            yield b" "

    server.routes["/trickle"] = Reply(200, {}, trickle)
    started = time.monotonic()

    with pytest.raises(FetchError, match=r"took longer than 0\.5 seconds"):
        fetch_now(server.url("/trickle"), time_limit=0.5)

    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (404, "the server answered 404 Not Found"),
        (500, "the server answered 500 Internal Server Error"),
    ],
)
def test_error_status_is_a_sentence(server: LoopbackServer, status: int, sentence: str) -> None:
    server.routes["/feed"] = Reply(status, {}, b"oops")

    with pytest.raises(FetchError) as refused:
        fetch_now(server.url("/feed"))

    assert str(refused.value) == sentence
    assert (refused.value.status, refused.value.retry_after) == (status, None)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_carried(server: LoopbackServer, status: int) -> None:
    server.routes["/feed"] = Reply(status, {"Retry-After": "120"})

    with pytest.raises(FetchError) as refused:
        fetch_now(server.url("/feed"))

    assert refused.value.retry_after == 120
    assert str(refused.value).endswith("it asks us to try again in 120 seconds")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_a_date_becomes_seconds(server: LoopbackServer, status: int) -> None:
    when = datetime.now(UTC) + timedelta(minutes=10)
    server.routes["/feed"] = Reply(status, {"Retry-After": format_datetime(when, usegmt=True)})

    with pytest.raises(FetchError) as refused:
        fetch_now(server.url("/feed"))

    assert refused.value.retry_after is not None
    assert 590 <= refused.value.retry_after <= 600


def test_connection_refused_is_a_sentence() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    # Nothing listens on the port now.

    with pytest.raises(FetchError) as refused:
        fetch_now(f"http://127.0.0.1:{port}/feed")

    assert str(refused.value) == f"could not connect to 127.0.0.1:{port} (connection refused)"


def test_unknown_host_is_a_sentence() -> None:
    with pytest.raises(FetchError) as refused:
        fetch_now("http://no-such-host.invalid/feed")

    assert str(refused.value).startswith("could not find the server no-such-host.invalid (")
