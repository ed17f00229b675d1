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
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    out = result.stdout
    assert "[2] English" in out
    assert "Hello Rina!" in out
    assert "Your data that I keep" in out
    assert "Sorry, I did not understand that." in out
    assert "[3] 🌐 Language" in out
    assert result.stderr == ""
