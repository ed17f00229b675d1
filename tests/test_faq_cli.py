"""`sensus-bot faq ask` and `faq eval`: the evaluation interface."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.assistant import THRESHOLDS_FILE
from bot.domain.faq import OUT_OF_SCOPE, load_faq
from bot.domain.matching import Thresholds
from bot.i18n import LOCALES_DIR, load_i18n
from storage import Repository
from storage.engine import setting
from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent


def sensus(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    # Cross-validation trains three SVMs per fold: minutes on a busy machine.
    return run_cli(*args, stdin=stdin, env=env, timeout=600 if "--cv" in args else 60).stdout


def test_ask_reads_questions_from_stdin_and_writes_json_lines():
    out = sensus(
        "faq", "ask", "--lang", "en", "-", stdin="kapan sensus online ditutup?\nharga beras\n"
    )
    first, second = (json.loads(line) for line in out.splitlines())
    assert set(first) == {"question", "lang", "outcome", "topic", "candidates", "score", "answer"}
    assert (first["outcome"], first["topic"], first["lang"]) == ("answer", "online-when", "en")
    assert "March 31, 2020" in first["answer"] and "<b>" not in first["answer"]
    assert (second["outcome"], second["topic"], second["candidates"]) == ("fallback", None, [])
    assert "only help with the" in second["answer"]


def test_ask_reports_choices_and_small_talk_and_survives_titles_with_markup():
    out = sensus("faq", "ask", "--json", "-", stdin="sandi token password\nhalo\n")
    clarify, chat = (json.loads(line) for line in out.splitlines())
    assert clarify["outcome"] == "clarify" and clarify["topic"] is None
    assert "token-secret" in clarify["candidates"] and 2 <= len(clarify["candidates"]) <= 3
    assert "Jaga token & sandi" in clarify["answer"]  # the title as text, once
    assert (chat["outcome"], chat["candidates"]) == ("chat", [])
    assert chat["answer"].startswith("Halo! Saya asisten Sensus Penduduk 2020")
    text = sensus("faq", "ask", "sandi token password")
    assert text.splitlines()[0] == "Maksud Anda salah satu dari ini?"
    assert "• Jaga token & sandi" in text.splitlines()


def test_ask_uses_the_calendar_staff_applied(tmp_path):
    env = {"SENSUS_DB": str(tmp_path / "s.db")}
    revised = str(ROOT / "bot" / "calendars" / "sp2020-revisi.toml")
    run_cli("calendar", "apply", revised, "--yes", env=env)
    out = sensus("faq", "ask", "kapan sensus online ditutup?", env=env)
    assert "29 Mei 2020" in out


def test_ask_follows_the_selected_calendar():
    out = sensus(
        "faq", "ask", "kapan sensus online ditutup?", env={"SENSUS_CALENDAR": "sp2020-revisi"}
    )
    assert "29 Mei 2020" in out


def test_eval_reports_the_figures_with_out_of_scope_and_small_talk_lines(tmp_path):
    questions = tmp_path / "q.jsonl"
    lines = [
        {"q": "kapan sensus online ditutup?", "topic": "online-when", "lang": "id"},
        {"q": "harga beras di pasar", "topic": "out-of-scope", "lang": "id"},
        {"q": "thanks a lot", "topic": "small-talk", "lang": "en"},
    ]
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = json.loads(sensus("faq", "eval", str(questions)))
    assert (report["in_scope"], report["out_of_scope"], report["small_talk"]) == (1, 1, 1)
    assert report["confident_right"] == 1 and report["confident_wrong"] == 0
    assert report["out_of_scope_fallback"] == 1
    assert set(report["languages"]) == {"id", "en"}


def test_eval_refuses_an_unknown_topic_naming_the_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"q": "a", "topic": "online-when"}\n{"q": "b", "topic": "nope"}\n')
    done = run_cli("faq", "eval", str(questions), check=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "line 2: unknown topic 'nope'" in done.stderr


def test_eval_cross_validates_per_language_refits_and_says_what_a_gate_fitted_elsewhere_gives(
    tmp_path,
):
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    written = run_cli(
        "faq", "eval", "--cv", "2", "--write-thresholds",
        env={"SENSUS_LOCALES": str(locales)}, timeout=600,
    )  # fmt: skip
    figures = json.loads(written.stdout)
    assert set(figures["languages"]) == {"id", "en", "mkn"}
    for language in (figures, *figures["languages"].values()):
        assert 0 < language["confident_right"] <= language["helpful"] <= 1
        assert 0 <= language["confident_wrong"] <= 0.05
    assert figures["most_confused"] and len(figures["most_confused"][0]["topics"]) == 2
    honest = json.loads(written.stderr.split("answer gate fitted on other folds: ")[1])
    assert figures["confident_wrong"] <= 0.021 and honest["confident_wrong"] <= 0.03
    assert honest["confident_right"] > 0.5
    thresholds = Thresholds.load(locales / THRESHOLDS_FILE)
    assert thresholds != Thresholds.load(ROOT / "locales" / THRESHOLDS_FILE)  # 2 folds, not 5
    assert "--cv 2 --write-thresholds" in (locales / THRESHOLDS_FILE).read_text()


def test_unanswered_lists_what_residents_asked_without_an_answer(tmp_path):
    db = str(tmp_path / "s.db")
    sensus("shell", stdin="harga beras di pasar\n/quit\n", env={"SENSUS_DB": db})
    rows = [
        json.loads(line) for line in sensus("faq", "unanswered", env={"SENSUS_DB": db}).splitlines()
    ]
    assert [(r["text"], r["outcome"]) for r in rows] == [("harga beras di pasar", "fallback")]


async def test_reviewed_examples_are_exported_and_join_cross_validation(tmp_path, db_path):
    db = db_path
    repository = await Repository.open(db)
    now = datetime(2020, 2, 20, tzinfo=UTC)
    for text in ("sa pung ade baru lahir kemarin masuk hitungan ko sonde", "harga babi di pasar"):
        await repository.record_unanswered(text, "mkn", "fallback", None, 0.1, now)
    newest, oldest = await repository.pending_questions()
    await repository.decide([newest.id], "out-of-scope", 900, now)
    await repository.decide([oldest.id], "add-remove-member", 900, now)
    await repository.close()
    env = {"SENSUS_DB": setting(db)}

    target = tmp_path / "reviewed.jsonl"
    sensus("faq", "examples", "export", str(target), env=env)
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert lines == [  # in the order they were decided
        {"q": "harga babi di pasar", "topic": "out-of-scope", "lang": "mkn"},
        {"q": oldest.text, "topic": "add-remove-member", "lang": "mkn"},
    ]

    shipped = load_faq(LOCALES_DIR, load_i18n().codes).examples
    with_reviewed = json.loads(sensus("faq", "eval", "--cv", "2", env=env))
    assert with_reviewed["languages"]["mkn"]["questions"] == (
        sum(e.lang == "mkn" for e in shipped) + 2
    )
    assert with_reviewed["out_of_scope"] == sum(e.topic == OUT_OF_SCOPE for e in shipped) + 1


def test_export_without_a_database_fails_in_one_line(tmp_path):
    done = run_cli(
        "faq", "examples", "export", str(tmp_path / "x.jsonl"),
        env={"SENSUS_DB": str(tmp_path / "none.db")}, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
