"""The ``sensus-bot`` CLI never shows a traceback: each mistake is one line and a non-zero exit,
a closed pipe ends quietly; all through real processes of the installed command."""

import asyncio
import os
import pty
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.config import load_settings
from offline.fake_telegram import TOKEN
from offline.processes import clean_env
from storage import Repository
from tests.harness import at_prompt

SENSUS_BOT = Path(sys.executable).with_name("sensus-bot")
REVISED = Path(__file__).parents[1] / "bot" / "calendars" / "sp2020-revisi.toml"
NOT_UTF8 = "Jadwal sensus berubah: caf\xe9".encode("latin-1")


@dataclass(frozen=True)
class Case:
    """One mistake: the command line ({dir}: the test's folder; {api}: a web server that is
    not a Bot API), what the one line must say, and where it is printed."""

    name: str
    args: tuple[str, ...]
    says: str
    env: dict[str, str] = field(default_factory=dict)
    stdin: str = ""
    report: bool = False  # doctor: the line is the one ✗ of its report on stdout


BROADCAST = ("broadcast", "--text-file", "{dir}/id.txt")
CASES = [
    Case("config not UTF-8", ("--config", "{dir}/latin1.toml", "doctor"), "--config: "),
    Case(
        "calendar apply not UTF-8",
        ("calendar", "apply", "{dir}/latin1.toml", "--yes"),
        "latin1.toml is not UTF-8",
    ),
    Case("calendar apply without a terminal", ("calendar", "apply", str(REVISED)), "add --yes"),
    Case("broadcast without a terminal", (*BROADCAST, "--to", "all"), "add --yes", stdin="y\n"),
    Case("broadcast --at tomorrow", (*BROADCAST, "--to", "all", "--at", "tomorrow"), "--at: "),
    Case(
        "broadcast text not UTF-8",
        ("broadcast", "--text-file", "{dir}/latin1.txt", "--to", "all", "--yes"),
        "--text-file: ",
    ),
    Case("broadcast without --to", (*BROADCAST, "--yes"), "--to: say who receives it"),
    Case(
        "broadcast to a region that does not exist",
        (*BROADCAST, "--to", "region:99", "--yes"),
        "no province or regency has the code 99",
    ),
    Case(
        "broadcast in the past",
        ("--now", "2020-03-01T08:00", *BROADCAST, "--to", "all", "--at", "2020-03-01T07:59"),
        "is in the past",
    ),
    Case(
        "broadcast to nobody",
        (*BROADCAST, "--to", "lang:en", "--yes"),
        "nobody would receive it (lang:en)",
    ),
    Case("shell as its own bot", ("shell", "--user-id", "4242"), "--user-id: ", stdin="/start\n"),
    Case(
        "run: 200 with a web page",
        ("run",),
        "{api}/html does not look like a Bot API server",
        env={"TELEGRAM_API_URL": "{api}/html"},
    ),
    Case(
        "run: 404 with nothing",
        ("run",),
        "{api}/empty does not look like a Bot API server",
        env={"TELEGRAM_API_URL": "{api}/empty"},
    ),
    Case(
        "doctor: 200 with a web page",
        ("doctor",),
        "{api}/html does not look like a Bot API server",
        env={"TELEGRAM_API_URL": "{api}/html"},
        report=True,
    ),
    Case(
        "doctor: 404 with nothing",
        ("doctor",),
        "{api}/empty does not look like a Bot API server",
        env={"TELEGRAM_API_URL": "{api}/empty"},
        report=True,
    ),
]


@pytest.fixture(scope="module")
def not_bot_api() -> Iterator[str]:
    """A web server on 127.0.0.1 that is no Bot API: ``/html/...`` answers 200 with a web
    page, ``/empty/...`` 404 with an empty body."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>It works!</body></html>", content_type="text/html")

    async def nothing(request: web.Request) -> web.Response:
        return web.Response(status=404)

    app = web.Application()
    app.router.add_route("*", "/html/{rest:.*}", page)
    app.router.add_route("*", "/empty/{rest:.*}", nothing)
    runner = web.AppRunner(app)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.run_until_complete(runner.cleanup())
    loop.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Files the cases use, and a database with one Indonesian resident in Kota Kupang."""
    (tmp_path / "latin1.toml").write_bytes(b'SENSUS_TZ = "' + NOT_UTF8 + b'"\n')
    (tmp_path / "latin1.txt").write_bytes(NOT_UTF8)
    (tmp_path / "id.txt").write_text("Sensus online dibuka.", encoding="utf-8")

    async def seed() -> None:
        repo = await Repository.open(tmp_path / "s.db")
        await repo.seen_user(1, "id", datetime(2020, 2, 1, tzinfo=UTC))
        await repo.set_region(1, "53.71", "Asia/Makassar")
        await repo.close()

    asyncio.run(seed())
    return tmp_path


def sensus(
    *args: str,
    folder: Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    """The installed ``sensus-bot`` with ``args`` ({dir} is ``folder``), on the folder's
    database; stdin is a pipe, so never a terminal."""
    environment = clean_env() | {"SENSUS_DB": str(folder / "s.db"), "TELEGRAM_BOT_TOKEN": TOKEN}
    return subprocess.run(
        [str(SENSUS_BOT), *(arg.replace("{dir}", str(folder)) for arg in args)],
        input=stdin,
        env=environment | (env or {}),
        cwd=folder,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_mistake_is_one_line_and_a_non_zero_exit(case: Case, folder: Path, not_bot_api):
    def filled(text: str) -> str:
        return text.format(dir=folder, api=not_bot_api)

    env = {name: filled(value) for name, value in case.env.items()}
    result = sensus(*map(filled, case.args), folder=folder, stdin=case.stdin, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    if case.report:
        assert result.stderr == ""
        [line] = [line for line in result.stdout.splitlines() if line.startswith("✗")]
    else:
        [line] = result.stderr.splitlines()
        assert line.startswith("sensus-bot: error: ")
    assert filled(case.says) in line
    assert "token" not in line.lower()  # none of these is the token's fault


PIPE_CASES = {
    "calendar show | head": (("calendar", "show"), ""),
    "faq ask - | head": (("faq", "ask", "-"), "Kapan sensus online?\nApa itu SP2020?\n"),
    "shell | head": (("shell",), "/start\n1\n/jadwal\n/quit\n"),
}


@pytest.mark.parametrize("name", PIPE_CASES)
def test_a_closed_pipe_ends_quietly(name: str, folder: Path):
    args, stdin = PIPE_CASES[name]
    reader, writer = os.pipe()
    os.close(reader)  # as `| head` does once it has its lines
    try:
        result = sensus(*args, folder=folder, stdin=stdin, stdout=writer)
    finally:
        os.close(writer)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_time_without_a_zone_is_read_in_sensus_tz(folder: Path):
    jayapura = ZoneInfo("Asia/Jayapura")
    settings = load_settings({"SENSUS_NOW": "2020-03-01T08:00", "SENSUS_TZ": "Asia/Jayapura"})
    assert settings.now == datetime(2020, 3, 1, 8, tzinfo=jayapura)
    # In UTC, --now would be 17:00 in Jayapura and 08:30 there already past.
    now, at = ("--now", "2020-03-01T08:00"), ("--at", "2020-03-01T08:30")
    env = {"SENSUS_TZ": "Asia/Jayapura"}
    result = sensus(*now, *BROADCAST, "--to", "all", *at, "--yes", folder=folder, env=env)
    assert result.returncode == 0, result.stderr
    assert "queued for 1" in result.stdout

    async def queued_time() -> float:
        repo = await Repository.open(folder / "s.db")
        try:
            broadcast = await repo.broadcast(1)
            assert broadcast is not None
            return broadcast.not_before
        finally:
            await repo.close()

    assert asyncio.run(queued_time()) == datetime(2020, 3, 1, 8, 30, tzinfo=jayapura).timestamp()


@pytest.mark.parametrize("typed", ["y", "Ctrl-C"])
def test_a_confirmation_at_the_terminal_takes_y_and_ctrl_c_ends_it_at_once(typed, folder):
    terminal, keyboard = pty.openpty()  # stdin a terminal: the CLI asks there
    env = {"SENSUS_DB": str(folder / "s.db")}
    apply = ("calendar", "apply", str(REVISED))
    try:
        with at_prompt(*apply, prompt=b"apply? [y/N] ", stdin=keyboard, env=env, cwd=folder) as cli:
            if typed == "y":
                os.write(terminal, b"y\n")
                assert cli.wait(timeout=30) == 0
                assert b"applied as revision 1" in cli.stdout.read()
            else:
                cli.send_signal(signal.SIGINT)
                assert cli.wait(timeout=15) == 130
            assert cli.stderr.read() == b""
    finally:
        os.close(terminal)
        os.close(keyboard)
