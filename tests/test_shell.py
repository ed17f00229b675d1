"""`sensus-bot shell`: the same conversation in a terminal, with no network."""

import os
import subprocess
import sys


def test_shell_runs_the_conversation_offline(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SENSUS_"))}
    env |= {"SENSUS_DB": str(tmp_path / "s.db"), "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", "--name", "Rina"],
        input="/start\n2\n/privacy\n/xyz\n/quit\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = result.stdout
    assert "[2] English" in out
    assert "Hello Rina!" in out
    assert "Your data that I keep" in out
    assert "Sorry, I did not understand that." in out
    assert "[5] 🌐 Language" in out
    assert result.stderr == ""


def test_the_guide_is_usable_in_the_shell(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SENSUS_"))}
    env |= {"SENSUS_DB": str(tmp_path / "s.db")}
    steps = "/start\n1\n/panduan\n1\n2\n4\n5371010101900001\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell"],
        input=steps,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = result.stdout
    assert "Langkah 1 dari 10 · Siapkan dokumen" in out
    assert "Langkah 3 dari 10 · Masuk (login)" in out
    assert "[4] 🔎 Cek NIK" in out
    assert "(the bot deleted your message)" in out
    assert "Pemeriksaan NIK 5371••••••••0001" in out
    assert "5371010101900001" not in out.split("> ")[-1]
