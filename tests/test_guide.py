"""/panduan through the fake Bot API, and the NIK/KK checker and guard."""

import io
import logging
import re
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.domain.calendar import shipped_calendar_path
from bot.logs import setup_logging
from offline.fake_telegram import FakeTelegram
from tests.conftest import DURING_ONLINE
from tests.databases import stored_text
from tests.harness import Person, RunningBot, run_bot

STEPS_AS_RUN = [
    "Siapkan dokumen",
    "Buka situs resmi",
    "Masuk (login)",
    "Buat kata sandi",
    "Alamat dan rumah",
    "Daftar anggota keluarga",
    "Data setiap anggota",
    "Pendidikan dan pekerjaan",
    "Periksa ringkasan",
    "Kirim",
    "Bukti pengisian",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests run while the online census is open."""
    return replace(settings, now=DURING_ONLINE)


def heading(person: Person) -> str:
    """The "Langkah N dari M · title" line (under the note on the online census today)."""
    return next(line for line in person.last["text"].split("\n") if line.startswith("Langkah"))


async def start_guide(person: Person) -> dict:
    await person.send("/start")
    await person.press("Bahasa Indonesia")
    shown = await person.send("/panduan")
    return shown[0]


async def test_walk_forward_and_back_in_one_edited_message(telegram: FakeTelegram, settings):
    revised = replace(settings, calendar_path=shipped_calendar_path("sp2020-revisi"))
    async with run_bot(telegram, revised) as bot:
        ani = bot.person(3001)
        message = await start_guide(ani)
        seen = [heading(ani)]
        for _ in STEPS_AS_RUN[1:]:
            await ani.press("Lanjut")
            seen.append(heading(ani))
        assert seen == [f"Langkah {n} dari 11 · {t}" for n, t in enumerate(STEPS_AS_RUN, 1)]
        assert ani.buttons()[0:2] == ["⬅️ Kembali", "✅ Selesai"]
        for _ in STEPS_AS_RUN[1:]:
            await ani.press("Kembali")
        assert heading(ani) == "Langkah 1 dari 11 · Siapkan dokumen"
        assert [m["message_id"] for m in ani.screen][-1] == message["message_id"]
        assert "Lanjut ➡️" in ani.buttons() and "⬅️ Kembali" not in ani.buttons()


async def test_login_step_follows_the_access_method_in_force(bot: RunningBot):
    ani = bot.person(3002)
    await start_guide(ani)  # the shipped calendar as announced: NIK + token, no password step
    await ani.press("Lanjut")
    await ani.press("Lanjut")
    assert heading(ani) == "Langkah 3 dari 10 · Masuk (login)"
    assert "token</b> yang dikirim lewat SMS" not in ani.last["text"]  # HTML is rendered
    assert "token yang dikirim lewat SMS" in ani.last["text"]
    assert "tidak pernah meminta token" in ani.last["text"]
    await ani.press("Lanjut")
    assert heading(ani) == "Langkah 4 dari 10 · Alamat dan rumah"


async def test_every_step_has_help_scam_warning_and_a_way_back(bot: RunningBot):
    ani = bot.person(3003)
    await start_guide(ani)
    for number in range(1, 11):
        assert "⚠️ Waspada penipuan" in ani.buttons()
        await ani.press("Saya macet di sini")
        assert "🆘" in ani.last["text"] and f"Langkah {number} dari 10" in ani.last["text"]
        await ani.press("Kembali")
        await ani.press("Waspada penipuan")
        assert "sensus.bps.go.id" in ani.last["text"] and "nama ibu kandung" in ani.last["text"]
        await ani.press("Kembali")
        assert heading(ani).startswith(f"Langkah {number} dari 10")
        if number < 10:
            await ani.press("Lanjut")


async def test_login_help_explains_code_104(telegram: FakeTelegram, settings):
    revised = replace(settings, calendar_path=shipped_calendar_path("sp2020-revisi"))
    async with run_bot(telegram, revised) as bot:
        ani = bot.person(3004)
        await start_guide(ani)
        await ani.press("Lanjut")
        await ani.press("Lanjut")
        await ani.press("Saya macet di sini")
        assert "kode 104" in ani.last["text"]
        await ani.press("Kembali")
        await ani.press("KK baru tidak ditemukan")
        assert "nomor KK lama" in ani.last["text"]
        assert "1 September 2020 s.d. 30 September 2020" in ani.last["text"]


async def test_branches_for_no_internet_and_family_elsewhere(bot: RunningBot):
    ani = bot.person(3005)
    await start_guide(ani)
    await ani.press("Tidak punya internet atau HP")
    assert "1 Juli 2020 s.d. 31 Juli 2020" in ani.last["text"] and "pensil 2B" in ani.last["text"]
    await ani.press("Kembali")
    for _ in range(4):
        await ani.press("Lanjut")
    assert heading(ani) == "Langkah 5 dari 10 · Daftar anggota keluarga"
    await ani.press("Anggota tinggal di tempat lain")
    assert "biasa tinggal sekarang" in ani.last["text"]


async def test_resume_after_a_restart_and_start_again(telegram: FakeTelegram, settings):
    async with run_bot(telegram, settings) as first:
        ani = first.person(3006)
        await start_guide(ani)
        for _ in range(3):
            await ani.press("Lanjut")
        await ani.press("Keluar")
        assert "dijeda di langkah 4" in ani.last["text"]
    async with run_bot(telegram, settings) as second:
        ani = second.person(3006)
        shown = await ani.send("/panduan")
        assert shown[0]["text"].endswith("Anda berhenti di langkah 4 dari 10: Alamat dan rumah.")
        await ani.press("Lanjut di langkah 4")
        assert heading(ani) == "Langkah 4 dari 10 · Alamat dan rumah"
        await ani.send("/panduan")
        await ani.press("Mulai dari awal")
        assert heading(ani) == "Langkah 1 dari 10 · Siapkan dokumen"


async def test_two_users_moving_at_once_keep_their_own_place(bot: RunningBot):
    ani, budi = bot.person(3007, "Ani"), bot.person(3008, "Budi")
    await start_guide(ani)
    await start_guide(budi)
    for _ in range(3):
        await ani.press("Lanjut")
        await budi.press("Lanjut")
        await ani.press("Lanjut")
    assert heading(ani).startswith("Langkah 7 dari 10")
    assert heading(budi).startswith("Langkah 4 dari 10")
    assert (await bot.services.repo.guide_progress(3007)).step == "person-work"  # type: ignore[union-attr]
    assert (await bot.services.repo.guide_progress(3008)).step == "household"  # type: ignore[union-attr]


async def test_finishing_forgets_the_place(bot: RunningBot):
    ani = bot.person(3009)
    await start_guide(ani)
    for _ in range(9):
        await ani.press("Lanjut")
    await ani.press("Selesai")
    assert "Panduan selesai" in ani.last["text"]
    assert await bot.services.repo.guide_progress(3009) is None
    shown = await ani.send("/panduan")
    assert "\nLangkah 1 dari 10" in shown[0]["text"]


async def test_kk_checked_at_login_is_deleted_and_never_kept_or_logged(bot: RunningBot, db_path):
    log = io.StringIO()
    setup_logging("DEBUG", stream=log)
    ani = bot.person(3010)
    await start_guide(ani)
    await ani.press("Lanjut")
    await ani.press("Lanjut")
    shown = await ani.press("Cek nomor KK")
    assert "Ketik nomor KK Anda" in shown[-1]["text"]
    number = "5371012003150007"
    typed = bot.telegram.api.incoming_message(ani.user, number)
    await bot.processed(await bot.telegram.push(typed))
    chat = bot.telegram.api.chat_messages(3010)
    assert all(m["message_id"] != typed["message"]["message_id"] for m in chat)  # deleted
    report = ani.last["text"]
    assert "Pemeriksaan nomor KK 5371••••••••0007" in report and "Bentuk nomornya benar" in report
    assert "sudah saya hapus" in report and number not in report
    assert number not in stored_text(db_path)
    logging.getLogger("test").info("user typed %s", number)  # even an explicit log line
    assert log.getvalue() and number not in log.getvalue()
    setup_logging("WARNING")


async def test_checker_explains_mistakes_in_plain_words(bot: RunningBot):
    ani = bot.person(3011)
    await start_guide(ani)
    await ani.press("Lanjut")
    await ani.press("Lanjut")
    await ani.press("Cek NIK")
    shown = await ani.send("5371017213900001")
    report = shown[-1]["text"]
    assert "Digit ke-7 dan ke-8 (72) bukan tanggal lahir yang mungkin" in report
    assert "Digit ke-9 dan ke-10 (13) bukan bulan" in report
    await ani.press_data("guide:check:nik", ani.screen[0])
    shown = await ani.send("5371O1010190OOO1")
    assert "hanya berisi angka" in shown[-1]["text"]


async def test_a_number_typed_anywhere_is_checked_as_nik_and_deleted(bot: RunningBot):
    yos = bot.person(3012)
    await yos.send("/start")
    await yos.press("Bahasa Kupang")
    shown = await yos.send("beta pung nik 5371 0101 0190 0001 batul ko?")
    report = shown[-1]["text"]
    assert "5371••••••••0001" in report and "Bentuk nomornya su batul" in report
    assert "5371 0101 0190 0001" not in report


async def test_a_token_sent_in_private_is_deleted_with_a_warning(bot: RunningBot):
    ani = bot.person(3013)
    shown = await ani.send("ini token saya 8H3K29, tolong isikan sensus")
    assert "Jangan kirim itu kepada siapa pun" in shown[-1]["text"]
    assert not any("8H3K29" in m["text"] for m in bot.telegram.api.chat_messages(3013))


async def test_in_groups_numbers_and_tokens_get_a_warning_and_are_removed_when_allowed(bot):
    api = bot.telegram.api
    group = {"id": -800, "type": "supergroup", "title": "RT 02"}
    ina = {"id": 3014, "is_bot": False, "first_name": "Ina"}
    await bot.processed(
        await bot.telegram.push(api.incoming_message(ina, "nik sy 5371010101900001", group))
    )
    assert "Mohon hapus pesan itu" in api.chat_messages(-800)[-1]["text"]
    api.admin_chats.add(-800)
    posted = api.incoming_message(ina, "token: 8H3K29", group)
    await bot.processed(await bot.telegram.push(posted))
    texts = [m["text"] for m in api.chat_messages(-800)]
    assert "token: 8H3K29" not in texts
    assert "sudah saya hapus" in texts[-1]
    assert not re.search(r"\d{16}", " ".join(t for t in texts if "⚠️" in t))


async def test_privacy_lists_guide_progress_and_ratings(bot: RunningBot):
    ani = bot.person(3015)
    await start_guide(ani)
    await ani.press("Lanjut")
    await ani.send("apakah data sensus saya aman?")
    await ani.press("👍")
    shown = await ani.send("/privasi")
    text = shown[0]["text"]
    assert "Panduan: langkah 2 dari 10" in text and "atas 1 jawaban" in text
    await ani.send("/hapusdata")
    await ani.press("Ya, hapus semua")
    assert await bot.services.repo.guide_progress(3015) is None
