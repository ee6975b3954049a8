"""Fetching a feed or an article page over HTTP: conditional GET, redirects followed one checked
hop at a time, and a bound on size and time, with every failure turned into a sentence."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import version

import httpx

from bot.sources.errors import (
    BAD_URL,
    CANNOT_CONNECT,
    NO_SUCH_HOST,
    REDIRECT_LOOP,
    RETRY_LATER,
    SERVER_ANSWERED,
    TIMED_OUT,
    TOO_LARGE,
    TOO_MANY_REDIRECTS,
    TOO_SLOW,
    TRANSPORT_FAILED,
    FetchError,
)
from bot.sources.netguard import GuardedTransport, check_scheme, private_addresses_allowed

USER_AGENT = f"newsdigest/{version('newsdigest')} (+feed reader)"
# Feeds first, then the pages that may advertise one (or hold an article), then anything.
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"
)
# Only what httpx decodes without optional packages.
ACCEPT_ENCODING = "gzip, deflate"
MAX_REDIRECTS = 5
# Large feeds with full content run to a few MB; a page or feed past this is a mistake or an
# attack. The cap counts decoded bytes, so a compressed body cannot hide its size.
MAX_BYTES = 10_000_000
# Each connect, read or write must progress within this many seconds...
TIMEOUT = 20.0
# ...and the whole fetch, redirects included, must end within this many, so a server that
# trickles a byte at a time cannot hold a poll for ever.
TIME_LIMIT = 60.0
_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


@dataclass(frozen=True)
class Fetched:
    """A successful answer: the body, or word that it has not changed since last time.

    `url` is the address after redirects. `etag` and `last_modified` are what to send next
    time; on a 304 without them, they are the values that were sent. `retry_after` is the
    wait in seconds the server asked for, if it did.
    """

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    not_modified: bool
    retry_after: float | None


def make_client(timeout: float = TIMEOUT) -> httpx.AsyncClient:
    """The HTTP client to pass to `fetch`: one per process, closed at shutdown.

    Its connections go through the address rules (`netguard.GuardedTransport`); a client
    made elsewhere would get only the scheme check. Redirects are left to `fetch`, which
    checks each hop. Environment settings are ignored (`trust_env=False`): a ~/.netrc
    would otherwise hand the operator's passwords to feed servers.
    """
    return httpx.AsyncClient(
        transport=GuardedTransport(),
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
        trust_env=False,
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    allow_private: bool = False,
    time_limit: float = TIME_LIMIT,
) -> Fetched:
    """GET a feed or page; conditional when `etag` or `last_modified` are given.

    Follows up to `MAX_REDIRECTS` redirects, refusing loops, non-http(s) hops and (unless
    `allow_private`) hops that lead to private or local addresses. Raises `UnsafeAddress`
    for a refused address, `FetchError` for anything else that went wrong: an error status
    (with `retry_after` for 429 and 503), a timeout, a body over `max_bytes`.
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        target = httpx.URL(url.strip())
    except httpx.InvalidURL as error:
        raise FetchError(BAD_URL.format(url=url, reason=error)) from None
    with private_addresses_allowed(allow_private):
        try:
            async with asyncio.timeout(time_limit):
                fetched = await _follow(client, target, headers, max_bytes)
        except TimeoutError:
            message = TOO_SLOW.format(host=target.netloc.decode(), seconds=time_limit)
            raise FetchError(message) from None
    if fetched.not_modified:
        # A 304 may leave the validators out; the ones sent are still the ones to keep.
        return replace(
            fetched,
            etag=fetched.etag or etag,
            last_modified=fetched.last_modified or last_modified,
        )
    return fetched


async def _follow(
    client: httpx.AsyncClient, url: httpx.URL, headers: dict[str, str], max_bytes: int
) -> Fetched:
    visited: list[httpx.URL] = []
    while True:
        check_scheme(url)
        if url in visited:
            raise FetchError(REDIRECT_LOOP.format(url=url))
        if len(visited) > MAX_REDIRECTS:
            raise FetchError(TOO_MANY_REDIRECTS.format(limit=MAX_REDIRECTS, url=visited[0]))
        visited.append(url)
        try:
            response = await client.send(
                client.build_request("GET", url, headers=headers), stream=True
            )
            try:
                if response.has_redirect_location:
                    url = url.join(response.headers["Location"])
                    continue
                return await _read(response, max_bytes)
            finally:
                await response.aclose()
        except httpx.InvalidURL as error:
            raise FetchError(BAD_URL.format(url=url, reason=error)) from error
        except httpx.RequestError as error:
            # Chained, so a log shows the operating system's own words too.
            raise _transport_error(error, url, client.timeout) from error


async def _read(response: httpx.Response, max_bytes: int) -> Fetched:
    status = response.status_code
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if status != 304 and not 200 <= status < 300:
        described = f"{status} {httpx.codes.get_reason_phrase(status)}".strip()
        if retry_after is not None and status in (429, 503):
            message = RETRY_LATER.format(status=described, seconds=retry_after)
        else:
            message = SERVER_ANSWERED.format(status=described)
        raise FetchError(message, status=status, retry_after=retry_after)
    body = b""
    if status != 304:
        body = await _read_body(response, max_bytes)
    return Fetched(
        url=str(response.url),
        status=status,
        body=body,
        content_type=response.headers.get("Content-Type", ""),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        not_modified=status == 304,
        retry_after=retry_after,
    )


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, stopping as soon as it passes `max_bytes`.

    httpx decodes each network read (up to 64 KiB) whole, so a compression bomb can cost some
    tens of MB for one chunk before the count stops it; it cannot cost more.
    """
    too_large = FetchError(TOO_LARGE.format(limit=_size(max_bytes)))
    # An uncompressed body that says it is too large is refused before a byte is read.
    declared = response.headers.get("Content-Length", "")
    if (
        declared.isdigit()
        and int(declared) > max_bytes
        and "Content-Encoding" not in response.headers
    ):
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds, or an HTTP date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _size(limit: int) -> str:
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:g} MB"
    if limit >= 1_000:
        return f"{limit / 1_000:g} kB"
    return f"{limit} bytes"


def _transport_error(
    error: httpx.RequestError, url: httpx.URL, timeout: httpx.Timeout
) -> FetchError:
    host = url.netloc.decode()
    if isinstance(error, httpx.TimeoutException):
        seconds = getattr(timeout, _TIMEOUT_PHASES.get(type(error), "read"))
        return FetchError(TIMED_OUT.format(host=host, seconds=seconds or 0))
    cause = _os_error(error)
    if isinstance(error, httpx.ConnectError) and isinstance(cause, socket.gaierror):
        reason = str(cause.strerror or cause).lower()
        return FetchError(NO_SUCH_HOST.format(host=url.host, reason=reason))
    if isinstance(error, httpx.ConnectError) and cause is not None:
        reason = (os.strerror(cause.errno) if cause.errno else str(cause)).lower()
        return FetchError(CANNOT_CONNECT.format(host=host, reason=reason))
    return FetchError(TRANSPORT_FAILED.format(host=host, reason=str(error) or type(error).__name__))


def _os_error(error: BaseException) -> OSError | None:
    """The operating system's error at the root of an httpx error, e.g. ConnectionRefusedError
    under anyio's "all connection attempts failed"."""
    root = None
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError):
            root = seen
        seen = seen.__cause__ or seen.__context__
    return root
