"""Running one fetch to completion from a sync test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from bot.sources.fetch import Fetched, fetch, make_client


def fetch_now(
    url: str, *, client: Callable[[], httpx.AsyncClient] = make_client, **options: Any
) -> Fetched:
    """`fetch(url, **options)` with a fresh client, closed afterwards.

    Private addresses are allowed unless the test says otherwise: the test server listens
    on 127.0.0.1.
    """
    options.setdefault("allow_private", True)

    async def run() -> Fetched:
        async with client() as session:
            return await fetch(session, url, **options)

    return asyncio.run(run())
