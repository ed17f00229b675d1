"""Languages: gettext catalogs compiled from .po at start-up, chained to their fallback."""

import gettext
import io
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SOURCE_LANGUAGE = "id"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, at send time."""
    return message


@dataclass(frozen=True)
class Language:
    """One language the bot speaks, with where its strings and formats come from."""

    code: str
    name: str
    cldr: str
    telegram: str | None
    fallback: str | None


class Translator:
    """Strings, dates and numbers in one language; handlers get one per user."""

    def __init__(self, language: Language, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self.code = language.code
        self.locale = Locale.parse(language.cldr)
        self._catalog = catalog

    def _(self, message: str) -> str:
        """Translate a message (the msgid is the Indonesian text)."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message that depends on a count."""
        return self._catalog.ngettext(singular, plural, n)

    def date(self, value: date, fmt: str = "full") -> str:
        """Format a date, e.g. "Sabtu, 15 Februari 2020"."""
        return format_date(value, fmt, locale=self.locale)

    def time(self, value: datetime) -> str:
        """A clock time, e.g. "23.59" (id) or "11:59 PM" (en)."""
        return format_time(value, "short", locale=self.locale)

    def datetime(self, value: datetime, zone: tzinfo, fmt: str = "full") -> str:
        """Format a moment in a time zone."""
        return format_datetime(value, fmt, tzinfo=zone, locale=self.locale)

    def number(self, value: float) -> str:
        """Format a number with the language's separators."""
        return format_decimal(value, locale=self.locale)


class I18n:
    """All languages and their compiled catalogs, loaded once."""

    def __init__(
        self,
        languages: dict[str, Language],
        translators: dict[str, Translator],
        ui_share: dict[str, float] | None = None,
    ):
        self.languages = languages
        self._translators = translators
        self.ui_share = ui_share or dict.fromkeys(languages, 1.0)

    @property
    def codes(self) -> frozenset[str]:
        """The codes of every language the bot speaks."""
        return frozenset(self.languages)

    def translator(self, code: str | None) -> Translator:
        """The translator for ``code``; the source language for anything unknown."""
        return self._translators.get(code or "", self._translators[SOURCE_LANGUAGE])

    def offered(self, min_share: float) -> dict[str, Language]:
        """The languages residents may choose: at least ``min_share`` of the UI translated."""
        return {
            code: language
            for code, language in self.languages.items()
            if code == SOURCE_LANGUAGE or self.ui_share.get(code, 0.0) >= min_share
        }

    def guess(
        self, telegram_language_code: str | None, default: str, min_share: float = 0.0
    ) -> str:
        """First guess of a user's language from their Telegram app's language."""
        base = (telegram_language_code or "").split("-")[0].lower()
        return base if base in self.offered(min_share) else default


def load_languages(locales_dir: Path = LOCALES_DIR) -> dict[str, Language]:
    """Read locales/languages.toml."""
    data = tomllib.loads((locales_dir / "languages.toml").read_text(encoding="utf-8"))
    return {
        code: Language(
            code=code,
            name=entry["name"],
            cldr=entry.get("cldr", SOURCE_LANGUAGE),
            telegram=entry.get("telegram"),
            fallback=entry.get("fallback"),
        )
        for code, entry in data.items()
    }


def read_catalog(path: Path) -> Catalog:
    """A .po or .pot file."""
    with path.open("rb") as f:
        return read_po(f)


def translated_ids(catalog: Catalog) -> set[str]:
    """The msgids a catalog translates (not fuzzy, every plural form filled)."""
    found = set()
    for message in list(catalog)[1:]:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.fuzzy and all(strings):
            found.add(message.id if isinstance(message.id, str) else message.id[0])
    return found


def compile_po(path: Path) -> gettext.GNUTranslations:
    """Compile one .po file in memory, leaving out untranslated and fuzzy entries."""
    return compile_catalog(read_catalog(path))


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    """Compile a catalog in memory, leaving out untranslated and fuzzy entries."""
    for message in list(catalog)[1:]:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # write_mo would store an untranslated plural as its msgid, hiding the fallback.
        if message.fuzzy or not all(strings):
            catalog.delete(message.id, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_i18n(locales_dir: Path = LOCALES_DIR) -> I18n:
    """Load every language and chain each catalog to its fallback language."""
    languages = load_languages(locales_dir)
    template = locales_dir / "messages.pot"
    wanted = {m.id for m in read_catalog(template) if m.id} if template.exists() else set()
    catalogs: dict[str, gettext.NullTranslations] = {}
    share: dict[str, float] = {}
    for code in languages:
        po = locales_dir / code / "LC_MESSAGES" / "messages.po"
        catalog = read_catalog(po) if po.exists() else Catalog()
        done = translated_ids(catalog)
        share[code] = len(done & wanted) / len(wanted) if wanted else 1.0
        catalogs[code] = compile_catalog(catalog) if po.exists() else gettext.NullTranslations()
    for code, language in languages.items():
        if language.fallback:
            catalogs[code].add_fallback(catalogs[language.fallback])
    return I18n(
        languages,
        {code: Translator(languages[code], catalogs[code]) for code in languages},
        share,
    )
