"""What operators watch: the bot's Prometheus metrics, one registry per Application.

Several Applications may run in one process (the tests do), so nothing is registered in
prometheus-client's global default registry.
"""

import time
from collections.abc import Awaitable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Seconds from an update's arrival to the end of its handlers: most answers take a few
# milliseconds, a statistics chart or a slow Bot API a few seconds.
REPLY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The bot's metrics on a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "sensus_updates", "Updates received, by kind.", ["kind"], registry=registry
        )
        self.reply_seconds = Histogram(
            "sensus_reply_seconds",
            "Seconds from an update's arrival to the end of its handlers.",
            buckets=REPLY_BUCKETS,
            registry=registry,
        )
        self.faq_outcomes = Counter(
            "sensus_faq_outcomes",
            "Questions typed to the bot, by what it did: answer, clarify, fallback or chat.",
            ["outcome"],
            registry=registry,
        )
        self.outbox_pending = Gauge(
            "sensus_outbox_pending",
            "Outbox messages not sent yet: due now, or planned for later.",
            ["due"],
            registry=registry,
        )
        self.messages_sent = Counter(
            "sensus_messages_sent", "Messages Telegram accepted from the bot.", registry=registry
        )
        self.telegram_refusals = Counter(
            "sensus_telegram_refusals",
            "Bot API calls refused: 429 (flood), 403 (blocked), 5xx or network.",
            ["kind"],
            registry=registry,
        )
        self.flood_refusals = Counter(
            "sensus_flood_refusals",
            "Requests ignored because the person went over their limit, by kind.",
            ["kind"],
            registry=registry,
        )
        self.flood_unchecked = Counter(
            "sensus_flood_unchecked",
            "Requests let through unchecked because the flood counts (Redis) did not answer.",
            registry=registry,
        )
        self.sender_leader = Gauge(
            "sensus_sender_leader",
            "1 while this process's outbox sender is the one that sends, else 0.",
            registry=registry,
        )
        self.last_update_at: float | None = None  # time.monotonic() of the last one processed
        for kind in ("429", "403", "5xx", "network"):
            self.telegram_refusals.labels(kind)  # shown as 0 before the first refusal
        for outcome in ("answer", "clarify", "fallback", "chat"):
            self.faq_outcomes.labels(outcome)

    def last_update_age(self) -> float | None:
        """Seconds since an update was last processed; None before the first."""
        if self.last_update_at is None:
            return None
        return time.monotonic() - self.last_update_at

    def refused(self, status: int | None) -> None:
        """Count a refused Bot API call by its HTTP status (None: no answer at all)."""
        if status is None:
            self.telegram_refusals.labels("network").inc()
        elif status in (429, 403):
            self.telegram_refusals.labels(str(status)).inc()
        elif status >= 500:
            self.telegram_refusals.labels("5xx").inc()

    def text(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


def update_kind(update: object) -> str:
    """The kind of an update (message, edited_message, callback_query, ...)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class MeasuredUpdates(BaseUpdateProcessor):
    """Counts each update by kind and times it through ``inner`` (which keeps the order)."""

    def __init__(self, inner: BaseUpdateProcessor, metrics: Metrics) -> None:
        super().__init__(inner.max_concurrent_updates)
        self.inner = inner
        self.metrics = metrics

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update through the inner processor, measured."""
        self.metrics.updates.labels(update_kind(update)).inc()
        started = time.monotonic()
        try:
            await self.inner.do_process_update(update, coroutine)
        finally:
            finished = time.monotonic()
            self.metrics.reply_seconds.observe(finished - started)
            self.metrics.last_update_at = finished

    async def initialize(self) -> None:
        """Set up the inner processor."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Tear down the inner processor."""
        await self.inner.shutdown()
