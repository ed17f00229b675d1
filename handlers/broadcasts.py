"""/siaran (staff): write, choose the audience, see count and preview, send; steer; status."""

import asyncio
import contextlib
import html
import math

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import BROADCAST, BROADCAST_STATUS
from bot.context import SensusContext, Services
from bot.domain.audience import Audience, parse_audience
from bot.domain.callbacks import Callback, parse_callback
from bot.i18n import N_, Translator
from handlers.auth import is_staff, refuse
from handlers.ui import edit_in_place, keyboard
from storage.repository import Broadcast, OutboxRow

MAX_TEXT = 3500
PROGRESS_EVERY = 3.0  # seconds between edits of the progress message
HEADING = N_("📣 Info Sensus Penduduk 2020")
CHOICES = [  # audience buttons: label, audience written with "=" (":" separates callback parts)
    (N_("Semua warga"), "all"),
    (N_("Pengguna Bahasa Kupang"), "lang=mkn"),
    (N_("Pengguna English"), "lang=en"),
    (N_("Warga NTT"), "region=53"),
    (N_("Ketua RT"), "rt-heads"),
    (N_("Grup RT"), "rt-groups"),
]


def figures(t: Translator, broadcast: Broadcast) -> str:
    """ "terkirim 120 · gagal 1 · diblokir 3 · sisa 876"."""
    f = broadcast.figures
    waiting = f.get("pending", 0) + f.get("sending", 0) + f.get("paused", 0)
    return t._("terkirim {sent} · gagal {failed} · diblokir {blocked} · sisa {left}").format(
        sent=f.get("sent", 0),
        failed=f.get("failed", 0) + f.get("dropped", 0),
        blocked=f.get("blocked", 0),
        left=waiting,
    )


def audience_of(services: Services, arg: str) -> Audience | None:
    """The audience encoded in a button, checked."""
    try:
        return parse_audience(arg.replace("=", ":"), services.i18n.codes)
    except ValueError:
        return None


async def broadcast_command(update: Update, context: SensusContext) -> None:
    """/siaran TEKS: a draft in Indonesian, then the audience buttons."""
    if not await is_staff(update, context):
        await refuse(update, context)
        return
    t = context.t
    chat, message, person = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None and person is not None
    body = (message.text or "").partition(" ")[2].strip()
    if not body or len(body) > MAX_TEXT:
        await chat.send_message(
            t._("Tulis: /siaran TEKS (paling banyak {limit} huruf).").format(limit=MAX_TEXT)
        )
        return
    services = context.services
    broadcast_id = await services.repo.create_broadcast(
        str(person.id), {"id": html.escape(body)}, "all", services.now(), services.clock.now()
    )
    rows = [
        [(t._(label), Callback("bc", "aud", f"{broadcast_id}.{choice}"))]
        for label, choice in CHOICES
    ]
    await chat.send_message(t._("Siaran ke siapa?"), reply_markup=keyboard(rows))


async def choose_audience(update: Update, context: SensusContext) -> None:
    """An audience button: count and preview, then confirm."""
    if not await is_staff(update, context):
        await refuse(update, context)
        return
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    number, _, choice = (callback.arg if callback else "").partition(".")
    services = context.services
    audience = audience_of(services, choice)
    broadcast = await services.repo.broadcast(int(number)) if number.isdigit() else None
    if audience is None or broadcast is None or broadcast.status != "draft":
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await services.repo.set_broadcast_audience(broadcast.id, str(audience))
    condition, params = audience.user_condition()
    count = await services.repo.count_audience(condition, params, audience.groups)
    t = context.t
    await query.answer()
    preview = f"<b>{t._(HEADING)}</b>\n\n{broadcast.text('id')}"
    await edit_in_place(
        query,
        t._("Penerima: {count} ({audience}). Pratinjau:").format(count=count, audience=audience)
        + f"\n\n{preview}",
        keyboard(
            [
                [(t._("📣 Kirim sekarang"), Callback("bc", "send", str(broadcast.id)))],
                [(t._("Batal"), Callback("bc", "cancel", str(broadcast.id)))],
            ]
        ),
    )


async def pressed(update: Update, context: SensusContext) -> tuple[Callback, Broadcast] | None:
    """A broadcast button, after the staff check: its callback and broadcast, or None."""
    if not await is_staff(update, context):
        await refuse(update, context)
        return None
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    if callback is not None and callback.arg.isdigit():
        broadcast = await context.services.repo.broadcast(int(callback.arg))
        if broadcast is not None:
            return callback, broadcast
    await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
    return None


async def send(update: Update, context: SensusContext) -> None:
    """Confirm: queue for every recipient once (opted-out and blocked people excluded)."""
    found = await pressed(update, context)
    query = update.callback_query
    if found is None or query is None:
        return
    services = context.services
    broadcast = found[1]
    audience = audience_of(services, broadcast.audience)
    if audience is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    condition, params = audience.user_condition()
    count = await services.repo.queue_broadcast(broadcast.id, condition, params, audience.groups)
    services.wake_sender()
    await query.answer()
    t = context.t
    await edit_in_place(
        query,
        t._("📣 Siaran #{id} diantrekan untuk {count} penerima. Lihat /siaran_status.").format(
            id=broadcast.id, count=count
        ),
        steer_keyboard(t, broadcast.id),
    )
    if query.message is not None:
        services.run_in_background(
            watch(context, query.message.chat.id, query.message.message_id, broadcast.id),
            f"broadcast-{broadcast.id}-progress",
        )


async def watch(context: SensusContext, chat_id: int, message_id: int, broadcast_id: int) -> None:
    """Edit one progress message every few seconds (figures, finish estimate), then report."""
    services, t = context.services, context.t
    shown = ""
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        broadcast = await services.repo.broadcast(broadcast_id)
        if broadcast is None:
            return
        f = broadcast.figures
        left = f.get("pending", 0) + f.get("sending", 0)
        done = left == 0 and f.get("paused", 0) == 0
        if done or broadcast.status == "cancelled":
            text = t._("✅ Siaran #{id} selesai: {figures}").format(
                id=broadcast_id, figures=figures(t, broadcast)
            )
            markup = None
        else:
            minutes = math.ceil(left / services.settings.send_rate / 60)
            text = t._(
                "📣 Siaran #{id} ({status}): {figures}. Perkiraan selesai: {minutes} menit."
            ).format(
                id=broadcast_id,
                status=broadcast.status,
                figures=figures(t, broadcast),
                minutes=minutes,
            )
            markup = steer_keyboard(t, broadcast_id)
        if text != shown:
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
            shown = text
        if markup is None:
            return


def steer_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """Pause / resume / cancel buttons for a broadcast."""
    arg = str(broadcast_id)
    return keyboard(
        [
            [
                (t._("⏸ Jeda"), Callback("bc", "pause", arg)),
                (t._("▶️ Lanjutkan"), Callback("bc", "resume", arg)),
                (t._("❌ Batalkan"), Callback("bc", "cancel", arg)),
            ]
        ]
    )


async def steer(update: Update, context: SensusContext) -> None:
    """Pause, resume or cancel what of a broadcast is not sent yet."""
    found = await pressed(update, context)
    query = update.callback_query
    if found is None or query is None:
        return
    callback, broadcast = found
    services = context.services
    await services.repo.steer_broadcast(broadcast.id, callback.action)
    services.wake_sender()
    updated = await services.repo.broadcast(broadcast.id)
    assert updated is not None
    await query.answer()
    await edit_in_place(
        query,
        f"#{updated.id} · {updated.status} · {figures(context.t, updated)}",
        None if callback.action == "cancel" else steer_keyboard(context.t, updated.id),
    )


async def status_command(update: Update, context: SensusContext) -> None:
    """/siaran_status: recent broadcasts and their figures."""
    if not await is_staff(update, context):
        await refuse(update, context)
        return
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    lines = [
        f"#{b.id} · {html.escape(b.audience)} · {b.status} · {figures(t, b)}"
        for b in await context.services.repo.recent_broadcasts()
    ]
    await chat.send_message("\n".join(lines) or t._("Belum ada siaran."))


async def render_broadcast(services: Services, row: OutboxRow) -> str | None:
    """The broadcast in the recipient's language (groups: Indonesian), with the opt-out hint."""
    broadcast = await services.repo.broadcast(int(row.content.split(":", 1)[1]))
    if broadcast is None:
        return None
    user = await services.repo.get_user(row.user_id) if row.user_id else None
    t = services.i18n.translator(user.lang if user else None)
    text = f"<b>{t._(HEADING)}</b>\n\n{broadcast.text(t.code)}"
    if user is None:
        return text  # a community group
    footer = t._("Berhenti menerima pesan: /berhenti")
    return f"{text}\n\n{footer}"


RENDERERS = {"broadcast": render_broadcast}


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one checks the staff role itself."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(BROADCAST.names(), broadcast_command, filters=private),
        CommandHandler(BROADCAST_STATUS.names(), status_command, filters=private),
        CallbackQueryHandler(choose_audience, pattern=r"^bc:aud:"),
        CallbackQueryHandler(send, pattern=r"^bc:send:"),
        CallbackQueryHandler(steer, pattern=r"^bc:(pause|resume|cancel):"),
    ]
