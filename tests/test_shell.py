"""`sensus-bot shell`: the same conversation in a terminal, with no network."""

import signal
import subprocess

from tests.harness import at_prompt, run_cli


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


def test_ctrl_c_ends_the_shell_at_once(tmp_path):
    env = {"SENSUS_DB": str(tmp_path / "s.db")}
    # stdin stays open: the shell waits for the next line
    with at_prompt("shell", prompt=b"> ", stdin=subprocess.PIPE, env=env, cwd=tmp_path) as shell:
        shell.send_signal(signal.SIGINT)
        assert shell.wait(timeout=15) == 130
        assert shell.stderr.read() == b""


def test_staff_complete_a_broadcast_that_needs_replies_in_the_shell(tmp_path):
    env = {"SENSUS_DB": str(tmp_path / "s.db"), "SENSUS_ADMINS": "1"}
    lines = [
        "/start",
        "1",  # Bahasa Indonesia
        "/siaran Sensus online dibuka.",
        "1",  # Semua warga: the preview, message #5
        "3",  # ➕ Teks English: a prompt to reply to
        "Census online opens.",
        "5.2",  # ⏰ Jadwalkan on the first preview, under a newer one
        "2020-09-01 08:00",
        "/quit",
    ]
    stdin = "\n".join(lines) + "\n"
    result = run_cli("--now", "2020-08-01T08:00+08:00", "shell", stdin=stdin, env=env, cwd=tmp_path)
    out = result.stdout
    assert "reply: the next line you type answers this message" in out
    assert "Teks tertulis: English, Bahasa Indonesia" in out
    assert "🕒 Siaran #1 dijadwalkan 1 Sep 2020" in out and "untuk 1 penerima" in out
    assert "Maaf" not in out  # no typed line went astray as a question
    assert result.stderr == ""


def test_earlier_buttons_stay_pressable_in_the_shell(tmp_path):
    stdin = "/start\n1\n/bahasa\n3.2\n/quit\n"  # 3.2: 📝 Panduan of the main menu (#3)
    result = run_cli("shell", stdin=stdin, env={"SENSUS_DB": str(tmp_path / "s.db")}, cwd=tmp_path)
    out = result.stdout.split("/bahasa")[-1]
    assert "bot #3:" in result.stdout and "[2] 📝 Panduan mengisi" in result.stdout
    assert "Langkah 1 dari 10" in out  # not "2": English, on the newer language picker
    assert "Language: English" not in out


def test_the_shell_help_lists_its_keys():
    result = run_cli("shell", "--help")
    assert "4.2    press button 2 of message #4" in result.stdout
    assert "the next line you type is your reply" in result.stdout
