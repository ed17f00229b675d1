"""Where flood control counts each person's requests: in memory, or in Redis (SENSUS_REDIS)
so that several workers share one count per person."""

import logging
import time
from collections import deque

from limits import RateLimitItem
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from bot.metrics import Metrics

log = logging.getLogger(__name__)

# Seconds a flood check may wait for Redis: past it the request goes through unchecked.
REDIS_TIMEOUT = 0.5
# After a failure Redis is left alone this long: a Redis that hangs would otherwise cost
# every update the whole timeout.
RETRY_AFTER = 10.0
# Seconds between sweeps of the in-memory windows for people who went quiet.
SWEEP_EVERY = 60.0


class MemoryWindows:
    """Moving windows in this process, as limits' MovingWindowRateLimiter counts them: a
    request is within a limit of N per T seconds when fewer than N of the person's requests
    fell in the last T seconds. limits' own memory storage sweeps its windows from a
    background task with one worker-thread hop per person, which under a rush costs more
    CPU than the bot's answer; here the sweep is a plain loop once a minute."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, int, int], deque[float]] = {}
        self._swept = time.monotonic()

    def hit(self, limit: RateLimitItem, key: str) -> bool:
        """Count one request under ``key``; whether it is within ``limit``."""
        now = time.monotonic()
        if now - self._swept >= SWEEP_EVERY:
            self._sweep(now)
        seconds = limit.get_expiry()
        window = self._windows.setdefault((key, limit.amount, seconds), deque())
        while window and window[0] < now - seconds:
            window.popleft()
        if len(window) >= limit.amount:
            return False
        window.append(now)
        return True

    def _sweep(self, now: float) -> None:
        """Forget the windows whose last request is older than the window."""
        self._swept = now
        for key in [k for k, w in self._windows.items() if not w or w[-1] < now - k[2]]:
            del self._windows[key]


class FloodCounts:
    """Moving-window counts per person; when Redis does not answer, every request is let
    through (residents are never blocked by a broken counter) without asking Redis again
    for RETRY_AFTER seconds, with one warning per outage and a metric per unchecked request."""

    def __init__(
        self, storage: Storage | None, metrics: Metrics, pool: ConnectionPool | None = None
    ) -> None:
        self._storage = storage  # None: in this process's memory
        self._limiter = MovingWindowRateLimiter(storage) if storage is not None else None
        self._memory = MemoryWindows()
        self._metrics = metrics
        self._pool = pool
        self._failing = False
        self._retry_at = 0.0  # monotonic time from which a failing Redis is asked again

    @classmethod
    def memory(cls, metrics: Metrics) -> "FloodCounts":
        """Counts in this process only (a restart forgives everyone)."""
        return cls(None, metrics)

    @classmethod
    def redis(cls, url: str, prefix: str, metrics: Metrics) -> "FloodCounts":
        """Counts in the Redis at ``url``, under keys starting with ``prefix``; nothing
        connects before the first request."""
        pool = ConnectionPool.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        storage = RedisStorage(
            "async+redis://",
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=prefix,
            connection_pool=pool,  # type: ignore[arg-type]  # limits types options narrowly
        )
        return cls(storage, metrics, pool)

    async def hit(self, limit: RateLimitItem, kind: str, person: str) -> bool:
        """Count one request; whether it is within ``limit`` (True when Redis fails)."""
        if self._limiter is None:
            return self._memory.hit(limit, f"{kind}/{person}")
        if self._failing and time.monotonic() < self._retry_at:
            self._metrics.flood_unchecked.inc()
            return True
        try:
            allowed = await self._limiter.hit(limit, kind, person)
        except StorageError as error:
            self._metrics.flood_unchecked.inc()
            self._retry_at = time.monotonic() + RETRY_AFTER
            if not self._failing:
                log.warning(
                    "flood control: Redis does not answer (%s); requests go unchecked until"
                    " it does",
                    error.storage_error,
                )
                self._failing = True
            return True
        if self._failing:
            log.warning("flood control: Redis answers again; requests are counted again")
            self._failing = False
        return allowed

    async def reachable(self) -> bool:
        """Whether the counts can be read (always, in memory)."""
        return self._storage is None or await self._storage.check()

    async def close(self) -> None:
        """Close the connections to Redis, if any."""
        if self._pool is not None:
            await self._pool.aclose()
