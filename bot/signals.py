"""The operators' endpoints: ``GET /healthz`` (JSON) and ``GET /metrics`` (Prometheus), added
to any aiohttp application, or served on a port of their own (``sensus-bot run --metrics``)."""

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.config import ConfigError
from bot.services import Services

log = logging.getLogger(__name__)

PING_TIMEOUT = 2.0  # seconds the database may take to answer /healthz
SERVICES = web.AppKey("services", Services)


@dataclass(frozen=True)
class Health:
    """What /healthz reports; healthy when the database answers and a sender leads."""

    database_reachable: bool
    sender_leader_known: bool
    last_update_age_seconds: float | None
    problems: tuple[str, ...]

    @property
    def healthy(self) -> bool:
        """Nothing that stops the bot from answering or sending is wrong."""
        return self.database_reachable and self.sender_leader_known

    def as_json(self) -> dict[str, Any]:
        """The JSON body of /healthz."""
        age = self.last_update_age_seconds
        return {
            "healthy": self.healthy,
            "database_reachable": self.database_reachable,
            "sender_leader_known": self.sender_leader_known,
            "last_update_age_seconds": None if age is None else round(age, 3),
            "problems": list(self.problems),
        }


async def check_health(services: Services) -> Health:
    """Ask the database, look at the sender, read the age of the last update processed."""
    problems = []
    try:
        await asyncio.wait_for(services.repo.ping(), PING_TIMEOUT)
        database = True
    except TimeoutError:
        database = False
        problems.append(f"database: no answer within {PING_TIMEOUT:g} s")
    except Exception as error:  # any failure of the database is the answer here
        database = False
        problems.append(f"database: {error}")
    sender = False
    if services.sender is None:
        problems.append("sender: not running")
    elif database:
        # A standby's sender waits for its turn: healthy while some worker leads.
        sender = services.sender.leading or await services.repo.leader_known()
        if not sender:
            problems.append("sender: no worker leads it")
    return Health(database, sender, services.metrics.last_update_age(), tuple(problems))


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: 200 and the figures when healthy, 503 and the problems otherwise."""
    health = await check_health(request.app[SERVICES])
    return web.json_response(health.as_json(), status=200 if health.healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics``: every metric, the outbox and the sender read now."""
    services = request.app[SERVICES]
    figures = services.metrics
    sender = services.sender
    figures.sender_leader.set(1 if sender is not None and sender.leading else 0)
    due: float
    later: float
    try:
        due, later = await asyncio.wait_for(
            services.repo.outbox_pending(services.clock.now().timestamp()), PING_TIMEOUT
        )
    except Exception as error:  # the other figures are still worth a scrape
        log.warning("metrics: cannot read the outbox: %s", error)
        due = later = float("nan")
    figures.outbox_pending.labels("now").set(due)
    figures.outbox_pending.labels("later").set(later)
    return web.Response(body=figures.text(), content_type="text/plain", charset="utf-8")


def add_routes(app: web.Application, services: Services) -> None:
    """Add ``GET /healthz`` and ``GET /metrics`` for ``services`` to ``app``."""
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)


@dataclass(frozen=True)
class Listen:
    """A HOST:PORT to serve on (port 0: any free one)."""

    host: str
    port: int


class SignalsServer:
    """/healthz and /metrics on a port of their own."""

    def __init__(self, services: Services, listen: Listen) -> None:
        app = web.Application()
        add_routes(app, services)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self._listen = listen
        self.url = ""

    async def start(self) -> None:
        """Listen; ``url`` tells where (the port chosen when 0 was asked). ConfigError naming
        --metrics when the address cannot be used."""
        await self._runner.setup()
        host, port = self._listen.host, self._listen.port
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as error:
            await self._runner.cleanup()
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ConfigError("--metrics", f"cannot listen on {host}:{port}: {reason}") from None
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        log.info("health and metrics at %s/healthz and /metrics", self.url)

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()
