"""/privasi shows what the bot keeps; /hapusdata deletes it after a confirmation."""

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import DELETE_DATA, PRIVACY
from bot.context import SensusContext
from bot.domain.callbacks import Callback
from handlers.helpdesk import privacy_lines
from handlers.ui import as_button, keyboard, main_menu


async def privacy_text(context: SensusContext) -> str:
    """What is stored about this user, and why, in their language."""
    t = context.t
    account = context.account
    if account is None:
        return t._("Saya tidak menyimpan data apa pun tentang Anda.")
    zone = context.reader.zone
    language = context.services.i18n.languages.get(account.lang)
    lines = [
        t._("<b>Data Anda yang saya simpan</b>"),
        t._("• ID Telegram: {id} — agar saya bisa membalas Anda.").format(id=account.user_id),
        t._("• Bahasa: {language} — agar saya menjawab dalam bahasa Anda.").format(
            language=language.name if language else account.lang
        ),
        t._("• Wilayah: {region}").format(region=account.region or t._("belum diisi")),
        t._("• Pertama menulis: {first}; terakhir: {last}").format(
            first=t.datetime(account.first_seen, zone, "medium"),
            last=t.datetime(account.last_seen, zone, "medium"),
        ),
    ]
    progress = await context.services.repo.guide_progress(account.user_id)
    guide = context.services.guide
    step = guide.step(progress.step, context.services.calendar.access) if progress else None
    if step is not None:
        number, total = guide.position(step.id, context.services.calendar.access)
        lines.append(
            t._("• Panduan: langkah {number} dari {total} — agar Anda bisa melanjutkan.").format(
                number=number, total=total
            )
        )
    votes = await context.services.repo.feedback_given(account.user_id)
    if votes:
        lines.append(
            t._("• Penilaian 👍/👎 Anda atas {count} jawaban — untuk memperbaiki jawaban.").format(
                count=votes
            )
        )
    lines += await privacy_lines(context)
    lines += [
        "",
        t._(
            "Pertanyaan yang belum bisa saya jawab disimpan <b>tanpa</b> identitas Anda, agar "
            "petugas bisa memperbaiki jawaban."
        ),
        t._(
            "Saya <b>tidak pernah</b> menyimpan NIK, nomor KK, token, atau kata sandi. "
            "Nama Anda tidak disimpan. Data ini tidak dibagikan kepada siapa pun."
        ),
        t._("Hapus semua dengan /hapusdata."),
    ]
    return "\n".join(lines)


async def privacy_command(update: Update, context: SensusContext) -> None:
    """/privasi: show what is stored."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(await privacy_text(context), reply_markup=main_menu(context.t))


async def delete_command(update: Update, context: SensusContext) -> None:
    """/hapusdata: ask for confirmation first."""
    t = context.t
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        t._("Hapus semua data Anda dari bot ini? Ini tidak bisa dibatalkan."),
        reply_markup=keyboard(
            [
                [(t._("🗑 Ya, hapus semua"), Callback("privacy", "delete", "yes"))],
                [(t._("Batal"), Callback("privacy", "delete", "no"))],
            ]
        ),
    )


async def delete_confirmed(update: Update, context: SensusContext) -> None:
    """Delete the user's data, or keep it when they cancelled."""
    query = update.callback_query
    assert query is not None
    t = context.t
    await query.answer()
    if query.data == Callback("privacy", "delete", "yes").pack() and context.account:
        await context.services.repo.delete_user(context.account.user_id)
        await query.edit_message_text(
            t._("✅ Semua data Anda sudah dihapus. Jika Anda menulis lagi, saya mulai dari awal.")
        )
    else:
        await query.edit_message_text(t._("Baik, data Anda tidak dihapus."))


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(PRIVACY.names(), privacy_command, filters=private),
        CommandHandler(DELETE_DATA.names(), delete_command, filters=private),
        CallbackQueryHandler(as_button(privacy_command), pattern=r"^privacy:show:$"),
        CallbackQueryHandler(delete_confirmed, pattern=r"^privacy:delete:(yes|no)$"),
    ]
