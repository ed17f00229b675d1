"""`sensus-bot faq ask` and `faq eval`: the evaluation interface."""

import json
from pathlib import Path

from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent


def sensus(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    return run_cli(*args, stdin=stdin, env=env).stdout


def test_ask_reads_questions_from_stdin_and_writes_json_lines():
    out = sensus(
        "faq", "ask", "--lang", "en", "-", stdin="kapan sensus online ditutup?\nharga beras\n"
    )
    first, second = (json.loads(line) for line in out.splitlines())
    assert set(first) == {"question", "lang", "topic", "score", "answer"}
    assert (first["topic"], first["lang"]) == ("online-when", "en")
    assert "March 31, 2020" in first["answer"] and "<b>" not in first["answer"]
    assert second["topic"] is None and "only help with the" in second["answer"]


def test_ask_follows_the_selected_calendar():
    out = sensus(
        "faq", "ask", "kapan sensus online ditutup?", env={"SENSUS_CALENDAR": "sp2020-revisi"}
    )
    assert "29 Mei 2020" in out


def test_eval_reports_the_figures():
    report = json.loads(sensus("faq", "eval", str(ROOT / "bench" / "faq-holdout.jsonl")))
    assert report["questions"] == report["in_scope"] + report["out_of_scope"] > 0
    assert 0.9 <= report["top1_accuracy"] <= 1


def test_unanswered_lists_what_residents_asked_without_an_answer(tmp_path):
    db = str(tmp_path / "s.db")
    sensus("shell", stdin="harga beras di pasar\n/quit\n", env={"SENSUS_DB": db})
    rows = [
        json.loads(line) for line in sensus("faq", "unanswered", env={"SENSUS_DB": db}).splitlines()
    ]
    assert [(r["text"], r["outcome"]) for r in rows] == [("harga beras di pasar", "fallback")]
