"""`sensus-bot shell`: the same conversation in a terminal, with no network."""

from tests.harness import run_cli


def test_shell_runs_the_conversation_offline(tmp_path):
    env = {"SENSUS_DB": str(tmp_path / "s.db"), "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    stdin = "/start\n2\n/privacy\n/xyz\n/quit\n"
    result = run_cli("shell", "--name", "Rina", stdin=stdin, env=env, cwd=tmp_path)
    out = result.stdout
    assert "[2] English" in out
    assert "Hello Rina!" in out
    assert "Your data that I keep" in out
    assert "Sorry, I did not understand that." in out
    assert "[5] 🌐 Language" in out
    assert result.stderr == ""


def test_the_guide_is_usable_in_the_shell(tmp_path):
    stdin = "/start\n1\n/panduan\n1\n2\n4\n5371010101900001\n/quit\n"
    env = {"SENSUS_DB": str(tmp_path / "s.db"), "SENSUS_NOW": "2020-03-10T10:00+08:00"}
    result = run_cli("shell", stdin=stdin, env=env, cwd=tmp_path)
    out = result.stdout
    assert "Langkah 1 dari 10 · Siapkan dokumen" in out
    assert "Langkah 3 dari 10 · Masuk (login)" in out
    assert "[4] 🔎 Cek NIK" in out
    assert "(the bot deleted your message)" in out
    assert "Pemeriksaan NIK 5371••••••••0001" in out
    assert "5371010101900001" not in out.split("> ")[-1]
