"""/jadwal: the census calendar in the user's language, each event with its phase today."""

import html

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import SCHEDULE
from bot.context import SensusContext
from bot.domain.calendar import zone_name
from bot.domain.phases import phases
from handlers.ui import as_button, is_private, main_menu

LONG_DATE = "EEEE, d MMMM y"  # "Sabtu, 15 Februari 2020" (CLDR's Indonesian "full" pads the day)


def schedule_text(context: SensusContext) -> str:
    """Each event with its dates (the same span as in answers), marked over / now / next."""
    t = context.t
    reader = context.reader
    now, values = reader.now, reader.values
    lines = [t._("📅 <b>Jadwal Sensus Penduduk 2020</b>"), ""]
    upcoming_marked = False
    for event_id, phase in phases(reader.calendar, now).items():
        if phase.state == "closed":
            marker, note = "✅", t._("selesai")
        elif phase.state == "open":
            marker = "▶️"
            note = t._("sedang berlangsung, tinggal {left}").format(left=values[f"{event_id}_left"])
        elif not upcoming_marked:
            marker, note, upcoming_marked = "⏭", t._("berikutnya"), True
        else:
            marker, note = "▫️", ""
        suffix = f" <i>({note})</i>" if note else ""
        name = html.escape(phase.event.name(t.code))
        lines.append(f"{marker} <b>{name}</b>{suffix}\n    {values[f'{event_id}_dates']}")
    today = t.date(now.astimezone(reader.zone), LONG_DATE)
    lines += [
        "",
        t._("Hari ini: {today} · waktu {zone}").format(today=today, zone=zone_name(reader.zone)),
    ]
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
