"""Catalogs compile, cover every message in the code, and fall back to Indonesian."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, compile_po, load_i18n, load_languages
from bot.telegram_text import Refused, html_to_text

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = sorted(load_languages())
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def code_messages() -> set[str]:
    """Every msgid used in bot/ and handlers/."""
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
        ):
            found.update(message if isinstance(message, tuple) else (message,))
    return found


def catalog(lang: str):
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_compiles(lang):
    compile_po(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_message_in_the_code_is_translated(lang):
    translated = {m.id for m in catalog(lang) if m.id and m.string and not m.fuzzy}
    missing = code_messages() - translated
    assert not missing, f"untranslated in {lang}: {sorted(missing)[:5]}"


def test_the_template_is_up_to_date():
    with (LOCALES_DIR / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    assert code_messages() == template, "run the pybabel extract command from README.md"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_valid_html(lang):
    for message in catalog(lang):
        if not message.id or not message.string:
            continue
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), message.id
        try:
            html_to_text(message.string)
        except Refused as error:
            pytest.fail(f"{lang}: {message.string!r}: {error}")


def test_kupang_malay_falls_back_to_indonesian_and_formats_like_indonesian():
    i18n = load_i18n()
    mkn = i18n.translator("mkn")
    assert mkn._("Batal") == "Sonde jadi"
    assert mkn._("a message nobody translated") == "a message nobody translated"
    assert mkn.date(date(2020, 2, 15)) == "Sabtu, 15 Februari 2020"
    assert mkn.number(1234567.5) == "1.234.567,5"
    assert i18n.translator("en").date(date(2020, 2, 15)) == "Saturday, February 15, 2020"


def test_a_missing_kupang_string_falls_back_to_the_indonesian_catalog(tmp_path):
    for lang in ("id", "mkn"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "languages.toml").write_text(
        '[id]\nname = "Indonesia"\n[mkn]\nname = "Kupang"\nfallback = "id"\n'
    )
    header = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (tmp_path / "id" / "LC_MESSAGES" / "messages.po").write_text(
        header + 'msgid "Pesan"\nmsgstr "Pesan versi Indonesia"\n', encoding="utf-8"
    )
    (tmp_path / "mkn" / "LC_MESSAGES" / "messages.po").write_text(
        header + 'msgid "Pesan"\nmsgstr ""\n', encoding="utf-8"
    )
    assert load_i18n(tmp_path).translator("mkn")._("Pesan") == "Pesan versi Indonesia"


def test_unknown_language_codes_get_indonesian():
    i18n = load_i18n()
    assert i18n.translator("xx").code == "id"
    assert i18n.guess("fr", "id") == "id"
    assert i18n.guess("en-US", "id") == "en"
