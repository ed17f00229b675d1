"""The one recipient resolver: a person's language and time zone, and the calendar values in
force for them. It lives in bot/ (not bot/domain/) because it holds the translators and the
settings' fallbacks (SENSUS_DEFAULT_LANG, SENSUS_TZ); the Reader it gives is a domain value."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.assistant import Reader, static_values
from bot.domain.calendar import Calendar
from bot.domain.regions import zone_of
from bot.i18n import I18n
from storage import User


class Readers:
    """Resolves every recipient the same way; caches the calendar values per calendar,
    language and zone (they change only with the calendar)."""

    def __init__(self, i18n: I18n, settings: Settings) -> None:
        self.i18n = i18n
        self.settings = settings
        self._cached_for: Calendar | None = None
        self._static: dict[tuple[str, str], dict[str, str]] = {}

    def language(self, user: User | None, telegram_lang: str | None = None) -> str:
        """The stored person's language; for strangers a guess from their Telegram app,
        else SENSUS_DEFAULT_LANG."""
        if user is not None:
            return user.lang
        settings = self.settings
        return self.i18n.guess(telegram_lang, settings.default_lang, settings.picker_threshold)

    def zone(self, region: str | None) -> ZoneInfo:
        """The zone of a person's regency (or province), else SENSUS_TZ."""
        return zone_of(region) if region else self.settings.timezone

    def reader(
        self,
        user: User | None,
        telegram_lang: str | None,
        calendar: Calendar,
        now: datetime,
        lang: str | None = None,
    ) -> Reader:
        """The Reader for a person (or, with ``lang``, for them in that language)."""
        t = self.i18n.translator(lang or self.language(user, telegram_lang))
        zone = self.zone(user.region if user else None)
        if self._cached_for is not calendar:
            self._cached_for, self._static = calendar, {}
        key = (t.code, zone.key)
        if key not in self._static:
            self._static[key] = static_values(t, zone, calendar)
        return Reader(t, zone, calendar, now, self._static[key])
