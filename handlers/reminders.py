"""/ingatkan: reminder subscriptions and region; /berhenti; people who block the bot."""

import html
from datetime import date, datetime

from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.commands import REMIND, STOP
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.regions import PILOT_PROVINCE, provinces, regencies, region_name
from bot.i18n import N_
from bot.outbox.content import Reminder, pack
from bot.outbox.queueing import replan_user as replan
from bot.services import Services
from handlers.ui import MembershipHandler, as_button, edit_in_place, keyboard, two_a_row

GROUP_LABELS = {
    "token": N_("Token dikirim"),
    "opening": N_("Sensus online dibuka"),
    "closing": N_("Sensus online segera ditutup"),
    "field": N_("Petugas datang ke rumah"),
}


def offered_groups(services: Services) -> list[str]:
    """The reminder groups the calendar in force has reminders for, in a fixed order."""
    present = {r.group for r in services.calendar.reminders}
    return [g for g in GROUP_LABELS if g in present]


async def replan_user(context: SensusContext) -> None:
    """Re-plan the current person's reminders after a change of groups or region."""
    if context.account is not None:
        await replan(context.services, context.account.user_id)


async def settings_view(context: SensusContext) -> tuple[str, InlineKeyboardMarkup]:
    """The subscription message: one toggle per group, the region, Done."""
    t = context.t
    services = context.services
    assert context.account is not None  # its callers return early without an account
    user = await services.repo.get_user(context.account.user_id)
    chosen = await services.repo.subscriptions(context.account.user_id)
    offered = offered_groups(services)
    rows = []
    if not set(offered) <= chosen:
        # The suggested choice first: everything, switched on with this one press.
        rows.append([(t._("✅ Aktifkan semua pengingat"), Callback("remind", "all"))])
    rows += [
        [
            (
                ("✅ " if g in chosen else "⬜ ") + t._(GROUP_LABELS[g]),
                Callback("remind", "toggle", g),
            )
        ]
        for g in offered
    ]
    region = region_name(user.region) if user and user.region else None
    rows.append(
        [
            (
                t._("📍 Wilayah: {region}").format(region=region or t._("pilih")),
                Callback("remind", "regions"),
            )
        ]
    )
    rows.append([(t._("✔️ Selesai"), Callback("remind", "done"))])
    lines = [t._("🔔 <b>Pengingat sensus</b>")]
    quiet = services.settings.quiet_hours
    if quiet:
        start, end = (t.time(datetime.combine(date.today(), moment)) for moment in quiet)
        lines.append(
            t._(
                "Saya tidak mengirim apa pun antara pukul {start} dan {end} di wilayah Anda."
            ).format(start=start, end=end)
        )
    if chosen:
        lines.append(t._("Pilih pengingat yang Anda mau:"))
    else:
        lines.append(
            t._("Belum ada pengingat aktif. Aktifkan semua sekaligus, atau pilih sendiri:")
        )
    return "\n".join(lines), keyboard(rows)


async def refresh(update: Update, context: SensusContext) -> None:
    """Answer the button and show the subscription message as it now stands."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if context.account is None:
        return
    text, markup = await settings_view(context)
    await edit_in_place(query, text, markup)


async def remind_command(update: Update, context: SensusContext) -> None:
    """/ingatkan: show the choices; nothing is switched on until the person chooses."""
    chat = update.effective_chat
    if chat is None or context.account is None:
        return
    text, markup = await settings_view(context)
    await chat.send_message(text, reply_markup=markup)


async def subscribe_all(update: Update, context: SensusContext) -> None:
    """Switch every offered reminder group on with one press (reminders re-planned)."""
    if context.account is None:  # a forged press from someone the bot does not know
        return
    for group in offered_groups(context.services):
        await context.services.repo.subscribe(context.account.user_id, group)
    await replan_user(context)
    await refresh(update, context)


async def toggle(update: Update, context: SensusContext) -> None:
    """Switch one reminder group on or off (written at once, reminders re-planned)."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    callback = parse_callback(query.data)
    services = context.services
    if callback is None or callback.arg not in offered_groups(services):
        await query.answer()
        return
    user_id = context.account.user_id
    if callback.arg in await services.repo.subscriptions(user_id):
        contents = [
            pack(Reminder(r.id)) for r in services.calendar.reminders if r.group == callback.arg
        ]
        await services.repo.unsubscribe(user_id, callback.arg, contents)
    else:
        await services.repo.subscribe(user_id, callback.arg)
        await replan_user(context)
    await refresh(update, context)


def region_keyboard(context: SensusContext, province: str) -> InlineKeyboardMarkup:
    """The regencies of a province, two a row, then other provinces and Back."""
    t = context.t
    buttons = [(name, Callback("remind", "region", code)) for code, name in regencies(province)]
    rows = two_a_row(buttons)
    rows.append([(t._("🗺 Provinsi lain"), Callback("remind", "provinces"))])
    rows.append([(t._("⬅️ Kembali"), Callback("remind", "show"))])
    return keyboard(rows)


async def pick_region(update: Update, context: SensusContext) -> None:
    """The regency list (NTT first; another province on request)."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    province = callback.arg if callback and callback.arg else PILOT_PROVINCE
    await query.answer()
    name = region_name(province)
    if name is None:
        return
    text = context.t._("Pilih kabupaten/kota tempat Anda tinggal ({province}):").format(
        province=html.escape(name)
    )
    await edit_in_place(query, text, region_keyboard(context, province))


async def pick_province(update: Update, context: SensusContext) -> None:
    """The 34 provinces of 2020, two a row."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    buttons = [(name, Callback("remind", "regions", code)) for code, name in provinces()]
    rows = two_a_row(buttons)
    await edit_in_place(query, context.t._("Pilih provinsi:"), keyboard(rows))


async def set_region(update: Update, context: SensusContext) -> None:
    """Store the regency; it sets the time zone and the region for staff targeting."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    callback = parse_callback(query.data)
    code = callback.arg if callback else ""
    if len(code) != 5 or region_name(code) is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    zone = context.services.readers.zone(code)
    await context.services.repo.set_region(context.account.user_id, code, zone.key)
    await replan_user(context)
    await refresh(update, context)


async def done(update: Update, context: SensusContext) -> None:
    """Close the subscription message with a summary."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    chosen = await context.services.repo.subscriptions(context.account.user_id)
    t = context.t
    await query.answer()
    if chosen:
        names = ", ".join(t._(GROUP_LABELS[g]) for g in GROUP_LABELS if g in chosen)
        text = t._("✅ Pengingat aktif: {names}. Berhenti kapan saja dengan /berhenti.").format(
            names=names
        )
    else:
        text = t._("Tidak ada pengingat aktif. Aktifkan lagi dengan /ingatkan.")
    await edit_in_place(query, text, None)


async def stop_command(update: Update, context: SensusContext) -> None:
    """/berhenti: nothing more on the bot's own initiative."""
    chat = update.effective_chat
    if chat is None or context.account is None:
        return
    await context.services.repo.opt_out(context.account.user_id)
    await chat.send_message(
        context.t._(
            "✅ Anda tidak akan menerima pengingat atau pengumuman lagi. Saya tetap menjawab "
            "pertanyaan Anda. Aktifkan lagi dengan /ingatkan."
        )
    )


async def blocked_or_unblocked(update: Update, context: SensusContext) -> None:
    """In a private chat my_chat_member means the person blocked or unblocked the bot."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMember.BANNED
    services = context.services
    if await services.repo.get_user(change.chat.id) is None:
        return
    await services.repo.set_blocked(change.chat.id, blocked)
    if not blocked and context.account is not None:
        await replan_user(context)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(REMIND.names(), remind_command, filters=private),
        CommandHandler(STOP.names(), stop_command, filters=private),
        CallbackQueryHandler(as_button(remind_command), pattern=r"^remind:start:$"),
        CallbackQueryHandler(subscribe_all, pattern=r"^remind:all:$"),
        CallbackQueryHandler(toggle, pattern=r"^remind:toggle:"),
        CallbackQueryHandler(refresh, pattern=r"^remind:show:$"),
        CallbackQueryHandler(pick_region, pattern=r"^remind:regions:"),
        CallbackQueryHandler(pick_province, pattern=r"^remind:provinces:$"),
        CallbackQueryHandler(set_region, pattern=r"^remind:region:"),
        CallbackQueryHandler(done, pattern=r"^remind:done:$"),
        MembershipHandler(blocked_or_unblocked, private=True),
    ]
