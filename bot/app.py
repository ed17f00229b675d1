"""build_application(): the one place where the bot is wired together."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import uvloop
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot.commands import publish_commands
from bot.config import Settings
from bot.context import SERVICES_KEY, AnyApplication, SensusContext, services_of
from bot.domain.assistant import FaqEngine
from bot.domain.calendar import load_calendar
from bot.domain.clock import Clock, clock_at
from bot.domain.guide import load_guide
from bot.http import AiohttpRequest
from bot.i18n import I18n, load_i18n
from bot.metrics import MeasuredUpdates, Metrics
from bot.outbox.planning import active_calendar
from bot.outbox.rendering import render
from bot.outbox.sender import Sender
from bot.processing import ChatOrderedUpdateProcessor
from bot.services import Services
from bot.signals import Listen, SignalsServer, add_routes
from bot.webhook import WebhookServer, serve, stop_on_signals
from storage import Repository
from storage.updates import CALENDAR, REVIEWED_EXAMPLES

log = logging.getLogger(__name__)

# Token used where no Telegram is involved (the terminal shell).
OFFLINE_TOKEN = "0:offline"
WATCHER_KEY = "change-watcher"
# Seconds between looks for shared state another process changed: a calendar applied from
# the command line, examples staff reviewed on another worker.
CHANGE_POLL = 2.0
PRUNER_KEY = "pruner"
PRUNE_EVERY = 24 * 3600.0  # seconds between prunings of what is kept no longer (and at start)
SIGNALS_KEY = "signals-server"


def build_application(
    settings: Settings,
    *,
    i18n: I18n | None = None,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    signals: Listen | None = None,
) -> AnyApplication:
    """Build the Application with every handler registered; resources open in post_init.
    With ``signals``, /healthz and /metrics are served there while the bot runs."""
    metrics = Metrics()
    i18n = i18n or load_i18n(settings.locales_dir)
    services = Services(
        settings=settings,
        i18n=i18n,
        clock=clock or clock_at(settings.now),
        faq=FaqEngine.load(settings.locales_dir, i18n.codes),
        guide=load_guide(settings.locales_dir, i18n.codes),
        configured_calendar=load_calendar(settings.calendar_path),
        metrics=metrics,
    )
    builder = (
        ApplicationBuilder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.bot_api_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.timezone,
            )
        )
        .context_types(ContextTypes(context=SensusContext))
        .concurrent_updates(
            MeasuredUpdates(
                ChatOrderedUpdateProcessor(lambda: services.repo, services.clock), metrics
            )
        )
        .post_init(open_services)
        .post_stop(stop_background)
        .post_shutdown(close_services)
    )
    builder = builder.request(request or AiohttpRequest(connections=64, metrics=metrics))
    builder = builder.get_updates_request(request or AiohttpRequest(connections=1, metrics=metrics))
    application: AnyApplication = builder.build()
    application.bot_data[SERVICES_KEY] = services
    if signals is not None:
        application.bot_data[SIGNALS_KEY] = SignalsServer(services, signals)
    handlers.register(application)
    return application


async def open_services(application: AnyApplication) -> None:
    """Open the database (scrubbing the token from stored error texts), load the calendar in
    force, start the sender and the health and metrics server (post_init)."""
    services = services_of(application)
    settings = services.settings
    services.use_repository(
        await Repository.open(settings.database, settings.timezone, settings.db_pool_size)
    )
    if SIGNALS_KEY in application.bot_data:  # early: an address in use stops the start here
        await application.bot_data[SIGNALS_KEY].start()
    if settings.token:
        await services.repo.scrub_errors(settings.token)
    await refresh_calendar(services)
    await services.learn_reviewed()
    sender = Sender(
        application.bot,
        services.repo,
        lambda: services.clock.now().timestamp(),
        settings.send_rate,
        partial(render, services),
        settings.paid_broadcast,
    )
    await sender.start()
    services.sender = sender
    application.bot_data[WATCHER_KEY] = asyncio.create_task(
        watch_changes(services, await services.repo.change_markers())
    )
    application.bot_data[PRUNER_KEY] = asyncio.create_task(prune_daily(services))
    await publish_commands(application.bot, services.i18n)
    log.info("sensus-bot started as @%s", application.bot.username)


async def stop_background(application: AnyApplication) -> None:
    """Stop the health and metrics server, the calendar watcher and the sender while the bot
    can still send (post_stop)."""
    services = services_of(application)
    signals = application.bot_data.pop(SIGNALS_KEY, None)
    if signals is not None:
        await signals.stop()
    for task in list(services.background):
        task.cancel()
    await asyncio.gather(*services.background, return_exceptions=True)
    for key in (WATCHER_KEY, PRUNER_KEY):
        task = application.bot_data.pop(key, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    if services.sender is not None:
        await services.sender.stop()
        services.sender = None


async def close_services(application: AnyApplication) -> None:
    """Close the database (post_shutdown)."""
    await stop_background(application)  # when post_init succeeded but the start did not
    services = services_of(application)
    await services.close_repository()
    await services.flood.close()


async def refresh_calendar(services: Services) -> None:
    """Use the calendar staff applied last (possibly from another process)."""
    calendar, revision = await active_calendar(services.repo, services.configured_calendar)
    if revision != services.calendar_revision:
        services.use_calendar(calendar, revision)
        log.info("calendar in force: revision %s", revision)


async def watch_changes(services: Services, seen: dict[str, int]) -> None:
    """Follow what other processes change while this one runs: a calendar applied (with
    `sensus-bot calendar apply` or on another worker), examples staff reviewed on another
    worker. One small read every CHANGE_POLL seconds; the work only when a marker moved."""
    while True:
        await asyncio.sleep(CHANGE_POLL)
        try:
            markers = await services.repo.change_markers()
            if markers.get(CALENDAR) != seen.get(CALENDAR):
                await refresh_calendar(services)
            if markers.get(REVIEWED_EXAMPLES) != seen.get(REVIEWED_EXAMPLES):
                await services.learn_reviewed()
            seen = markers
        except Exception:
            log.exception("could not follow the changes of other processes; trying again")


async def prune_daily(services: Services) -> None:
    """Delete what the bot keeps no longer (settings.retention), at start and then daily."""
    while True:
        try:
            pruned = await services.repo.prune(services.clock.now(), services.settings.retention)
            if any(pruned.values()):
                log.info("pruned %s", ", ".join(f"{n} {kind}" for kind, n in pruned.items() if n))
        except Exception:
            log.exception("could not prune old rows; trying again tomorrow")
        await asyncio.sleep(PRUNE_EVERY)


@asynccontextmanager
async def running(application: AnyApplication, *, poll: bool) -> AsyncIterator[AnyApplication]:
    """Start the application as run_polling() does (optionally without polling), then stop it."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        if poll and application.updater:
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, poll_interval=0, timeout=10
            )
        await application.start()
        try:
            yield application
        finally:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_polling(application: Application) -> None:  # type: ignore[type-arg]
    """Long polling until SIGINT/SIGTERM, as python-telegram-bot does it, on uvloop."""
    asyncio.set_event_loop(uvloop.new_event_loop())  # run_polling runs on it, then closes it
    application.run_polling(allowed_updates=Update.ALL_TYPES)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram sends updates (the public URL) and where this process listens."""

    url: str
    listen: str
    port: int
    path: str


def run_webhook(application: Application, webhook: Webhook, secret: str) -> None:  # type: ignore[type-arg]
    """Serve Telegram's webhook calls until SIGINT/SIGTERM (bot/webhook.py): calls without
    ``secret`` in the X-Telegram-Bot-Api-Secret-Token header are refused (403), the others
    answered once their update was processed."""

    async def main() -> None:
        stop = stop_on_signals()
        async with running(application, poll=False):
            server = WebhookServer(application, webhook.path, secret)
            add_routes(server.app, services_of(application))  # /healthz, /metrics
            await serve(application, server, webhook.url, webhook.listen, webhook.port, stop)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
