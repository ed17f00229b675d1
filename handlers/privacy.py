"""/privasi shows what the bot keeps; /hapusdata deletes it after a confirmation."""

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import DELETE_DATA, PRIVACY
from bot.context import SensusContext
from bot.domain.callbacks import Callback
from bot.domain.regions import region_name
from bot.i18n import Translator
from handlers.helpdesk import privacy_lines
from handlers.reminders import GROUP_LABELS
from handlers.ui import as_button, keyboard, main_menu
from storage.repository import Role


async def privacy_text(context: SensusContext) -> str:
    """Everything stored about this user, and why, in their language."""
    t = context.t
    account = context.account
    if account is None:
        return t._("Saya tidak menyimpan data apa pun tentang Anda.")
    services = context.services
    repo, zone = services.repo, context.reader.zone
    language = services.i18n.languages.get(account.lang)
    region = region_name(account.region) if account.region else None
    lines = [
        t._("<b>Data Anda yang saya simpan</b>"),
        t._("• ID Telegram: {id} — agar saya bisa membalas Anda.").format(id=account.user_id),
        t._("• Bahasa: {language} — agar saya menjawab dalam bahasa Anda.").format(
            language=language.name if language else account.lang
        ),
        t._("• Wilayah: {region} — untuk jadwal dan pengingat di daerah Anda.").format(
            region=html.escape(region or account.region or "") or t._("belum diisi")
        ),
        t._("• Pertama menulis: {first}; terakhir: {last}").format(
            first=t.datetime(account.first_seen, zone, "medium"),
            last=t.datetime(account.last_seen, zone, "medium"),
        ),
    ]
    subscribed = [g for g in GROUP_LABELS if g in await repo.subscriptions(account.user_id)]
    if subscribed:
        lines.append(
            t._("• Pengingat: {reminders} — agar saya bisa mengingatkan Anda.").format(
                reminders=", ".join(t._(GROUP_LABELS[g]) for g in subscribed)
            )
        )
    if account.opted_out:
        lines.append(t._("• Anda berhenti menerima pengingat (/berhenti)."))
    progress = await repo.guide_progress(account.user_id)
    guide = services.guide
    step = guide.step(progress.step, services.calendar.access) if progress else None
    if step is not None:
        number, total = guide.position(step.id, services.calendar.access)
        lines.append(
            t._("• Panduan: langkah {number} dari {total} — agar Anda bisa melanjutkan.").format(
                number=number, total=total
            )
        )
    for role in (await repo.roles(account.user_id)).values():
        lines.append(role_line(t, role))
    votes = await repo.feedback_given(account.user_id)
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
            "Pertanyaan yang belum bisa saya jawab disimpan <b>tanpa</b> identitas Anda dan "
            "tanpa angka panjang, agar petugas bisa memperbaiki jawaban."
        ),
        t._(
            "Saya <b>tidak pernah</b> menyimpan NIK, nomor KK, token, atau kata sandi. "
            "Nama Anda tidak disimpan. Data ini tidak dibagikan kepada siapa pun."
        ),
        t._("Hapus semua dengan /hapusdata."),
    ]
    return "\n".join(lines)


def role_line(t: Translator, role: Role) -> str:
    """One stored role: staff, or RT head of an area."""
    if role.role == "rt":
        return t._("• Peran: ketua RT {area} — agar Anda bisa mengirim pengumuman.").format(
            area=html.escape(role.area or "")
        )
    return t._("• Peran: petugas — agar Anda bisa memakai perintah petugas.")


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
