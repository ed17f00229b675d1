"""The translators' workflow on a copy of locales/ and the calendars: status, export,
import, review state, adding a language, and the language picker."""

import csv
import os
import re
import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.domain.assistant import FaqEngine
from bot.i18n import LOCALES_DIR, load_i18n
from bot.texts import CODE_ROOT, ui_uses
from offline.fake_telegram import FakeTelegram
from tests.harness import run_bot

CALENDARS = CODE_ROOT / "bot" / "calendars"


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of locales/ and the calendars, which the CLI is pointed at."""
    shutil.copytree(LOCALES_DIR, tmp_path / "locales", ignore=shutil.ignore_patterns("*.py*"))
    shutil.copytree(CALENDARS, tmp_path / "calendars", ignore=shutil.ignore_patterns("*.py*"))
    for name in list(os.environ):
        if name.startswith(("SENSUS_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SENSUS_LOCALES", str(tmp_path / "locales"))
    monkeypatch.setenv("SENSUS_CALENDAR", str(tmp_path / "calendars" / "sp2020.toml"))
    monkeypatch.setenv("SENSUS_NOW", "2020-02-01T09:00+08:00")
    return tmp_path


def snapshot(root: Path) -> dict[Path, bytes]:
    """Every file under root, by content."""
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def project_files(copy: Path) -> dict[Path, bytes]:
    """The copy's texts (locales and calendars), without the CSVs the tests write."""
    return snapshot(copy / "locales") | snapshot(copy / "calendars")


def export(copy: Path, lang: str, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    """Run ``i18n export`` and read the CSV back."""
    assert main(["i18n", "export", "--lang", lang, str(copy / f"{lang}.csv")]) == 0
    capsys.readouterr()
    raw = (copy / f"{lang}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    with (copy / f"{lang}.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def save(copy: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    """Write rows as a spreadsheet would."""
    path = copy / "edited.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def edit(rows: list[list[str]], key: str, text: str) -> int:
    """Set the language column of a key's row; its spreadsheet row number."""
    for number, row in enumerate(rows, 1):
        if row[0] == key:
            row[5] = text
            return number
    raise AssertionError(f"no row {key}")


def cell(rows: list[list[str]], key: str, column: int) -> str:
    return next(row[column] for row in rows if row[0] == key)


def test_an_unchanged_import_changes_no_byte(copy, capsys):
    before = project_files(copy)
    rows = export(copy, "mkn", capsys)
    kinds = {row[1] for row in rows[1:]}
    assert {"UI strings", "bot descriptions", "FAQ answers", "guide texts"} <= kinds
    assert {"calendar texts", "example questions"} <= kinds
    assert main(["i18n", "import", str(copy / "mkn.csv")]) == 0
    assert "0 texts changed" in capsys.readouterr().out
    assert project_files(copy) == before


def test_one_edited_answer_changes_exactly_that_answer(copy, capsys):
    faq = copy / "locales" / "mkn" / "faq.toml"
    before, old = project_files(copy), tomllib.loads(faq.read_text(encoding="utf-8"))
    rows = export(copy, "mkn", capsys)
    key = "faq:online-when.answer.online.open"  # one phase variant of the answer
    source = cell(rows, key, 3)
    new = (
        "Isi online sampe <b>{online_end}</b> jam {online_end_time}"
        " ({online_end_local}), tinggal {online_left}, di {site}."
    )
    assert set(re.findall(r"\{\w+\}", source)) == {
        "{online_end}",
        "{online_end_time}",
        "{online_end_local}",
        "{online_left}",
        "{site}",
    }
    edit(rows, key, new)
    # Saved by a spreadsheet in an Indonesian locale: semicolons.
    assert main(["i18n", "import", str(save(copy, rows, delimiter=";"))]) == 0
    assert "1 texts changed (1 FAQ answers)" in capsys.readouterr().out
    after = project_files(copy)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {Path("mkn/faq.toml")}
    old["online-when"]["answer"]["online"]["open"] = new
    assert tomllib.loads(faq.read_text(encoding="utf-8")) == old
    engine = FaqEngine.load(copy / "locales", load_i18n(copy / "locales").codes)
    assert new in str(engine.content.topics["online-when"].answers["mkn"])


def test_invalid_rows_are_all_reported_and_nothing_is_written(copy, capsys):
    before = project_files(copy)
    rows = export(copy, "mkn", capsys)
    placeholder = edit(
        rows, "faq:online-when.answer.online.open", "Sensus online buka {online_start}."
    )
    tag = edit(rows, "faq:cost-free.answer", "<div>Token tu kode rahasia.</div>")
    button = next(n for n, r in enumerate(rows, 1) if r[3] == "Batal")
    rows[button - 1][5] = "Sonde jadi, beta mo kembali ke menu utama sa"
    rows.append(["faq:no-such-topic.answer", "", "", "", "", "Apa sa", ""])
    unknown = len(rows)
    fine = edit(rows, "faq:field-when.title", "Petugas datang kapan?")
    assert main(["i18n", "import", str(save(copy, rows))]) == 2
    err = capsys.readouterr().err
    assert f"row {placeholder}: faq:online-when.answer.online.open: placeholders differ" in err
    assert "missing {online_end_local} {online_end_time} {online_end} {online_left} {site}" in err
    assert f'row {tag}: faq:cost-free.answer: HTML: Unsupported start tag "div"' in err
    assert f"row {button}: " in err and "44 characters, at most 30 allowed here" in err
    assert f"row {unknown}: unknown key 'faq:no-such-topic.answer'" in err
    assert f"row {fine}:" not in err
    assert "4 problem(s); nothing was written" in err
    assert project_files(copy) == before


def test_reviews_are_recorded_and_go_stale_when_the_indonesian_changes(copy, capsys):
    rows = export(copy, "mkn", capsys)
    only = [rows[0]] + [r for r in rows[1:] if r[0].startswith("calendar:sp2020:")]
    assert main(["i18n", "import", str(save(copy, only)), "--reviewer", "Maria Ndun"]) == 0
    assert "marked reviewed by Maria Ndun" in capsys.readouterr().out
    rows = export(copy, "mkn", capsys)
    key = "calendar:sp2020:reminder.online-open.text"
    assert cell(rows, key, 6) == "reviewed by Maria Ndun, 2020-02-01"
    assert main(["i18n", "status"]) == 0
    reviewed = [line for line in capsys.readouterr().out.splitlines() if "calendar texts" in line]
    assert reviewed[-1].endswith("reviewed 9")  # mkn: the nine texts of sp2020.toml
    calendar = copy / "calendars" / "sp2020.toml"
    text = calendar.read_text(encoding="utf-8")
    calendar.write_text(
        text.replace("Sensus Penduduk Online sudah dibuka!", "Sensus online dibuka!")
    )
    rows = export(copy, "mkn", capsys)
    assert cell(rows, key, 6).startswith("stale (reviewed by Maria Ndun")


def test_a_new_language_needs_only_add_and_one_round_trip(copy, capsys):
    assert main(["i18n", "add", "xx", "--name", "Bahasa Uji", "--telegram", "xx"]) == 0
    capsys.readouterr()
    assert main(["i18n", "status", "--require-complete", "xx"]) == 1
    assert "xx: missing UI strings" in capsys.readouterr().err
    rows = export(copy, "xx", capsys)
    assert rows[0][5] == "xx: Bahasa Uji" and all(row[5] == "" for row in rows[1:])
    for row in rows[1:]:
        row[5] = row[3]  # the test's "translation": the Indonesian text
    edit(rows, "faq:already-filled-visit.title", "Su isi, petugas datang?")  # source > 30
    batal = next(n for n, r in enumerate(rows, 1) if r[3] == "Batal")
    rows[batal - 1][5] = "Batal-xx"
    edit(rows, "faq:online-when.title", "Kapan xx online?")
    assert main(["i18n", "import", str(save(copy, rows))]) == 0
    capsys.readouterr()
    assert main(["i18n", "status", "--require-complete", "xx"]) == 0
    i18n = load_i18n(copy / "locales")
    assert i18n.translator("xx")._("Batal") == "Batal-xx"
    assert i18n.offered(0.8).keys() == {"id", "en", "mkn", "xx"}
    engine = FaqEngine.load(copy / "locales", i18n.codes)
    assert engine.content.topics["online-when"].title("xx") == "Kapan xx online?"
    # One text fewer, and it is incomplete again.
    edit(rows, "faq:online-when.title", "")
    faq = copy / "locales" / "xx" / "faq.toml"
    faq.write_text(faq.read_text(encoding="utf-8").replace('title = "Kapan xx online?"\n', ""))
    assert main(["i18n", "status", "--require-complete", "xx"]) == 1


def test_add_refuses_what_it_cannot_create(copy, capsys):
    assert main(["i18n", "add", "mkn", "--name", "Lagi"]) == 2
    assert main(["i18n", "add", "Tetun", "--name", "Tetun"]) == 2
    assert main(["i18n", "add", "tet", "--name", "Tetun", "--telegram", "tet"]) == 2
    err = capsys.readouterr().err
    assert "mkn already exists" in err and "2-3 lowercase letters" in err
    assert "two-letter" in err


def language_settings(copy: Path, base: Settings) -> Settings:
    return replace(
        base, locales_dir=copy / "locales", calendar_path=copy / "calendars" / "sp2020.toml"
    )


async def test_the_picker_hides_a_mostly_untranslated_language(
    copy, telegram: FakeTelegram, settings: Settings
):
    assert main(["i18n", "add", "tet", "--name", "Tetun"]) == 0
    tetun = language_settings(copy, settings)
    async with run_bot(telegram, tetun) as bot:
        maria = bot.person(2001, "Maria", language_code="tet")
        shown = await maria.send("/start")
        assert maria.buttons() == ["Bahasa Indonesia", "English", "Bahasa Kupang"]
        assert shown[0]["text"].splitlines() == [
            "🌐 Pilih bahasa Anda",
            "Choose your language",
            "Pili lu pung bahasa",
        ]
        await maria.press_data("lang:set:tet", shown[0])  # a forged or stale button
        user = await bot.services.repo.get_user(2001)
        assert user is not None and user.lang == "id"
    async with run_bot(telegram, replace(tetun, picker_threshold=0.0)) as bot:
        yos = bot.person(2002, "Yos")
        await yos.send("/start")
        assert "Tetun" in yos.buttons()
        shown = await yos.press("Tetun")
        assert shown[0]["text"].startswith("✅ Bahasa: Tetun")  # falls back to Indonesian


def test_button_labels_are_found_in_the_code():
    uses = ui_uses()
    for label in ("Batal", "Lanjut ➡️", "Token dikirim", "▶️ Lanjut di langkah {number}"):
        assert uses[label].button, label
    assert not uses["Pilih bahasa Anda"].button
    assert "handlers/language.py" in uses["Pilih bahasa Anda"].files
