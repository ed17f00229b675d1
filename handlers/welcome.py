"""The welcome message, shared by /start and the first choice of language."""

from telegram import Update

from bot.context import SensusContext
from bot.i18n import N_
from handlers.ui import first_name, main_menu

PRIVACY_NOTICE = N_(
    "🔒 Saya menyimpan ID Telegram Anda, bahasa pilihan, dan kapan Anda menulis; bila Anda "
    "memakainya juga wilayah, pengingat, langkah panduan, penilaian jawaban, dan peran petugas "
    "atau ketua RT. Saya <b>tidak pernah</b> menyimpan NIK, nomor KK, token, kata sandi, atau "
    "nama Anda. Lihat /privasi, hapus dengan /hapusdata."
)


async def send_welcome(update: Update, context: SensusContext) -> None:
    """Welcome text, the short privacy notice and the main menu."""
    t = context.t
    text = t._(
        "Halo {name}! 👋 Saya asisten <b>Sensus Penduduk 2020</b> (SP2020) — "
        "<i>Menuju Satu Data Kependudukan Indonesia</i>.\n\n"
        "Tulis pertanyaan Anda dengan kata-kata sendiri, atau pilih menu di bawah."
    ).format(name=first_name(update) or t._("Sobat"))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(f"{text}\n\n{t._(PRIVACY_NOTICE)}", reply_markup=main_menu(t))
