"""The webhook server: Telegram's calls are answered only once their update was processed.

Telegram re-delivers a call that got no answer (or an error), so an update a worker did not
finish, because it died, is processed by whichever worker gets it next; 200 means done.
"""

import asyncio
import hmac
import logging
import signal
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.config import ConfigError
from bot.context import AnyApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DRAIN_TIMEOUT = 50.0  # seconds the updates in flight may take at a stop (Telegram waits ~60)


class WebhookServer:
    """The webhook path on a plain aiohttp Application (``app``: more routes may be added)."""

    def __init__(self, application: AnyApplication, path: str, secret: str) -> None:
        self.application = application
        self.secret = secret.encode()
        self.app = web.Application()
        self.app.router.add_post(f"/{path}", self.receive)
        self.accepting = True
        self._in_flight = 0
        self._idle = asyncio.Condition()

    async def receive(self, request: web.Request) -> web.Response:
        """One call from Telegram: 403 without the secret, 400 for a body that is no update,
        503 while stopping (nginx tries the next worker), else 200 once it was processed."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        if not self.accepting:
            return web.Response(status=503)
        try:
            payload: Any = await request.json()
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(payload, self.application.bot)
        except Exception as error:  # any body at all may arrive here
            log.warning("webhook: refused a body that is not an update (%s)", type(error).__name__)
            return web.Response(status=400)
        self._in_flight += 1
        try:
            application = self.application
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except Exception:
            # Not recorded as processed: Telegram delivers it again.
            log.exception("webhook: update %d failed; Telegram will retry", update.update_id)
            return web.Response(status=500)
        finally:
            async with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        return web.Response(status=200)

    async def drain(self) -> None:
        """Refuse new calls and wait for the updates in flight (within DRAIN_TIMEOUT)."""
        self.accepting = False
        async with self._idle:
            try:
                await asyncio.wait_for(
                    self._idle.wait_for(lambda: self._in_flight == 0), DRAIN_TIMEOUT
                )
            except TimeoutError:
                log.warning("webhook: stopping with %d updates unfinished", self._in_flight)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (installed before the start, so a stop asked for
    while the bot starts ends it cleanly too)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def serve(
    application: AnyApplication,
    server: WebhookServer,
    url: str,
    host: str,
    port: int,
    stop: asyncio.Event,
) -> None:
    """Listen on ``host:port``, point Telegram at ``url``, serve until ``stop`` is set, then
    stop accepting and finish the updates in flight. The webhook stays set at the end:
    other workers may still serve it."""
    if stop.is_set():  # asked to stop while starting
        return
    runner = web.AppRunner(server.app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        try:
            await application.bot.set_webhook(
                url, secret_token=server.secret.decode(), allowed_updates=Update.ALL_TYPES
            )
        except TelegramError as error:
            raise ConfigError("--webhook", f"Telegram refused it: {error.message}") from None
        log.info("serving the webhook on %s:%d", host, port)
        await stop.wait()
        log.info("stopping: finishing the updates in flight")
    finally:
        await site.stop()  # no new connections
        await server.drain()
        await runner.cleanup()
