"""The address rules: schemes, private addresses, redirects into the local network, DNS rebinding.

The test server is on 127.0.0.1, which the rules refuse; so here fetches run with private
addresses refused, and a play DNS and network (`PlayDNS`, `ToLoopback`) stand in for public
hosts where a test needs one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from ipaddress import ip_address

import httpcore
import httpx
import pytest

from bot.sources.errors import UnsafeAddress
from bot.sources.fetch import make_client
from bot.sources.netguard import (
    GuardedBackend,
    GuardedTransport,
    IPAddress,
    check_addresses,
    is_private,
)
from tests.sources.fetching import fetch_now
from tests.sources.server import LoopbackServer, Reply

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
PUBLIC = "93.184.216.34"
ALLOW_HINT = "set NEWSDIGEST_ALLOW_PRIVATE_FEEDS=1 to allow them"


class PlayDNS:
    """A resolver with a fixed table; each name may answer differently on each lookup."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self._answers = {name: list(answers) for name, answers in table.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append(host)
        answers = self._answers[host]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [ip_address(address) for address in answer]


class ToLoopback(httpcore.AsyncNetworkBackend):
    """A network where every address leads to the test server; it notes what was dialled."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._real = httpcore.AnyIOBackend()
        self.dialled: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dialled.append(host)
        return await self._real.connect_tcp("127.0.0.1", self._port, timeout=timeout)


def _client(dns: PlayDNS, network: ToLoopback) -> Callable[[], httpx.AsyncClient]:
    backend = GuardedBackend(resolver=dns, inner=network)
    return lambda: httpx.AsyncClient(transport=GuardedTransport(backend), timeout=5)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "224.0.0.1",
        "0.0.0.0",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_private_and_local_addresses_are_refused(address: str) -> None:
    assert is_private(ip_address(address))


@pytest.mark.parametrize(
    "address", [PUBLIC, "8.8.8.8", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_private(ip_address(address))


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    addresses = [ip_address(PUBLIC), ip_address("10.0.0.7")]

    with pytest.raises(UnsafeAddress) as refused:
        check_addresses("mixed.example", addresses)

    assert str(refused.value) == (
        "feed URLs may not point at private or local addresses (mixed.example is 10.0.0.7); "
        + ALLOW_HINT
    )


@pytest.mark.parametrize(
    ("url", "scheme"), [("file:///etc/passwd", "file"), ("ftp://ftp.example.org/feed.xml", "ftp")]
)
def test_schemes_other_than_http_are_refused(url: str, scheme: str) -> None:
    with pytest.raises(UnsafeAddress) as refused:
        fetch_now(url, allow_private=True)

    assert str(refused.value) == f"feed URLs must start with http:// or https://, not {scheme}://"


def test_url_without_scheme_gets_an_example() -> None:
    with pytest.raises(UnsafeAddress) as refused:
        fetch_now("news.example/feed.xml")

    assert str(refused.value) == (
        "feed URLs must start with http:// or https://, e.g. https://news.example/feed.xml"
    )


def test_redirect_to_a_file_url_is_refused(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(302, {"Location": "file:///etc/passwd"})

    with pytest.raises(UnsafeAddress, match="not file://"):
        fetch_now(server.url("/feed"), allow_private=True)


def test_loopback_address_is_refused_before_any_request(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {}, RSS)

    with pytest.raises(UnsafeAddress) as refused:
        fetch_now(server.url("/feed"), allow_private=False)

    assert str(refused.value) == (
        f"feed URLs may not point at private or local addresses (127.0.0.1); {ALLOW_HINT}"
    )
    assert server.requests == []


def test_name_that_resolves_to_loopback_is_refused(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {}, RSS)

    with pytest.raises(UnsafeAddress, match=r"\(localhost is 127\.0\.0\.1"):
        fetch_now(server.url("/feed", host="localhost"), allow_private=False)

    assert server.requests == []


def test_allow_private_lets_loopback_through(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {}, RSS)

    assert fetch_now(server.url("/feed", host="localhost"), allow_private=True).body == RSS


def test_plain_guarded_client_refuses_private_addresses(server: LoopbackServer) -> None:
    """Outside `fetch` the rules still hold: refusing is the default."""
    server.routes["/feed"] = Reply(200, {}, RSS)

    async def get() -> None:
        async with make_client() as client:
            await client.get(server.url("/feed"))

    with pytest.raises(UnsafeAddress):
        asyncio.run(get())
    assert server.requests == []


def test_redirect_to_loopback_is_refused(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(302, {"Location": f"http://127.0.0.1:{server.port}/admin"})
    server.routes["/admin"] = Reply(200, {}, b"secrets")
    network = ToLoopback(server.port)
    client = _client(PlayDNS({"news.example": [[PUBLIC]], "127.0.0.1": [["127.0.0.1"]]}), network)

    with pytest.raises(UnsafeAddress, match=r"\(127\.0\.0\.1\)"):
        fetch_now("http://news.example/feed", client=client, allow_private=False)

    assert [seen.path for seen in server.requests] == ["/feed"]
    assert network.dialled == [PUBLIC]


def test_redirect_to_a_name_for_a_private_address_is_refused(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(301, {"Location": "http://intranet.example/"})
    dns = PlayDNS({"news.example": [[PUBLIC]], "intranet.example": [["192.168.0.10"]]})

    with pytest.raises(UnsafeAddress, match=r"intranet\.example is 192\.168\.0\.10"):
        fetch_now(
            "http://news.example/feed",
            client=_client(dns, ToLoopback(server.port)),
            allow_private=False,
        )


def test_public_host_is_fetched_from_the_address_that_was_checked(server: LoopbackServer) -> None:
    """DNS rebinding: the name answers public first, loopback after. The connection goes to
    the checked address, never to the name, so a second answer cannot redirect it."""
    server.routes["/feed"] = Reply(200, {}, RSS)
    dns = PlayDNS({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    network = ToLoopback(server.port)

    fetched = fetch_now(
        "http://rebind.example/feed", client=_client(dns, network), allow_private=False
    )

    assert fetched.body == RSS
    assert dns.asked == ["rebind.example"]
    assert network.dialled == [PUBLIC]


def test_rebound_name_is_refused_on_the_next_connection(server: LoopbackServer) -> None:
    server.routes["/feed"] = Reply(200, {}, RSS)
    dns = PlayDNS({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    client = _client(dns, ToLoopback(server.port))
    fetch_now("http://rebind.example/feed", client=client, allow_private=False)

    with pytest.raises(UnsafeAddress, match=r"rebind\.example is 127\.0\.0\.1"):
        fetch_now("http://rebind.example/feed", client=client, allow_private=False)
