"""Daily digests to many Telegram chats, end to end, through a local Bot API server that
enforces Telegram's flood limits: wall time as a ratio to the least time the limits allow,
with the 429s, lost and duplicate messages counted.

    python bench/fanout.py [--chats 10000] [--scale 1] [--database URL]

End to end means as the bot does it: each chat's digest job builds and stores the digest
(on a pool of threads, like the scheduler's), the outbox's senders render and send it, and
each message is recorded as sent. The limits (30 messages a second overall, one a second per
chat, 20 a minute per group) are multiplied by --scale on the server and in the bot alike, to
shorten a run; past about twice Telegram's rate, the bot's own work (one Python process) is
what bounds it, not the limits.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.adapters.telegram import FloodLimiter, TelegramAdapter
from bot.bootstrap import App, bootstrap
from bot.config import load_settings
from bot.core.delivery import Outbox
from bot.core.models import ChatRow
from bot.core.store import Store
from bot.scheduler import DigestPlanner
from tests.adapters.telegram_fakes import BotApiServer

OVERALL_PER_SECOND = 30
CHAT_PER_SECOND = 1
GROUP_PER_MINUTE = 20
SCHEDULER_THREADS = 10  # APScheduler's default pool
# The bot keeps a little under the limits, as it does against Telegram (see FloodLimiter).
HEADROOM = 0.99
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def add_chats(store: Store, count: int) -> list[int]:
    created = datetime.now(UTC)
    rows = [
        {
            "platform": "telegram",
            "platform_chat_id": str(100_000 + n),
            "timezone": "UTC",
            "digest_time": "08:00",
            "paused": False,
            "active": True,
            "settings": {},
            "created_at": created,
        }
        for n in range(count)
    ]
    with store.engine.begin() as connection:
        connection.execute(insert(ChatRow), rows)
    return [chat.id for chat in store.chats("telegram")]


def serve_api(limits: tuple[float, float, float], pipe: Connection) -> None:
    """The Bot API server, in a process of its own as Telegram would be: its URL first,
    then, when asked, the chats it delivered to and how many 429s it answered."""
    server = BotApiServer()
    server.limits = limits
    server.start()
    pipe.send(server.url)
    pipe.recv()  # "stop"
    server.stop()
    pipe.send(([s.chat_id for s in server.sent], server.too_many))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    overall = OVERALL_PER_SECOND * args.scale

    limits = (overall, CHAT_PER_SECOND * args.scale, GROUP_PER_MINUTE * args.scale)
    pipe, child_pipe = multiprocessing.Pipe()
    api = multiprocessing.get_context("spawn").Process(target=serve_api, args=(limits, child_pipe))
    api.start()
    api_url = pipe.recv()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'fanout.db'}"
    settings = load_settings(database_url=url, source_dir=SEEDS)
    app: App = bootstrap(settings)
    app.ingest([SEEDS])
    chat_ids = add_chats(app.store, args.chats)
    limiter = FloodLimiter(
        overall_max_rate=overall * HEADROOM,
        overall_time_period=1,
        group_max_rate=GROUP_PER_MINUTE * args.scale,
        group_time_period=60,
        private_chat_per_second=CHAT_PER_SECOND * args.scale,
        max_retries=10,
    )
    adapter = TelegramAdapter(app.handler, app.store, "1:BENCH", base_url=api_url, limiter=limiter)
    outbox = Outbox(app.store, {"telegram": adapter}, app.handler.summary)
    planner = DigestPlanner(None, app, {"telegram": adapter}, outbox)  # type: ignore[arg-type]
    serving = threading.Thread(target=adapter.serve, daemon=True)
    serving.start()
    adapter.wait_until_ready()
    stop = threading.Event()
    senders = [
        threading.Thread(target=outbox.run, args=(n, settings.senders, stop, 0.05), daemon=True)
        for n in range(settings.senders)
    ]

    started = time.monotonic()
    for sender in senders:
        sender.start()
    with ThreadPoolExecutor(SCHEDULER_THREADS) as jobs:
        list(jobs.map(planner.send_digest, chat_ids))
    built = time.monotonic() - started
    while app.store.pending_digests(limit=1):
        time.sleep(0.05)
    wall = time.monotonic() - started
    stop.set()
    outbox.wake.set()
    for sender in senders:
        sender.join(30)
    adapter.stop()
    serving.join(30)
    pipe.send("stop")
    sent, too_many = pipe.recv()
    api.join(10)
    counts = app.store.outbox_counts()
    app.close()

    per_chat = Counter(sent)
    lost = args.chats - len(per_chat)
    duplicates = sum(n - 1 for n in per_chat.values())
    # A bucket holding one second's worth lets the first `overall` messages go at once.
    bound = max(len(sent) - overall, 1) / overall
    print(f"chats: {args.chats}   limits x{args.scale:g}: {overall:g} messages/s overall")
    print(f"digests built in {built:.1f} s   all sent in {wall:.1f} s   bound {bound:.1f} s")
    print(f"ratio to the bound: {wall / bound:.3f}")
    print(f"429 answers: {too_many}   lost: {lost}   duplicates: {duplicates}")
    print(f"outbox: {counts.get('sent', 0)} sent, {counts.get('failed', 0)} failed")


if __name__ == "__main__":
    main()
