"""`sensus-bot doctor`: every check in plain words, exit status 1 when something must be fixed."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from offline.fake_telegram import FakeTelegram
from offline.processes import free_port
from tests.harness import run_cli
from tests.test_flood import REDIS


async def doctor(env: dict[str, str]) -> tuple[int, list[str]]:
    result = await asyncio.to_thread(run_cli, "doctor", env=env, check=False)
    return result.returncode, result.stdout.splitlines()


async def test_a_ready_setup_passes_every_check(telegram: FakeTelegram, tmp_path):
    env = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "SENSUS_DB": str(tmp_path / "sensus.db"),
        "SENSUS_ADMINS": "900",
    }
    status, lines = await doctor(env)
    assert status == 0, lines
    assert lines[-1] == "ready to run"
    assert f"✓ Bot API: {telegram.url} answers as @sensus_test_bot" in lines
    assert "✓ content: 42 FAQ topics, 11 guide steps" in lines
    # Missing translations are worth a warning, never a failure.
    assert not [line for line in lines if line.startswith(("✗", "!")) and "languages" not in line]
    english = next(line for line in lines if "languages: English:" in line)
    assert "UI strings" in english and "FAQ answers" in english and "reviewed" in english


async def test_each_problem_is_named_in_plain_words(telegram: FakeTelegram, tmp_path):
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as raw:
        raw.execute("PRAGMA user_version = 999")
    env = {"TELEGRAM_BOT_TOKEN": "1:wrong", "TELEGRAM_API_URL": telegram.url}
    status, lines = await doctor(env | {"SENSUS_DB": str(newer)})
    assert status == 1
    assert any(
        line.startswith("✗ database:") and "newer than this sensus-bot" in line for line in lines
    )
    assert "✗ Bot API: TELEGRAM_BOT_TOKEN: rejected by the Bot API (check the token)" in lines
    assert "! settings: SENSUS_ADMINS is empty: nobody can appoint staff" in lines

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    status, lines = await doctor({"SENSUS_DB": str(damaged)})
    assert status == 1
    assert any(line.startswith("✗ database:") and "not a usable SQLite" in line for line in lines)
    assert "✗ settings: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)" in lines


def settings_env(telegram: FakeTelegram, tmp_path: Path) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "SENSUS_DB": str(tmp_path / "sensus.db"),
        "SENSUS_ADMINS": "900",
    }


async def test_a_configured_redis_that_does_not_answer_must_be_fixed(
    telegram: FakeTelegram, tmp_path: Path
):
    env = settings_env(telegram, tmp_path)
    status, lines = await doctor(env)
    assert not [line for line in lines if "Redis" in line]  # not configured: not mentioned
    port = free_port()
    status, lines = await doctor(env | {"SENSUS_REDIS": f"redis://:pw-secret@127.0.0.1:{port}/0"})
    assert status == 1
    assert (
        f"✗ Redis: 127.0.0.1:{port} does not answer (SENSUS_REDIS); flood control is off" in lines
    )
    assert not [line for line in lines if "pw-secret" in line]


@pytest.mark.skipif(not REDIS, reason="SENSUS_TEST_REDIS (redis://HOST:PORT/DB) not set")
async def test_a_configured_redis_that_answers_passes(telegram: FakeTelegram, tmp_path: Path):
    assert REDIS is not None
    status, lines = await doctor(settings_env(telegram, tmp_path) | {"SENSUS_REDIS": REDIS})
    assert status == 0, lines
    assert any(line.startswith("✓ Redis: ") and "flood counts are shared" in line for line in lines)
