"""/jadwal: the census calendar in the user's language and time zone."""

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import SCHEDULE
from bot.context import SensusContext
from bot.domain.calendar import zone_name
from bot.domain.regions import zone_of
from handlers.ui import as_button, is_private, main_menu

LONG_DATE = "EEEE, d MMMM y"  # "Sabtu, 15 Februari 2020" (CLDR's Indonesian "full" pads the day)


def schedule_text(context: SensusContext) -> str:
    """Each event with full dates, marked past / now / next."""
    t = context.t
    services = context.services
    account = context.account
    zone = zone_of(account.region) if account and account.region else services.settings.timezone
    now = services.clock.now()
    lines = [t._("📅 <b>Jadwal Sensus Penduduk 2020</b>"), ""]
    upcoming_marked = False
    for event in services.calendar.events:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        until = t._("s.d. {date} pukul {time}").format(
            date=t.date(end, LONG_DATE), time=f"{t.time(end)} {zone_name(zone)}"
        )
        span = f"{t.date(start, LONG_DATE)} {until}"
        if end < now:
            marker, note = "✅", t._("selesai")
        elif start <= now:
            marker, note = "▶️", t._("sedang berlangsung")
        elif not upcoming_marked:
            marker, note, upcoming_marked = "⏭", t._("berikutnya"), True
        else:
            marker, note = "▫️", ""
        suffix = f" <i>({note})</i>" if note else ""
        lines.append(f"{marker} <b>{html.escape(event.name(t.code))}</b>{suffix}\n    {span}")
    today = t.date(now.astimezone(zone), LONG_DATE)
    lines += ["", t._("Hari ini: {today} · waktu {zone}").format(today=today, zone=zone_name(zone))]
    return "\n".join(lines)


async def schedule_command(update: Update, context: SensusContext) -> None:
    """/jadwal (with the main menu in a private chat; a group gets no buttons)."""
    chat = update.effective_chat
    if chat is None:
        return
    menu = main_menu(context.t) if is_private(update) else None
    await chat.send_message(schedule_text(context), reply_markup=menu)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    return [
        CommandHandler(SCHEDULE.names(), schedule_command),
        CallbackQueryHandler(as_button(schedule_command), pattern=r"^schedule:show:$"),
    ]
