"""Staff and RT heads: /staf (admins), /undang_rt and /ketua_rt (staff: invite, withdraw an
invitation, remove an RT head), joining through an invitation."""

import hashlib
import html
import secrets
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import INVITE_RT, RT_HEADS, STAFF
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.regions import region_name
from handlers.auth import admin_only, staff_only
from handlers.ui import edit_in_place, keyboard
from storage.repository import INVITATION_REF

INVITATION_DAYS = 7


def code_hash(code: str) -> str:
    """Only this is stored: a leaked database does not let anyone join."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


async def staff_command(update: Update, context: SensusContext) -> None:
    """/staf [tambah|hapus ID]: list, grant or revoke the staff role (administrators)."""
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
    withdraw = Callback("rt", "withdraw", code_hash(code)[:INVITATION_REF])
    await chat.send_message(
        t._(
            "Undangan ketua RT untuk <b>{area}</b>, berlaku sampai {expires}, hanya sekali pakai:\n"
            "{link}"
        ).format(area=html.escape(area), expires=t.date(expires, "long"), link=link),
        reply_markup=keyboard([[(t._("↩️ Tarik undangan ini"), withdraw)]]),
    )


async def rt_heads_command(update: Update, context: SensusContext) -> None:
    """/ketua_rt [hapus ID | tarik REF]: RT heads and open invitations; remove or withdraw."""
    chat, actor = update.effective_chat, update.effective_user
    if chat is None or actor is None:
        return
    args = context.args or []
    if len(args) == 2 and args[0] in ("hapus", "remove") and args[1].isdigit():
        await chat.send_message(await remove_rt_head(context, int(args[1]), actor.id))
    elif len(args) == 2 and args[0] in ("tarik", "withdraw"):
        await chat.send_message(await withdraw_invitation(context, args[1].lower(), actor.id))
    else:
        text, markup = await rt_heads_view(context)
        await chat.send_message(text, reply_markup=markup)


async def rt_heads_view(context: SensusContext) -> tuple[str, InlineKeyboardMarkup | None]:
    """Every RT head and open invitation, each with its button."""
    services, t = context.services, context.t
    heads = await services.repo.rt_heads()
    invitations = await services.repo.open_invitations(services.clock.now())
    lines = [t._("<b>Ketua RT</b>")]
    rows: list[list[tuple[str, Callback]]] = []
    for head in heads:
        groups = len(await services.repo.linked_groups(head.user_id))
        lines.append(
            t._("• {area} — {id}, {count} grup").format(
                area=html.escape(head.area or ""), id=head.user_id, count=groups
            )
        )
        label = t._("❌ Cabut {area}").format(area=area_label(head.area))
        rows.append([(label, Callback("rt", "remove", str(head.user_id)))])
    lines += ["", t._("<b>Undangan terbuka</b>")]
    for invitation in invitations:
        lines.append(
            t._("• {area} — {ref}, berlaku sampai {expires}").format(
                area=html.escape(invitation.area),
                ref=invitation.ref,
                expires=t.date(invitation.expires_at, "long"),
            )
        )
        label = t._("↩️ Tarik {area}").format(area=area_label(invitation.area))
        rows.append([(label, Callback("rt", "withdraw", invitation.ref))])
    if not heads and not invitations:
        return t._("Belum ada ketua RT atau undangan terbuka. Undang dengan /undang_rt."), None
    lines += ["", t._("Cabut: /ketua_rt hapus ID · tarik undangan: /ketua_rt tarik KODE")]
    return "\n".join(lines), keyboard(rows)


def area_label(area: str | None, length: int = 32) -> str:
    """An area for a button label: the part after the regency, cut to fit."""
    short = (area or "").split(" · ", 1)[-1]
    return short if len(short) <= length else short[: length - 1] + "…"


async def remove_rt_head(context: SensusContext, user_id: int, actor: int) -> str:
    """Remove an RT head (their groups are unlinked); the reply to show."""
    services, t = context.services, context.t
    groups = await services.repo.remove_rt_head(user_id, actor, services.clock.now())
    if groups is None:
        return t._("{id} bukan ketua RT.").format(id=user_id)
    return t._(
        "✅ {id} bukan ketua RT lagi. {count} grupnya tidak terhubung lagi sampai ketua RT "
        "baru mengirim /hubungkan di sana."
    ).format(id=user_id, count=len(groups))


async def withdraw_invitation(context: SensusContext, ref: str, actor: int) -> str:
    """Withdraw an invitation by its reference; the reply to show."""
    services, t = context.services, context.t
    outcome = await services.repo.withdraw_invitation(ref, actor, services.clock.now())
    if outcome == "withdrawn":
        return t._("✅ Undangan ditarik; tautannya tidak berlaku lagi.")
    if outcome == "used":
        return t._("Undangan ini sudah dipakai. Cabut ketua RT-nya dengan /ketua_rt.")
    return t._("Tidak ada undangan dengan kode itu. Lihat /ketua_rt.")


async def rt_button(update: Update, context: SensusContext) -> None:
    """❌ Cabut / ↩️ Tarik under /ketua_rt or an invitation: staff only, checked at the press."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    if callback is None or (callback.action == "remove" and not callback.arg.isdigit()):
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    actor = query.from_user.id
    if callback.action == "remove":
        reply = await remove_rt_head(context, int(callback.arg), actor)
    else:
        reply = await withdraw_invitation(context, callback.arg, actor)
    await query.answer()
    await edit_in_place(query, reply, None)  # a withdrawn link or a stale list goes away


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
    """Handlers of this feature; every one for staff or administrators only."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(STAFF.names(), admin_only(staff_command), filters=private),
        CommandHandler(INVITE_RT.names(), staff_only(invite_command), filters=private),
        CommandHandler(RT_HEADS.names(), staff_only(rt_heads_command), filters=private),
        CallbackQueryHandler(staff_only(rt_button), pattern=r"^rt:(remove|withdraw):"),
    ]
