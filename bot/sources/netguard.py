"""The rules for which addresses the bot may fetch from, enforced where connections are made.

Users give the bot URLs, so a URL must not make it reach into the network it runs in (an
admin page on 127.0.0.1, a cloud metadata service on 169.254.169.254, a database on
10.0.0.5). Only http and https are fetched, and only from public addresses.

The address check runs inside the connection itself: `GuardedBackend` resolves the host,
checks every address it resolves to, and then connects to one of those checked addresses,
never to the name again. A redirect opens its connection the same way, and a DNS answer
that changes between the check and the connection (DNS rebinding) cannot slip through,
because there is no second lookup. Schemes are checked per URL, by `check_scheme`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_address

import httpcore
import httpx

from bot.sources.errors import MISSING_SCHEME, PRIVATE_ADDRESS, UNSUPPORTED_SCHEME, UnsafeAddress

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

SCHEMES = ("http", "https")
# Carrier-grade NAT space: not "private" to the ipaddress module, yet not reachable from
# the internet either, and used inside some cloud networks.
_SHARED_ADDRESS_SPACE = IPv4Network("100.64.0.0/10")

# Whether the fetch in progress may reach private addresses. A context variable because the
# connection is opened deep inside httpx, within the same task that called `fetch`; the
# default refuses, so a guarded client used on its own is safe too.
_allow_private: ContextVar[bool] = ContextVar("allow_private", default=False)


def check_scheme(url: httpx.URL) -> None:
    """Refuse (UnsafeAddress) a URL whose scheme is not http or https: file://, ftp://, …"""
    if not url.scheme:
        raise UnsafeAddress(MISSING_SCHEME.format(url=url))
    if url.scheme.lower() not in SCHEMES:
        raise UnsafeAddress(UNSUPPORTED_SCHEME.format(scheme=url.scheme))


def is_private(address: IPAddress) -> bool:
    """Whether the address is one the bot must not reach on a user's behalf.

    Loopback, private, link-local, multicast, reserved, unspecified and shared (CGNAT)
    addresses, IPv6 site-local ones (fec0::/10, deprecated but still routed by some
    networks), and IPv6 addresses that wrap an IPv4 one of those (::ffff:127.0.0.1).
    """
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, IPv6Address) and address.is_site_local:
        return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in _SHARED_ADDRESS_SPACE
    )


def check_addresses(host: str, addresses: Iterable[IPAddress]) -> None:
    """Refuse (UnsafeAddress) unless every address the host resolved to is public.

    Every address, not only the first: the connection may fall back to any of them.
    """
    refused = [str(a) for a in addresses if is_private(a)]
    if not refused:
        return
    listed = ", ".join(refused)
    where = listed if host in refused else f"{host} is {listed}"
    raise UnsafeAddress(PRIVATE_ADDRESS.format(where=where))


@contextmanager
def private_addresses_allowed(allowed: bool) -> Iterator[None]:
    """Within this block, guarded connections may (True) or may not (False) reach private
    addresses. `fetch` sets it from its `allow_private` argument.

    The check runs when a connection opens; a kept-alive connection to the same host is
    reused without it. The setting is meant to be one per process, not to vary per feed.
    """
    token = _allow_private.set(allowed)
    try:
        yield
    finally:
        _allow_private.reset(token)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for the host, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # An IPv6 scope ("fe80::1%eth0") is not part of the address.
        address = ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the rules allow.

    `resolver` and `inner` (the backend that really connects) can be replaced, so tests can
    play a DNS that answers with public addresses and a network that leads to loopback.
    """

    def __init__(
        self,
        *,
        resolver: Resolver = resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolve = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from error
        except OSError as error:
            # socket.gaierror; fetch reports it as "could not find the server".
            raise httpcore.ConnectError(str(error)) from error
        if not _allow_private.get():
            check_addresses(host, addresses)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                failure = error
        raise failure or httpcore.ConnectError(f"{host} has no addresses")


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with every connection opened through a `GuardedBackend`.

    httpx 0.28 has no public way to hand httpcore a network backend, so the connection pool
    that `AsyncHTTPTransport` builds (`_pool`) is replaced with one that uses ours; all else
    (request and response mapping, httpx's exceptions) stays httpx's own. The tests fetch from
    127.0.0.1 with private addresses refused, so a change in httpx that bypassed this pool
    would fail them.
    """

    def __init__(self, backend: GuardedBackend | None = None) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=backend or GuardedBackend(),
        )
