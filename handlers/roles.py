"""Staff and RT heads: /staf (admins), /undang_rt (staff), joining through an invitation."""

import hashlib
import html
import secrets
from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.commands import INVITE_RT, STAFF
from bot.context import SensusContext
from bot.domain.regions import region_name
from handlers.auth import is_admin, is_staff, refuse

INVITATION_DAYS = 7


def code_hash(code: str) -> str:
    """Only this is stored: a leaked database does not let anyone join."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


async def staff_command(update: Update, context: SensusContext) -> None:
    """/staf [tambah|hapus ID]: list, grant or revoke the staff role (administrators)."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    t = context.t
    services = context.services
    chat, actor = update.effective_chat, update.effective_user
    assert chat is not None and actor is not None
    args = context.args or []
    if len(args) == 2 and args[0] in ("tambah", "add", "hapus", "remove") and args[1].isdigit():
        target, now = int(args[1]), services.clock.now()
        if args[0] in ("tambah", "add"):
            await services.repo.grant_role(target, "staff", actor.id, now)
            await chat.send_message(t._("✅ {id} sekarang petugas.").format(id=target))
        elif await services.repo.revoke_role(target, "staff", actor.id, now):
            await chat.send_message(t._("✅ {id} bukan petugas lagi.").format(id=target))
        else:
            await chat.send_message(t._("{id} memang bukan petugas.").format(id=target))
        return
    staff = await services.repo.staff()
    listed = ", ".join(map(str, staff)) or t._("belum ada")
    await chat.send_message(
        t._("Petugas: {staff}\nTambah: /staf tambah ID · hapus: /staf hapus ID").format(
            staff=listed
        )
    )


async def invite_command(update: Update, context: SensusContext) -> None:
    """/undang_rt KODE_KAB_KOTA DESA RT/RW: a one-time link that makes someone RT head."""
    if not await is_staff(update, context):
        await refuse(update, context)
        return
    t = context.t
    services = context.services
    chat, actor = update.effective_chat, update.effective_user
    assert chat is not None and actor is not None
    args = context.args or []
    region = args[0] if args else ""
    name = region_name(region) if len(region) == 5 else None
    if name is None or len(args) < 2:
        await chat.send_message(
            t._(
                "Tulis: /undang_rt KODE_KABUPATEN_KOTA DESA/KELURAHAN RT/RW\n"
                "Contoh: /undang_rt 53.71 Fatululi RT 05/RW 02"
            )
        )
        return
    area = f"{name} · {' '.join(args[1:])}"[:200]
    code = secrets.token_urlsafe(16)
    now = services.clock.now()
    expires = now + timedelta(days=INVITATION_DAYS)
    await services.repo.add_invitation(code_hash(code), area, region, actor.id, now, expires)
    link = f"https://t.me/{context.bot.username}?start=rt-{code}"
    await chat.send_message(
        t._(
            "Undangan ketua RT untuk <b>{area}</b>, berlaku sampai {expires}, hanya sekali pakai:\n"
            "{link}"
        ).format(area=html.escape(area), expires=t.date(expires, "long"), link=link)
    )


async def join_as_rt(update: Update, context: SensusContext, code: str) -> None:
    """/start rt-CODE: become RT head of the invitation's area, if it is valid."""
    services = context.services
    chat, person = update.effective_chat, update.effective_user
    assert chat is not None and person is not None
    role = await services.repo.redeem_invitation(code_hash(code), person.id, services.clock.now())
    t = context.t
    if role is None:
        await chat.send_message(
            t._("Undangan ini tidak berlaku: sudah dipakai, kedaluwarsa, atau salah ketik.")
        )
        return
    await chat.send_message(
        t._(
            "✅ Anda terdaftar sebagai ketua RT <b>{area}</b>.\n"
            "Tambahkan saya ke grup warga Anda, lalu kirim /hubungkan di grup itu. "
            "Kirim pengumuman resmi dengan /umumkan."
        ).format(area=html.escape(role.area or ""))
    )


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one checks the role itself."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(STAFF.names(), staff_command, filters=private),
        CommandHandler(INVITE_RT.names(), invite_command, filters=private),
    ]
