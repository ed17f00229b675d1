"""The CLI with ``SENSUS_DB=postgresql://…``: the commands work on it, ``backup`` points at
pg_dump, and a wrong or unreachable server is one line with the password masked."""

import json

import pytest

from tests.databases import rows
from tests.harness import run_cli

UNREACHABLE = "postgresql://sensus:hunter2@127.0.0.1:1/sensus"


def sensus_bot(*args: str, db: str) -> tuple[int, list[str], list[str]]:
    done = run_cli(*args, env={"SENSUS_DB": db}, check=False)
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


@pytest.mark.parametrize(
    "args",
    [("doctor",), ("faq", "unanswered"), ("stats", "--csv", "out.csv"), ("calendar", "show")],
)
def test_an_unreachable_server_is_one_line_with_the_password_masked(args, tmp_path):
    if args[0] == "stats":
        args = ("stats", "--csv", str(tmp_path / "out.csv"))
    status, out, err = sensus_bot(*args, db=UNREACHABLE)
    printed = "\n".join(out + err)
    assert status != 0 and "hunter2" not in printed and "Traceback" not in printed, printed
    assert "postgresql://sensus:***@127.0.0.1:1/sensus" in printed
    if args[0] != "doctor":  # the doctor lists every check, one line each
        assert len(err) == 1 and not out, printed


def test_backup_on_postgresql_refuses_and_names_pg_dump(postgres_url, tmp_path):
    status, out, err = sensus_bot("backup", str(tmp_path / "copy.db"), db=postgres_url.url)
    assert status != 0 and not out and len(err) == 1 and "use pg_dump" in err[0]
    assert not (tmp_path / "copy.db").exists()


def test_commands_work_on_a_postgresql_database(postgres_url, tmp_path):
    calendar = sensus_bot("calendar", "show", db=postgres_url.url)
    assert calendar[0] == 0 and calendar[1][0].startswith("census sp2020"), calendar
    rows(
        postgres_url,
        "INSERT INTO unanswered_questions (asked_at, lang, text, outcome, score)"
        " VALUES ('2020-03-01T02:00:00+00:00', 'id', 'kapal ke Rote', 'fallback', 0.1)",
    )
    status, out, _ = sensus_bot("faq", "unanswered", db=postgres_url.url)
    assert status == 0 and json.loads(out[0])["text"] == "kapal ke Rote"
    status, out, _ = sensus_bot("stats", "--csv", str(tmp_path / "p.csv"), db=postgres_url.url)
    assert status == 0 and (tmp_path / "p.csv").read_text(encoding="utf-8")
    status, out, err = sensus_bot("doctor", db=postgres_url.url)
    database = [line for line in out + err if "database" in line]
    assert database and "0 users" in database[0] and "***" not in database[0], out + err
