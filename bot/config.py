"""Settings from environment variables, optionally preceded by a TOML file."""

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import RateLimitItem, parse

from bot.domain.calendar import CalendarError, load_calendar, shipped_calendar_path
from bot.domain.retention import Retention
from bot.i18n import LOCALES_DIR, load_languages
from storage.engine import Location, location

DEFAULT_API_URL = "https://api.telegram.org"
# What is pruned after SENSUS_KEEP_<KIND>_DAYS days (fields of Retention).
RETENTION_KINDS = tuple(f.name for f in fields(Retention))

# Every setting this bot reads; a TOML config file may use the same names.
SETTING_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "SENSUS_DB",
    "SENSUS_ADMINS",
    "SENSUS_DEFAULT_LANG",
    "SENSUS_TZ",
    "SENSUS_LOG_LEVEL",
    "SENSUS_LOG_FORMAT",
    "SENSUS_CALENDAR",
    "SENSUS_NOW",
    "SENSUS_QUIET_HOURS",
    "SENSUS_SEND_RATE",
    "SENSUS_PAID_BROADCAST",
    "SENSUS_FLOOD_LIMIT",
    "SENSUS_FLOOD_BUTTON_LIMIT",
    "SENSUS_FLOOD_INLINE_LIMIT",
    "SENSUS_REDIS",
    "SENSUS_WEBHOOK_SECRET",
    "SENSUS_LOCALES",
    "SENSUS_DB_POOL_SIZE",
    "SENSUS_PICKER_THRESHOLD",
    "SENSUS_OFFICE_HOURS",
    "SENSUS_TICKET_RESHOW",
    *(f"SENSUS_KEEP_{kind.upper()}_DAYS" for kind in RETENTION_KINDS),
)


class ConfigError(Exception):
    """A missing or invalid setting; ``str()`` is a one-line message naming it."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one bot process."""

    token: str | None = None
    api_url: str = DEFAULT_API_URL
    # SENSUS_DB: an SQLite file (Path), or a PostgreSQL database (PostgresUrl, ``str()`` masks
    # its password); storage.Repository.open takes either.
    database: Location = Path("sensus.db")
    db_pool_size: int = 5  # PostgreSQL connections per process
    admins: frozenset[int] = field(default_factory=frozenset)
    default_lang: str = "id"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Makassar"))
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line
    calendar_path: Path = field(default_factory=lambda: shipped_calendar_path("sp2020"))
    now: datetime | None = None  # a fixed clock, for tests and demos
    quiet_hours: tuple[time, time] | None = (time(21), time(7))
    send_rate: float = 30.0  # messages per second sent on the bot's own initiative
    paid_broadcast: bool = False  # allow_paid_broadcast: up to 1000/s, paid in Stars
    # Requests one person may make, per kind (handlers/flood.py); None: no limit.
    flood_limit: RateLimitItem | None = field(default_factory=lambda: parse("20/minute"))
    flood_button_limit: RateLimitItem | None = field(default_factory=lambda: parse("60/minute"))
    flood_inline_limit: RateLimitItem | None = field(default_factory=lambda: parse("60/minute"))
    redis_url: str | None = None  # flood counts shared by every worker; in memory when None
    redis_prefix: str = "sensus-bot"  # of the keys in Redis (each test uses its own)
    webhook_secret: str | None = None  # checked on every webhook call; random per start if unset
    locales_dir: Path = LOCALES_DIR  # catalogs and content (tests point it at a copy)
    picker_threshold: float = 0.8  # share of the UI a language needs to be offered
    office_hours: tuple[time, time] = (time(8), time(16))  # helpdesk, Monday-Friday, SENSUS_TZ
    ticket_reshow: timedelta = timedelta(hours=4)  # an unanswered ticket is shown again after
    retention: Retention = field(default_factory=Retention)

    @property
    def bot_api_base_url(self) -> str:
        """Base URL in python-telegram-bot's format: ``{api}/bot{token}`` + ``/METHOD``."""
        return f"{self.api_url}/bot{{token}}"

    def require_token(self) -> str:
        """Return the bot token, or raise ConfigError when it is not set."""
        if not self.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "not set; get a token from @BotFather")
        return self.token


def read_text(path: Path, setting: str) -> str:
    """A UTF-8 text file; ConfigError naming ``setting`` when it cannot be read or decoded."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(setting, f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            setting, f"{path} is not UTF-8 text (byte {error.start + 1}); save it as UTF-8"
        ) from None


def read_config_file(path: Path) -> dict[str, str]:
    """Read a TOML file of ``SETTING = value`` lines into strings keyed by setting name."""
    try:
        data = tomllib.loads(read_text(path, "--config"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("--config", f"{path} is not valid TOML: {error}") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        name = key.upper()
        if name not in SETTING_NAMES:
            raise ConfigError(key, f"unknown setting in {path}")
        values[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    known_languages: frozenset[str] | None = None,
) -> Settings:
    """Build Settings from a config file (if any) overlaid by the environment; the known
    languages are those of the locales folder unless given."""
    values = read_config_file(config_file) if config_file else {}
    env = os.environ if environ is None else environ
    values.update({k: v for k, v in env.items() if k in SETTING_NAMES and v != ""})
    locales_dir = _locales(values.get("SENSUS_LOCALES"))
    if known_languages is None:
        known_languages = frozenset(load_languages(locales_dir))
    paid = _flag("SENSUS_PAID_BROADCAST", values.get("SENSUS_PAID_BROADCAST", "off"))
    timezone = _timezone(values.get("SENSUS_TZ", "Asia/Makassar"))
    return Settings(
        token=values.get("TELEGRAM_BOT_TOKEN"),
        api_url=_api_url(values.get("TELEGRAM_API_URL", DEFAULT_API_URL)),
        database=location(values.get("SENSUS_DB", "sensus.db")),
        db_pool_size=_pool_size(values.get("SENSUS_DB_POOL_SIZE", "5")),
        admins=_admins(values.get("SENSUS_ADMINS", "")),
        default_lang=_language(values.get("SENSUS_DEFAULT_LANG", "id"), known_languages),
        timezone=timezone,
        log_level=_log_level(values.get("SENSUS_LOG_LEVEL", "INFO")),
        log_format=_log_format(values.get("SENSUS_LOG_FORMAT", "text")),
        calendar_path=_calendar(values.get("SENSUS_CALENDAR", "sp2020")),
        now=parse_moment(values["SENSUS_NOW"], timezone, "SENSUS_NOW")
        if "SENSUS_NOW" in values
        else None,
        quiet_hours=_quiet_hours(values.get("SENSUS_QUIET_HOURS", "21:00-07:00")),
        send_rate=_send_rate(values.get("SENSUS_SEND_RATE", "30"), paid),
        paid_broadcast=paid,
        flood_limit=_flood_limit(values, "SENSUS_FLOOD_LIMIT", "20/minute"),
        flood_button_limit=_flood_limit(values, "SENSUS_FLOOD_BUTTON_LIMIT", "60/minute"),
        flood_inline_limit=_flood_limit(values, "SENSUS_FLOOD_INLINE_LIMIT", "60/minute"),
        redis_url=_redis_url(values.get("SENSUS_REDIS")),
        webhook_secret=_webhook_secret(values.get("SENSUS_WEBHOOK_SECRET")),
        locales_dir=locales_dir,
        picker_threshold=_share(values.get("SENSUS_PICKER_THRESHOLD", "80%")),
        office_hours=_office_hours(values.get("SENSUS_OFFICE_HOURS", "08:00-16:00")),
        ticket_reshow=_ticket_reshow(values.get("SENSUS_TICKET_RESHOW", "4")),
        retention=_retention(values),
    )


def _pool_size(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise ConfigError("SENSUS_DB_POOL_SIZE", f"{value!r} is not a number from 1 to 100")
    return int(value)


def _locales(value: str | None) -> Path:
    if value is None:
        return LOCALES_DIR
    path = Path(value)
    if not (path / "languages.toml").is_file():
        raise ConfigError("SENSUS_LOCALES", f"{path} has no languages.toml")
    return path


def _share(value: str) -> float:
    try:
        share = float(value.strip().removesuffix("%")) / 100
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise ConfigError(
            "SENSUS_PICKER_THRESHOLD", f"expected a percentage such as 80%, not {value!r}"
        )
    return share


def _api_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("TELEGRAM_API_URL", f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def _admins(value: str) -> frozenset[int]:
    ids = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError("SENSUS_ADMINS", f"not a Telegram user id: {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _language(value: str, known: frozenset[str]) -> str:
    if value not in known:
        raise ConfigError(
            "SENSUS_DEFAULT_LANG", f"{value!r} is not one of {', '.join(sorted(known))}"
        )
    return value


def _timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("SENSUS_TZ", f"unknown time zone {value!r}") from None


def _calendar(value: str) -> Path:
    """A shipped calendar by name (``sp2020``) or a path to a TOML file; checked now."""
    path = Path(value) if value.endswith(".toml") else shipped_calendar_path(value)
    try:
        load_calendar(path)
    except CalendarError as error:
        raise ConfigError("SENSUS_CALENDAR", str(error)) from None
    return path


def parse_moment(value: str, zone: ZoneInfo, setting: str) -> datetime:
    """An ISO 8601 moment; without an offset it is read in ``zone`` (SENSUS_TZ)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            setting, f"not an ISO 8601 date-time such as 2020-09-01T08:00: {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _quiet_hours(value: str) -> tuple[time, time] | None:
    """``21:00-07:00``, or ``off``."""
    if value.strip().lower() == "off":
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ConfigError(
            "SENSUS_QUIET_HOURS", f"expected HH:MM-HH:MM or off, not {value!r}"
        ) from None
    return start, end


def _flag(name: str, value: str) -> bool:
    if value.lower() in ("1", "on", "true", "yes"):
        return True
    if value.lower() in ("0", "off", "false", "no"):
        return False
    raise ConfigError(name, f"expected on or off, not {value!r}")


def _webhook_secret(value: str | None) -> str | None:
    """Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -."""
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ConfigError("SENSUS_WEBHOOK_SECRET", "use 1-256 characters: letters, digits, _ and -")
    return value


def _retention(values: Mapping[str, str]) -> Retention:
    """SENSUS_KEEP_<KIND>_DAYS: whole days, at least 1; the defaults where unset."""
    ages = {}
    for kind in RETENTION_KINDS:
        name = f"SENSUS_KEEP_{kind.upper()}_DAYS"
        if name in values:
            value = values[name].strip()
            if not value.isdigit() or int(value) < 1:
                raise ConfigError(name, f"expected a number of days (1 or more), not {value!r}")
            ages[kind] = timedelta(days=int(value))
    return Retention(**ages)


def _flood_limit(values: dict[str, str], setting: str, default: str) -> RateLimitItem | None:
    """Requests one person may make, e.g. ``20/minute`` or ``5/10 seconds``; ``off``."""
    value = values.get(setting, default)
    if value.strip().lower() == "off":
        return None
    try:
        return parse(value)
    except ValueError:
        raise ConfigError(setting, f"expected e.g. {default} or off, not {value!r}") from None


def _send_rate(value: str, paid: bool) -> float:
    """Messages per second: Telegram allows about 30/s, or 1000/s with paid broadcasts."""
    try:
        rate = float(value)
    except ValueError:
        raise ConfigError("SENSUS_SEND_RATE", f"not a number: {value!r}") from None
    limit = 1000.0 if paid else 30.0
    if not 0 < rate <= limit:
        hint = "" if paid else " (more needs SENSUS_PAID_BROADCAST=on)"
        raise ConfigError("SENSUS_SEND_RATE", f"must be above 0 and at most {limit:g}{hint}")
    return rate


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("SENSUS_LOG_LEVEL", f"not a log level: {value!r}")
    return level


def _log_format(value: str) -> str:
    if value.lower() not in ("text", "json"):
        raise ConfigError("SENSUS_LOG_FORMAT", f"expected text or json, not {value!r}")
    return value.lower()


def _redis_url(value: str | None) -> str | None:
    """``redis://[:password@]host:port/db``, ``rediss://`` (TLS) or ``unix:///path``."""
    if value is None:
        return None
    parsed = urlparse(value)
    try:
        port_valid = parsed.port is None or parsed.port > 0
    except ValueError:  # not a number, or out of range
        port_valid = False
    known = parsed.scheme in ("redis", "rediss", "unix") and bool(parsed.netloc or parsed.path)
    if not (known and port_valid):
        # Not quoted: the URL may hold a password.
        raise ConfigError("SENSUS_REDIS", "expected a URL such as redis://127.0.0.1:6379/0")
    return value


def _office_hours(value: str) -> tuple[time, time]:
    """``08:00-16:00`` (Monday to Friday, in SENSUS_TZ)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        start = end = time(0)
    if not start < end:
        raise ConfigError("SENSUS_OFFICE_HOURS", f"expected HH:MM-HH:MM, not {value!r}")
    return start, end


def _ticket_reshow(value: str) -> timedelta:
    """Hours without an answer before a ticket is shown again in the helpdesk group."""
    try:
        hours = float(value)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 14:
        raise ConfigError("SENSUS_TICKET_RESHOW", f"expected hours above 0, not {value!r}")
    return timedelta(hours=hours)
