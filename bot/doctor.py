"""``sensus-bot doctor``: check settings, database, catalogs, content, calendar and the Bot
API, and say in plain words what is wrong."""

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, Settings
from bot.domain.assistant import FaqEngine
from bot.domain.calendar import CalendarError, load_calendar
from bot.domain.guide import load_guide
from bot.flood_counts import FloodCounts
from bot.http import AiohttpRequest, NotBotApiAnswer
from bot.i18n import SOURCE_LANGUAGE, load_i18n
from bot.metrics import Metrics
from bot.texts import coverage, translation_project
from storage.database import inspect_postgres
from storage.engine import DatabaseError, Location, PostgresUrl, one_line
from storage.repository import inspect_file, migrations

OK, WARN, FAIL = "✓", "!", "✗"


@dataclass(frozen=True)
class Finding:
    """One line of the report: a mark (✓ ! ✗), what was checked, what was found."""

    mark: str
    topic: str
    text: str

    def __str__(self) -> str:
        return f"{self.mark} {self.topic}: {self.text}"


def check_settings(settings: Settings) -> Iterator[Finding]:
    """The token is set and someone can administer the bot."""
    if settings.token:
        yield Finding(OK, "settings", f"token set; time zone {settings.timezone.key}")
    else:
        yield Finding(FAIL, "settings", "TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)")
    if not settings.admins:
        yield Finding(WARN, "settings", "SENSUS_ADMINS is empty: nobody can appoint staff")


def check_database(path: Location) -> Finding:
    """The database opens read-only, is intact, and its schema is one this version knows."""
    latest = migrations()[-1][0]
    if isinstance(path, PostgresUrl):
        try:
            state = inspect_postgres(path)
        except DatabaseError as error:
            return Finding(FAIL, "database", f"cannot use {path}: {one_line(error)}")
    elif not path.exists():
        if path.parent.is_dir():
            return Finding(OK, "database", f"{path} does not exist yet; the bot creates it")
        return Finding(FAIL, "database", f"folder {path.parent} does not exist")
    else:
        try:
            state = inspect_file(path)
        except sqlite3.Error as error:
            return Finding(FAIL, "database", f"{path} is not a usable SQLite database ({error})")
    version, users = state.version, state.users
    if version > latest:
        return Finding(
            FAIL,
            "database",
            f"{path} has schema {version}, newer than this sensus-bot"
            f" ({latest}); upgrade sensus-bot",
        )
    if not state.intact:
        return Finding(FAIL, "database", f"{path} is damaged; restore the latest backup")
    upgrade = f"; schema {version} is upgraded to {latest} at start" if version < latest else ""
    return Finding(OK, "database", f"{path}: {users} users{upgrade}")


def check_languages(settings: Settings) -> Iterator[Finding]:
    """Every catalog compiles; per language, how much of every kind of text it has."""
    try:
        i18n = load_i18n(settings.locales_dir)
    except Exception as error:  # any parse error of a catalog is reported, not raised
        yield Finding(FAIL, "languages", f"cannot load the translations: {error}")
        return
    project = translation_project(settings)
    for code, language in i18n.languages.items():
        if code == SOURCE_LANGUAGE:
            continue
        try:
            found = coverage(project, language)
        except (ValueError, KeyError, OSError) as error:
            yield Finding(FAIL, "languages", f"{language.name}: cannot read its texts: {error}")
            continue
        text = found.summary()
        if code not in i18n.offered(settings.picker_threshold):
            text += (
                f"; not offered in the language picker (UI below {settings.picker_threshold:.0%})"
            )
        yield Finding(OK if found.complete else WARN, "languages", text)


def check_content(settings: Settings) -> Iterator[Finding]:
    """The FAQ, the guide and the configured calendar load."""
    locales_dir = settings.locales_dir
    codes = load_i18n(locales_dir).codes
    try:
        faq = FaqEngine.load(locales_dir, codes)
        guide = load_guide(locales_dir, codes)
    except (ValueError, KeyError, OSError) as error:
        yield Finding(FAIL, "content", f"FAQ or guide does not load: {error}")
    else:
        yield Finding(
            OK, "content", f"{len(faq.content.topics)} FAQ topics, {len(guide.steps)} guide steps"
        )
    try:
        calendar = load_calendar(settings.calendar_path)
    except CalendarError as error:
        yield Finding(FAIL, "calendar", str(error))
        return
    yield Finding(
        OK,
        "calendar",
        f"{settings.calendar_path.name}: {len(calendar.events)} events, "
        f"{len(calendar.reminders)} reminders",
    )


async def reach_bot_api(settings: Settings) -> str:
    """Call getMe once; the bot's username, or ConfigError naming the setting at fault."""
    try:
        async with Bot(
            settings.require_token(),
            base_url=settings.bot_api_base_url,
            request=AiohttpRequest(connections=1),  # the HTTP stack the bot itself uses
        ) as bot:
            return (await bot.get_me()).username or ""
    except (InvalidToken, NotBotApiAnswer) as error:
        if from_not_bot_api(error):
            raise ConfigError(
                "TELEGRAM_API_URL", f"{settings.api_url} does not look like a Bot API server"
            ) from None
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "rejected by the Bot API (check the token)"
        ) from None
    except NetworkError as error:
        raise ConfigError(
            "TELEGRAM_API_URL", f"cannot reach {settings.api_url}: {error.message}"
        ) from None


def from_not_bot_api(error: BaseException | None) -> bool:
    """Whether the error was raised (perhaps through others) from a non-Bot-API answer:
    python-telegram-bot reports a 404 of any web server as a rejected token."""
    while error is not None and not isinstance(error, NotBotApiAnswer):
        error = error.__cause__
    return error is not None


async def check_bot_api(settings: Settings) -> Finding:
    """getMe answers with this token at the configured URL."""
    if not settings.token:
        return Finding(FAIL, "Bot API", "not checked without a token")
    try:
        username = await reach_bot_api(settings)
    except ConfigError as error:
        return Finding(FAIL, "Bot API", str(error))
    return Finding(OK, "Bot API", f"{settings.api_url} answers as @{username}")


async def check_redis(settings: Settings) -> list[Finding]:
    """The Redis of SENSUS_REDIS answers (flood counts shared by workers); nothing to say
    when it is not set."""
    if settings.redis_url is None:
        return []
    where = redis_address(settings.redis_url)
    counts = FloodCounts.redis(settings.redis_url, settings.redis_prefix, Metrics())
    try:
        reachable = await counts.reachable()
    finally:
        await counts.close()
    if reachable:
        return [Finding(OK, "Redis", f"{where} answers; flood counts are shared")]
    return [Finding(FAIL, "Redis", f"{where} does not answer (SENSUS_REDIS); flood control is off")]


def redis_address(url: str) -> str:
    """Where a Redis URL points, without its password."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return parsed.path
    return f"{parsed.hostname}:{parsed.port or 6379}"


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in the order a newcomer would fix them."""
    return [
        *check_settings(settings),
        check_database(settings.database),
        *check_languages(settings),
        *check_content(settings),
        *await check_redis(settings),
        await check_bot_api(settings),
    ]
