"""What `newsdigest status` shows: documents, chats, the outbox, failing feeds, the next
digests and the deliveries that failed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot.core.store import Store
from bot.scheduler import digest_jobs


def print_status(store: Store, out: Console) -> None:
    """The store's state, as tables and lines on `out`."""
    chats = store.chats()
    counts = store.outbox_counts()
    out.print(f"documents: {store.count_documents()}", highlight=False)
    active = sum(1 for c in chats if c.active and not c.paused)
    paused = sum(1 for c in chats if c.paused)
    gone = sum(1 for c in chats if not c.active)
    out.print(
        f"chats: {len(chats)} ({active} active, {paused} paused, {gone} unreachable)",
        highlight=False,
    )
    out.print(
        f"outbox: {counts.get('digests pending', 0)} digests pending; messages: "
        f"{counts.get('pending', 0)} pending, {counts.get('sent', 0)} sent, "
        f"{counts.get('failed', 0)} failed",
        highlight=False,
    )
    feeds = store.feeds()
    failing = [f for f in feeds if f.failures]
    out.print(f"feeds: {len(feeds)} ({len(failing)} failing)", highlight=False)
    for feed in failing[:20]:
        out.print(f"  failing: {feed.name} ({feed.url}): {feed.last_error}", highlight=False)
    jobs = digest_jobs(store)
    if jobs:
        table = Table(title="Next digests")
        table.add_column("chat")
        table.add_column("next run")
        for name, when in jobs[:20]:
            table.add_row(name, when.isoformat(timespec="minutes") if when else "paused")
        out.print(table)
    failed = store.failed_parts()
    if failed:
        table = Table(title="Failed deliveries")
        for column in ("digest", "part", "chat", "attempts", "last error"):
            table.add_column(column)
        by_id = {c.id: c for c in chats}
        for part in failed:
            chat = by_id.get(part.chat_id)
            where = f"{chat.platform}:{chat.platform_chat_id}" if chat else str(part.chat_id)
            table.add_row(
                str(part.digest_id),
                str(part.part),
                where,
                str(part.attempts),
                (part.last_error or "")[:80],
            )
        out.print(table)
