"""What the bot counts for `/metrics` (Prometheus' text format): documents ingested, digests
built, messages sent and failed per platform, how long sending and ingesting take, feed
errors. The outbox's pending deliveries are read from the store when scraped (`Pending`), so
that every process shows the same figure whoever queued them.

Counters are per process: with several processes, Prometheus sums what each one reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

DOCUMENTS_INGESTED = Counter(
    "newsdigest_documents_ingested",
    "Documents stored new or updated, from the source folder and from feeds",
    ["source"],
)
DIGESTS_BUILT = Counter("newsdigest_digests_built", "Digests built, scheduled or asked for")
MESSAGES_SENT = Counter(
    "newsdigest_messages_sent", "Digest messages delivered to a chat", ["platform"]
)
MESSAGES_FAILED = Counter(
    "newsdigest_messages_failed", "Attempts to deliver a digest message that failed", ["platform"]
)
SEND_SECONDS = Histogram(
    "newsdigest_send_seconds",
    "Time to send one digest message to its platform",
    ["platform"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
INGEST_SECONDS = Histogram(
    "newsdigest_ingest_seconds",
    "Duration of a run of the ingest of the source folder or of a feed poll",
    ["source"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
FEED_ERRORS = Counter("newsdigest_feed_errors", "Feed polls that failed")


class Pending(Collector):
    """The outbox read from the store at each scrape: digests waiting to go out, and their
    messages by state (`Store.outbox_counts`)."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = dict(self.counts())
        yield GaugeMetricFamily(
            "newsdigest_pending_deliveries",
            "Digests in the outbox not yet delivered whole",
            value=counts.pop("digests pending", 0),
        )
        messages = GaugeMetricFamily(
            "newsdigest_outbox_messages",
            "Digest messages in the outbox, by state",
            labels=["state"],
        )
        for state, count in sorted(counts.items()):
            messages.add_metric([state], count)
        yield messages
