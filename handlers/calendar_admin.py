"""/kalender (admins): apply a revised census calendar, then offer a "schedule changed" notice."""

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import CALENDAR
from bot.context import SensusContext
from bot.domain.calendar import (
    CalendarError,
    load_calendar,
    shipped_calendar_path,
    shipped_calendars,
)
from bot.domain.callbacks import Callback, parse_callback
from bot.i18n import Translator
from bot.outbox.planning import Change, calendar_changes
from bot.outbox.queueing import apply_calendar, queue_calendar_notice
from bot.outbox.rendering import notice_text
from handlers.auth import admin_only
from handlers.ui import edit_in_place, keyboard


def describe(t: Translator, change: Change) -> str:
    """One change in words for staff."""
    if change.what == "access":
        return t._("Cara masuk: {before} → {after}").format(
            before=change.before, after=change.after
        )
    if change.what == "event-added":
        return t._("Baru: {event} ({after})").format(event=change.subject, after=change.after)
    if change.what == "event-removed":
        return t._("Dihapus: {event} ({before})").format(event=change.subject, before=change.before)
    return t._("Diubah: {event}: {before} → {after}").format(
        event=change.subject, before=change.before, after=change.after
    )


async def calendar_command(update: Update, context: SensusContext) -> None:
    """/kalender: the calendar in force and the shipped calendars to apply."""
    services = context.services
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    revision = services.calendar_revision
    text = t._(
        "Kalender yang berlaku: <b>{census}</b>, cara masuk {access}, revisi {revision}."
    ).format(
        census=html.escape(services.calendar.census),
        access=services.calendar.access,
        revision=revision if revision is not None else "-",
    )
    rows = [
        [(t._("Pratinjau: {name}").format(name=name), Callback("cal", "preview", name))]
        for name in shipped_calendars()
    ]
    await chat.send_message(text, reply_markup=keyboard(rows))


async def preview(update: Update, context: SensusContext) -> None:
    """What applying a calendar would change."""
    query = update.callback_query
    assert query is not None
    name = (parse_callback(query.data) or Callback("cal", "preview")).arg
    await query.answer()
    try:
        revised = load_calendar(shipped_calendar_path(name))
    except CalendarError:
        return
    t = context.t
    changes = calendar_changes(context.services.calendar, revised)
    lines = [t._("<b>{name}</b> mengubah:").format(name=html.escape(name))]
    lines += [f"• {html.escape(describe(t, c))}" for c in changes] or [t._("(tidak ada perubahan)")]
    buttons = [
        [(t._("✅ Terapkan"), Callback("cal", "apply", name))],
        [(t._("Batal"), Callback("cal", "cancel"))],
    ]
    await edit_in_place(query, "\n".join(lines), keyboard(buttons))


async def apply(update: Update, context: SensusContext) -> None:
    """Apply a calendar: answers follow at once, reminders are re-planned."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    name = (parse_callback(query.data) or Callback("cal", "apply")).arg
    services = context.services
    try:
        path = shipped_calendar_path(name)
        revised = load_calendar(path)
    except CalendarError:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await query.answer()
    applied = await apply_calendar(
        services,
        revised,
        path.read_text(encoding="utf-8"),
        path.name,
        str(update.effective_user.id),
    )
    t = context.t
    subscribers = await services.repo.count_subscribers()
    text = "\n".join(
        [
            t._("✅ Kalender diterapkan (revisi {revision}).").format(revision=applied.revision_id),
            t._("Pengingat: {planned} dijadwalkan, {cancelled} dibatalkan.").format(
                planned=applied.report.planned, cancelled=applied.report.cancelled
            ),
            "",
            t._("Kirim pemberitahuan ini ke {count} pelanggan?").format(count=subscribers),
            "",
            notice_text(services.reader_for(None, lang=t.code)),
        ]
    )
    buttons = [
        [(t._("📣 Kirim pemberitahuan"), Callback("cal", "announce", str(applied.revision_id)))],
        [(t._("Tidak usah"), Callback("cal", "cancel"))],
    ]
    await edit_in_place(query, text, keyboard(buttons))


async def announce(update: Update, context: SensusContext) -> None:
    """Queue the "schedule changed" notice for every subscriber, once per revision."""
    query = update.callback_query
    assert query is not None
    revision = (parse_callback(query.data) or Callback("cal", "announce")).arg
    services = context.services
    if not revision.isdigit() or await services.repo.calendar_revision(int(revision)) is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    count = await queue_calendar_notice(services, int(revision))
    await query.answer()
    await edit_in_place(
        query,
        context.t._("📣 Pemberitahuan dijadwalkan untuk {count} pelanggan.").format(count=count),
        None,
    )


async def cancel(update: Update, context: SensusContext) -> None:
    """Close the staff message without doing anything."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit_in_place(query, context.t._("Dibatalkan."), None)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one for administrators only."""
    return [
        CommandHandler(
            CALENDAR.names(), admin_only(calendar_command), filters=filters.ChatType.PRIVATE
        ),
        CallbackQueryHandler(admin_only(preview), pattern=r"^cal:preview:"),
        CallbackQueryHandler(admin_only(apply), pattern=r"^cal:apply:"),
        CallbackQueryHandler(admin_only(announce), pattern=r"^cal:announce:"),
        CallbackQueryHandler(admin_only(cancel), pattern=r"^cal:cancel:$"),
    ]
