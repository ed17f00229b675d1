"""NIK/KK numbers and secrets in anything people send: check offline, never keep, delete, warn.

Runs in its own handler group before every feature, on every kind of update (new and edited
messages, captions, channel posts, inline queries), and stops the update there, so a number
never reaches the FAQ (which keeps unanswered questions) or any other feature.
"""

import html
import re

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import SensusContext
from bot.domain.identity import (
    IdentityCheck,
    Kind,
    Problem,
    check_number,
    contains_secret,
    find_number,
)
from bot.i18n import Translator

# A message with at least six digits may be a number to check; the handler decides.
_DIGITS = re.compile(r"\d(?:[ .\-]?\w){5,}")


def problem_text(t: Translator, problem: Problem) -> str:
    """One problem in plain words."""
    v = problem.values
    if problem.code == "not-digits":
        return t._("Ada huruf atau tanda lain. NIK dan nomor KK hanya berisi angka.")
    if problem.code == "length":
        return t._("Panjangnya {count} angka, padahal NIK dan nomor KK selalu 16 angka.").format(
            **v
        )
    if problem.code == "province":
        return t._("Digit ke-1 dan ke-2 ({code}) bukan kode provinsi yang ada.").format(**v)
    if problem.code == "regency":
        return t._(
            "Digit ke-3 dan ke-4 ({code}) bukan kode kabupaten/kota di {province} menurut data "
            "wilayah Kemendagri (bisa juga karena daerahnya sudah dimekarkan)."
        ).format(code=v["code"], province=html.escape(v["province"]))
    if problem.code == "day":
        return t._(
            "Digit ke-7 dan ke-8 ({value}) bukan tanggal lahir yang mungkin: harus 01–31, "
            "atau 41–71 untuk perempuan (tanggal ditambah 40)."
        ).format(**v)
    if problem.code == "month":
        return t._("Digit ke-9 dan ke-10 ({value}) bukan bulan yang mungkin (01–12).").format(**v)
    if problem.code == "date":
        return t._("Tanggal {day} bulan {month} tidak ada di kalender.").format(**v)
    return t._("Digit ke-13 sampai ke-16 (0000) bukan nomor urut yang mungkin; mulai dari 0001.")


def check_report(t: Translator, check: IdentityCheck, deleted: bool, guessed: bool) -> str:
    """The reply to a checked number, in the user's language."""
    label = t._("NIK") if check.kind == "nik" else t._("nomor KK")
    lines = [t._("🔎 <b>Pemeriksaan {label} {masked}</b>").format(label=label, masked=check.masked)]
    if check.valid:
        lines.append(t._("✅ Bentuk nomornya benar."))
        if check.regency and check.province:
            lines.append(
                t._("Kode wilayah: {regency}, {province}.").format(
                    regency=html.escape(check.regency), province=html.escape(check.province)
                )
            )
        if check.kind == "nik":
            lines.append(
                t._(
                    "Wilayah di NIK adalah tempat NIK pertama dibuat; boleh berbeda dengan tempat "
                    "tinggal Anda sekarang."
                )
            )
    else:
        lines.append(t._("❌ Ada yang perlu diperiksa:"))
        lines += [f"• {problem_text(t, p)}" for p in check.problems]
    lines.append(
        t._("Ini hanya memeriksa bentuk nomor, bukan apakah nomor terdaftar di data sensus.")
    )
    if guessed:
        lines.append(
            t._(
                "Saya memeriksanya sebagai NIK. Untuk nomor KK: /panduan, langkah login, "
                "tombol Cek nomor KK."
            )
        )
    lines.append(
        t._(
            "🗑 Pesan Anda yang berisi nomor itu sudah saya hapus, agar nomor lengkap tidak "
            "tertinggal di riwayat chat. Saya tidak menyimpan nomor itu."
        )
        if deleted
        else t._(
            "Saya tidak bisa menghapus pesan Anda yang berisi nomor itu; silakan hapus sendiri. "
            "Saya tidak menyimpan nomor itu."
        )
    )
    return "\n".join(lines)


async def delete(message: Message) -> bool:
    """Delete a message; False when Telegram does not allow it."""
    try:
        return await message.delete()
    except TelegramError:
        return False


def sent_message(update: Update) -> Message | None:
    """The message a person or channel sent or edited, of whatever update kind (not the
    bot's own message under a pressed button)."""
    return (
        update.message
        or update.edited_message
        or update.channel_post
        or update.edited_channel_post
        or update.business_message
        or update.edited_business_message
    )


async def guard(update: Update, context: SensusContext) -> None:
    """Check numbers in private chats; warn about numbers and secrets anywhere; answer an
    inline query holding one with nothing."""
    if update.inline_query is not None:
        query = update.inline_query
        if find_number(query.query) or contains_secret(query.query):
            await query.answer([], cache_time=0, is_personal=True)
            raise ApplicationHandlerStop
        return
    message = sent_message(update)
    chat = update.effective_chat
    text = (message.text or message.caption) if message else None
    if message is None or chat is None or not text:
        return
    found = find_number(text)
    number = found.typed if found else None
    if chat.type != ChatType.PRIVATE:
        if number or contains_secret(text):
            await warn_group(message, context)
            raise ApplicationHandlerStop
        return
    awaiting: Kind | None = None
    if context.account is not None and _DIGITS.search(text):  # a check needs digits
        progress = await context.services.repo.guide_progress(context.account.user_id)
        if progress is not None and progress.awaiting_check in ("nik", "kk"):
            awaiting = "nik" if progress.awaiting_check == "nik" else "kk"
    if number is None and awaiting:
        number = re.sub(r"[^\w]", "", text)  # e.g. too few digits: say so
    if number is not None:
        check = check_number(number, awaiting or "nik")
        deleted = await delete(message)
        if awaiting and context.account is not None:
            await context.services.repo.set_awaiting_check(context.account.user_id, None)
        await chat.send_message(check_report(context.t, check, deleted, guessed=awaiting is None))
        raise ApplicationHandlerStop
    if contains_secret(text):
        deleted = await delete(message)
        await chat.send_message(secret_warning(context.t, deleted))
        raise ApplicationHandlerStop


def secret_warning(t: Translator, deleted: bool) -> str:
    """The warning after someone sent what looks like a token or password."""
    warning = t._(
        "⚠️ Sepertinya pesan Anda berisi token, kata sandi, atau kode. Jangan kirim itu kepada "
        "siapa pun, termasuk saya: saya tidak pernah memintanya."
    )
    after = t._("Pesan itu sudah saya hapus.") if deleted else t._("Silakan hapus pesan itu.")
    return f"{warning}\n{after}"


async def warn_group(message: Message, context: SensusContext) -> None:
    """In a group: remove (when allowed) a posted NIK/KK or secret and tell everyone why."""
    deleted = await delete(message)
    t = context.t
    warning = t._(
        "⚠️ Jangan membagikan NIK, nomor KK, token, atau kata sandi di grup. Petugas dan BPS "
        "tidak pernah memintanya."
    )
    after = t._("Pesan itu sudah saya hapus.") if deleted else t._("Mohon hapus pesan itu.")
    chat = message.chat
    await chat.send_message(f"{warning}\n{after}")


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """The guard, for every update."""
    return [TypeHandler(Update, guard)]
