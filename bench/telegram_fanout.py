"""A digest to many Telegram chats through a local Bot API server that enforces the flood
limits: wall time as a ratio to the least time the limits allow, 429s and lost messages.

    python bench/telegram_fanout.py [--chats 1000] [--scale 5]

The limits (30 messages a second overall, one a second per chat) are multiplied by --scale,
on the server and in the bot alike, so that the run is short; the ratio does not depend on
it. Digests are sent the way the scheduler sends them: one job per chat, on a pool of
threads, each waiting for its turn under the limits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.telegram import FloodLimiter, TelegramAdapter
from bot.core.commands import CommandHandler, Options
from bot.core.ingest import ingest
from bot.core.replies import DigestReply
from bot.core.store import Store
from tests.adapters.telegram_fakes import BotApiServer

OVERALL_PER_SECOND = 30
CHAT_PER_SECOND = 1
GROUP_PER_MINUTE = 20
# APScheduler's default thread pool runs this many digest jobs at once.
SCHEDULER_THREADS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=5.0)
    args = parser.parse_args()
    overall = OVERALL_PER_SECOND * args.scale

    server = BotApiServer()
    server.limits = (overall, CHAT_PER_SECOND * args.scale, GROUP_PER_MINUTE * args.scale)
    server.start()
    folder = Path(tempfile.mkdtemp())
    store = Store.open(f"sqlite:///{folder / 'bench.db'}")
    ingest(
        store,
        [Path(__file__).resolve().parents[1] / "seeds"],
        max_bytes=2_000_000,
        method="lead",
        sentences=3,
    )
    handler = CommandHandler(store, Options(method="lead"))
    digest = DigestReply(handler.build_digest(handler.chat("bench", "template")))
    limiter = FloodLimiter(
        overall_max_rate=overall,
        overall_time_period=1,
        group_max_rate=GROUP_PER_MINUTE * args.scale,
        group_time_period=60,
        private_chat_per_second=CHAT_PER_SECOND * args.scale,
        max_retries=10,
    )
    adapter = TelegramAdapter(handler, store, "1:BENCH", base_url=server.url, limiter=limiter)
    thread = threading.Thread(target=adapter.serve, daemon=True)
    thread.start()
    adapter.wait_until_ready()
    chats = [str(1000 + n) for n in range(args.chats)]

    def send(chat: str) -> bool:
        try:
            adapter.publish(chat, digest)
            return True
        except Exception as error:  # a lost message is counted, not fatal
            print(f"chat {chat}: {error!r}")
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(SCHEDULER_THREADS) as pool:
        results = list(pool.map(send, chats))
    wall = time.monotonic() - started
    adapter.stop()
    thread.join(30)
    server.stop()
    store.close()

    delivered = {s.chat_id for s in server.sent}
    lost = sum(1 for chat in chats if int(chat) not in delivered)
    duplicates = len(server.sent) - len(delivered)
    # A bucket that holds one second's worth lets the first `overall` messages go at once.
    bound = max(args.chats - overall, 0) / overall
    print(f"chats: {args.chats}   limits x{args.scale:g}: {overall:g}/s overall")
    print(f"wall time: {wall:.2f} s   bound: {bound:.2f} s   ratio: {wall / bound:.3f}")
    print(f"429 answers: {server.too_many}   lost: {lost}   duplicates: {duplicates}")
    print(f"failed sends: {results.count(False)}")


if __name__ == "__main__":
    main()
