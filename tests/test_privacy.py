"""A NIK, KK number, token or password is never stored, logged, echoed or forwarded: in any
spelling, split in two, in an edit, a caption, a name, an error text or a database file."""

import asyncio
import io
import logging
import os
import re
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import build_application, running
from bot.config import Settings
from bot.domain.identity import contains_secret, find_number, mask_private
from bot.logs import setup_logging
from offline.fake_telegram import TOKEN
from offline.processes import seed_broadcast
from storage import Repository
from storage.engine import Location
from tests import databases
from tests.conftest import ADMIN_ID
from tests.databases import rows, stored_text
from tests.harness import (
    RunningBot,
    eventually,
    invitation_code,
    ready,
    rt_head_with_group,
    run_cli,
)
from tests.privacy_scan import PrivacyScan

NIK = "5371014501900001"  # Kota Kupang, a woman born 05-01-90
SEPARATED = [  # NIK as people type it (or paste it from a document)
    "5371014501900001",
    "5371 0145 0190 0001",
    "5371\u00a00145\u00a00190\u00a00001",  # no-break space
    "5371\u202f0145\u202f0190\u202f0001",  # narrow no-break space
    "5371\u200b0145\u200b0190\u200b0001",  # zero-width space
    "5371\u200c0145\u200d0190\u20600001",  # zero-width non-joiner, joiner, word joiner
    "5371\u00ad0145\u00ad0190\u00ad0001",  # soft hyphen
    "5371  0145  0190  0001",  # double space
    "5371\t0145\t0190\t0001",
    "5371\n0145\n0190\n0001",
    "5371/0145/0190/0001",
    "5371 / 0145 / 0190 / 0001",
    "5371–0145–0190–0001",  # en dash
    "5371 - 0145 - 0190 - 0001",
    "5371 — 0145 — 0190 — 0001",  # em dash
    "5371_0145_0190_0001",
    "5371,0145,0190,0001",
    "5371.0145.0190.0001",
    "5371·0145·0190·0001",
    "(5371) 0145-0190-0001",
    "53 71 01 45 01 90 00 01",
    "5371O145O19OOOO1",  # letter O for zero
    "5371o145o190ooo1",
    "537l0l450l900001",  # letter l for one
    "５３７１０１４５０１９００００１",  # full-width digits
]
SECRETS = [
    # Indonesian
    "tokennya 8H3K29AB",
    "tokenku 8H3K29AB",
    "tokenmu 8H3K29AB ya?",
    "token saya 8H3K29",
    "ini token saya: 8H3K29AB",
    "tolong cek token saya ya 8H3K29AB",
    "passwordnya Rahasia123",
    "password: abc123x",
    "ini password akun saya Bps12345",
    "password baru saya Nusa2020Tenggara",
    "sandiku Kupang2020x",
    "sandinya rahasia99",
    "kata sandi saya yang baru adalah Rahasia123",
    "kata sandi: Sensus#2020ok",
    "kode OTP 492811",
    "OTP-nya 492811",
    "pin saya 4821",
    "kode akses saya AB12CD34",
    "kode verifikasi 882211",
    # Kupang Malay
    "beta pung token 8H3K29AB",
    "token na 8H3K29AB",
    "sandi beta Rahasia123",
    "beta pung password Kupang2020x",
    "token beta su dapa, 8H3K29AB",
    "kata sandi beta yang baru tu Oesapa77",
    "pin beta 4821 e",
    "ini beta pung kode OTP 552901",
    # English
    "my token is 8H3K29AB",
    "my password is Hunter22x",
    "the new password for my account is Secret123",
    "here is my PIN: 4821",
    "OTP 552901",
    "passcode 7788aa",
    "verification code: 339912",
    "access code ZX81QP",
]
INNOCENT = [
    "token saya belum masuk",
    "token saya belum masuk 2 minggu",
    "lupa password gimana",
    "kapan token dikirim",
    "kapan token dikirim? sensus 2020",
    "sensus 2020",
    "apakah token untuk SP2020 masih berlaku",
    "token dikirim lewat SMS tanggal 15 Januari 2020",
    "token berlaku sampai 31 Maret 2020",
    "password harus minimal 8 karakter",
    "password untuk tahun 2020?",
    "kata sandi harus 8 karakter, huruf dan angka",
    "saya sudah ganti kata sandi kemarin",
    "password salah terus, bagaimana?",
    "sudah 3 kali salah password",
    "password wifi",
    "kode OTP tidak masuk ke hp saya",
    "berapa digit PIN yang diminta",
    "apa itu OTP?",
    "NIK atau nomor KK tidak sesuai kode 104",
    "pinjam hp untuk isi sensus 2020",
    "token listrik saya habis",
    "tokenisasi data sensus 2020",
    "jam berapa token dikirim, jam 08.00?",
    "hasil sensus 2010 dan 2020",
    "Sensus Penduduk 2020 dimulai 15 Februari 2020",
    "beta pung token balom masuk",
    "sandi beta lupa, bagaimana",
    "token na kapan datang?",
    "Is the token sent by SMS?",
    "I forgot my password",
    "What is a PIN?",
    "when does the 2020 census start",
]
LONG_DIGITS = re.compile(r"\d{6,}")


database_text = stored_text  # what must not be there is looked for in all of it


async def unanswered_texts(bot: RunningBot) -> list[str]:
    """Every stored unanswered question."""
    return [q.text for q in await bot.services.repo.unanswered(1000)]


@pytest.mark.parametrize("typed", SEPARATED)
def test_every_spelling_of_a_nik_is_found_and_masked(typed):
    found = find_number(f"nik saya {typed} benar?")
    assert found is not None and found.digits == NIK
    assert not LONG_DIGITS.search(mask_private(f"nik saya {typed}"))


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_in_any_phrasing_are_spotted_and_masked(text):
    assert contains_secret(text)
    assert "[rahasia]" in mask_private(text)


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_sentences_are_not_secrets(text):
    assert not contains_secret(text)
    assert find_number(text) is None


async def test_no_spelling_of_a_nik_is_kept_or_left_in_the_chat(bot: RunningBot, db_path):
    for number, typed in enumerate(SEPARATED):
        ani = bot.person(7100 + number)  # one person each: no flood control in the way
        posted = bot.telegram.api.incoming_message(ani.user, f"nik saya {typed} benar?")
        await bot.processed(await bot.telegram.push(posted))
        assert "Pemeriksaan NIK 537" in ani.last["text"], typed
        assert (ani.user_id, posted["message"]["message_id"]) not in bot.telegram.api.messages
    assert await unanswered_texts(bot) == []
    if isinstance(db_path, Path):  # a backup for the suite's scan too
        await bot.services.repo.backup(db_path.with_name("backup.db"))
    assert NIK not in database_text(db_path)


async def test_a_nik_split_over_two_messages_is_not_kept(bot: RunningBot, db_path):
    ani = bot.person(7002)
    await ready(ani)
    await ani.send("nik saya 53710145")
    await ani.send("01900001")
    await ani.send("nik saya 5371 0145 lalu 0190 0001 benar?")
    stored = await unanswered_texts(bot)
    # Whatever was kept (questions the bot could not answer) has its digit runs masked.
    assert stored and not any(LONG_DIGITS.search(t) for t in stored), stored
    assert not any(half in database_text(db_path) for half in ("53710145", "01900001"))


async def test_an_edit_with_a_nik_is_deleted_in_private_and_groups(bot: RunningBot, db_path):
    api = bot.telegram.api
    ani = bot.person(7003)
    await ready(ani)
    original = api.incoming_message(ani.user, "kapan sensus online?")
    await bot.processed(await bot.telegram.push(original))
    edited = api.edited_message(original["message"], f"nik saya {NIK} benar?")
    await bot.processed(await bot.telegram.push(edited))
    assert "Pemeriksaan NIK 5371••••••••0001" in ani.last["text"]
    assert all(m.get("text") != edited["edited_message"]["text"] for m in api.chat_messages(7003))

    group = {"id": -7100, "type": "supergroup", "title": "RT 03"}
    api.admin_chats.add(-7100)
    ina = {"id": 7004, "is_bot": False, "first_name": "Ina"}
    said = api.incoming_message(ina, "halo semua", group)
    await bot.processed(await bot.telegram.push(said))
    await bot.processed(await bot.telegram.push(api.edited_message(said["message"], NIK)))
    texts = [m["text"] for m in api.chat_messages(-7100)]
    assert NIK not in texts and "Jangan membagikan NIK" in texts[-1]
    assert all("5371" not in t for t in await unanswered_texts(bot))
    assert NIK not in database_text(db_path)


async def test_an_rt_head_editing_an_announcement_with_a_nik_sends_nothing(bot: RunningBot):
    api = bot.telegram.api
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    group = {"id": -7200, "type": "group", "title": "RT 04"}
    rt = await rt_head_with_group(bot, admin, 7005, group)
    posted_before = len(api.chat_messages(-7200))
    for text in (f"/umumkan Data warga {NIK}", "/umumkan Kerja bakti hari Sabtu"):
        draft = api.incoming_message(rt.user, "/umumkan")
        await bot.processed(await bot.telegram.push(draft))
        shown_before = len(rt.screen)
        await bot.processed(await bot.telegram.push(api.edited_message(draft["message"], text)))
        assert not any("Pratinjau" in m["text"] for m in rt.screen[shown_before:]), text
    assert "Pemeriksaan NIK 5371••••••••0001" in " ".join(m["text"] for m in rt.screen)
    assert len(api.chat_messages(-7200)) == posted_before  # nothing reached the group
    assert not any(NIK in m["text"] for m in rt.screen)


async def test_edited_staff_commands_are_not_acted_on(bot: RunningBot, db_path):
    api = bot.telegram.api
    admin = bot.person(ADMIN_ID, "Admin")
    await ready(admin)
    for edit in (f"/siaran Data warga {NIK}", "/siaran Rapat besok", "/staf tambah 7006"):
        original = api.incoming_message(admin.user, "/bantuan")
        await bot.processed(await bot.telegram.push(original))
        shown_before = len(admin.screen)
        await bot.processed(await bot.telegram.push(api.edited_message(original["message"], edit)))
        replies = [m["text"] for m in admin.screen[shown_before:]]
        assert all("Pemeriksaan NIK" in r for r in replies), (edit, replies)
    assert await bot.services.repo.staff() == []
    assert rows(db_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert NIK not in database_text(db_path)


async def test_a_caption_with_a_nik_is_deleted_or_warned_about(bot: RunningBot):
    api = bot.telegram.api
    ani = bot.person(7007)
    await ready(ani)
    photo = api.incoming_photo(ani.user, f"KTP saya, NIK {NIK}")
    await bot.processed(await bot.telegram.push(photo))
    assert "Pemeriksaan NIK 5371••••••••0001" in ani.last["text"]
    assert (7007, photo["message"]["message_id"]) not in api.messages
    group = {"id": -7300, "type": "group", "title": "RT 06"}
    ina = {"id": 7008, "is_bot": False, "first_name": "Ina"}
    posted = api.incoming_photo(ina, "token saya 8H3K29AB tolong isikan", group)
    await bot.processed(await bot.telegram.push(posted))
    assert "Mohon hapus pesan itu" in api.chat_messages(-7300)[-1]["text"]


async def test_a_name_made_of_digits_is_not_echoed(bot: RunningBot):
    person = bot.person(7009, first_name=NIK)
    await person.send("/start")
    shown = await person.press("Bahasa Indonesia")
    assert "Halo Sobat!" in shown[-1]["text"]
    assert not any("0145" in m["text"] for m in person.screen)


async def test_inline_queries_with_a_nik_get_no_cards(bot: RunningBot):
    ani = bot.person(7010)
    assert await ani.inline(f"jadwal {NIK}") == []
    assert await ani.inline("jadwal sensus") != []


@pytest.mark.sqlite_only
async def test_database_and_backups_are_readable_by_their_owner_only(tmp_path):
    previous = os.umask(0o022)  # what most systems give a service
    try:
        db = tmp_path / "sensus.db"
        repo = await Repository.open(db)
        await repo.record_unanswered("apa itu sensus", "id", "fallback", None, 0.1, _now())
        await repo.backup(tmp_path / "copy.db")
        files = [db, tmp_path / "sensus.db-wal", tmp_path / "sensus.db-shm", tmp_path / "copy.db"]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        await repo.close()
    finally:
        os.umask(previous)
    assert modes == dict.fromkeys(modes, 0o600), modes


async def test_debug_logs_mask_invitation_codes_secrets_and_numbers(bot: RunningBot):
    log = io.StringIO()
    setup_logging("DEBUG", secrets=[TOKEN], stream=log)
    try:
        admin, rt, ani = bot.person(ADMIN_ID), bot.person(7011), bot.person(7012)
        for person in (admin, rt, ani):
            await ready(person)
        code = invitation_code((await admin.send("/undang_rt 53.71 Oebobo RT 02"))[0]["text"])
        await rt.send(f"/start rt-{code}")
        await ani.send("tokennya 8H3K29AB")
        await ani.send("nik saya 5371\u00a00145\u00a00190\u00a00001")
        logging.getLogger("test").info("typed %r and %s", "5371\t0145\xa00190 0001", NIK)
        logging.getLogger("test").info("and %s", "passwordnya Rahasia123")
    finally:
        setup_logging("WARNING")
    written = log.getvalue()
    assert "rt-[kode]" in written and "[rahasia]" in written
    for secret in (code, "8H3K29AB", "Rahasia123", "0145\\xa00190", "5371\\t0145", NIK, TOKEN):
        assert secret not in written, secret


async def test_privacy_lists_everything_kept_in_the_persons_language(bot: RunningBot):
    ani = bot.person(7013, language_code="en")
    await ani.send("/start")
    await ani.press("English")
    repo = bot.services.repo
    await repo.set_region(7013, "53.71", "Asia/Makassar")
    await repo.subscribe(7013, "token")
    await repo.grant_role(7013, "staff", ADMIN_ID, _now())
    shown = await ani.send("/privacy")
    text = shown[0]["text"]
    for kept in ("Language: English", "Region: Kota Kupang", "Reminders: Token", "Role: staff"):
        assert kept in text, text
    assert "53.71" not in text
    await ani.send("/language")
    await ani.press("Bahasa Kupang")
    assert "Wilayah: Kota Kupang" in (await ani.send("/privasi"))[0]["text"]
    welcome = (await ani.send("/start"))[0]["text"]
    assert "wilayah, pengingat, langkah panduan" in welcome


class TokenLeakingApi:
    """A Bot API URL as a misconfigured proxy serves it: it redirects in a loop, or answers
    an error page quoting the request path (with the token); getMe may work."""

    def __init__(self, mode: str, get_me_works: bool = False) -> None:
        self.mode = mode
        self.get_me_works = get_me_works
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if method == "getMe" and self.get_me_works:
            me = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "sensus_test_bot"}
            return web.json_response({"ok": True, "result": me})
        if method not in ("sendMessage", "getMe"):
            return web.json_response({"ok": True, "result": True})
        if self.mode == "redirect":
            raise web.HTTPFound(request.path)
        return web.Response(status=502, text=f"<h1>Bad gateway</h1> no upstream for {request.path}")


@pytest.mark.parametrize("mode", ["redirect", "error page"])
@pytest.mark.parametrize("command", ["doctor", "run"])
async def test_a_token_in_a_bad_answer_never_reaches_the_terminal(command, mode, tmp_path):
    api = TokenLeakingApi(mode)
    await api.start()
    try:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        env |= {"SENSUS_DB": str(tmp_path / "sensus.db")}
        done = await asyncio.to_thread(run_cli, command, env=env, check=False)
    finally:
        await api.stop()
    printed = done.stderr + done.stdout
    assert done.returncode != 0 and "cannot reach" in printed, printed
    assert TOKEN not in printed and "Traceback" not in printed


@pytest.mark.parametrize("mode", ["redirect", "error page"])
async def test_a_token_in_a_bad_answer_never_reaches_the_database(mode, db_path):
    api = TokenLeakingApi(mode, get_me_works=True)
    await api.start()
    db = db_path
    await seed_broadcast(db, [7020])
    kept_before = f"url=/bot{TOKEN}/sendMessage"  # as a version without the scrub kept it
    rows(db, "UPDATE outbox SET last_error = ?", (kept_before,))
    settings = Settings(token=TOKEN, api_url=api.url, database=db, admins=frozenset())
    try:
        async with running(build_application(settings), poll=False):
            await eventually(lambda: not _errors(db)[0].startswith("url="))
            stored = database_text(db)
    finally:
        await api.stop()
    assert TOKEN not in stored and TOKEN not in database_text(db), _errors(db)


def _errors(db: Location) -> list[str]:
    """The outbox's stored error texts."""
    return [r[0] for r in rows(db, "SELECT last_error FROM outbox") if r[0]]


def _now() -> datetime:
    return datetime.now(UTC)


def test_the_suite_wide_scan_reads_what_a_postgresql_test_left():
    if not databases.SERVER:
        pytest.skip(databases.NOT_SET)
    # Outside the suite's folder: this leak is planted, the suite-wide scan must not see it.
    with tempfile.TemporaryDirectory() as folder:
        with databases.fresh_schema(Path(folder)) as url:  # dropped afterwards
            rows(url, "CREATE TABLE notes (text TEXT)")
            rows(url, "INSERT INTO notes VALUES (?)", ("nik saya 5371 0145 0190 0001",))
        scan = PrivacyScan()
        scan.record({"message": {"text": f"nik {NIK}"}})
        assert [finding.endswith(NIK) for finding in scan.findings(Path(folder))] == [True]
