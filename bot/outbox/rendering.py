"""Texts of outbox rows, rendered at send time for their recipient through the resolver
(language, zone, calendar values in force); None when there is nothing to send any more."""

import html
from datetime import UTC, datetime

from babel.dates import format_timedelta

from bot.domain.assistant import Reader
from bot.domain.helpdesk import next_showing, ticket_heading
from bot.domain.phases import phase_of
from bot.domain.regions import region_name
from bot.domain.reminders import reminder_text
from bot.i18n import N_
from bot.outbox import content
from bot.outbox.broadcasts import HEADING
from bot.outbox.queueing import queue_ticket
from bot.services import Services
from storage.repository import OutboxRow, text_in

REMINDER_FOOTER = N_("Berhenti menerima pengingat: /berhenti")
CHANGE_NOTICE = N_("📅 <b>Jadwal Sensus Penduduk 2020 diperbarui</b>")


async def render(services: Services, row: OutboxRow) -> str | None:
    """The text of a claimed row for its recipient."""
    ref = content.parse(row.content)
    if isinstance(ref, content.Broadcast):
        return await render_broadcast(services, row, ref)
    if isinstance(ref, content.Reminder):
        return await render_reminder(services, row, ref)
    if isinstance(ref, content.Announcement):
        return await services.repo.announcement(ref.id)
    if isinstance(ref, content.CalendarChange):
        user = await services.repo.get_user(row.user_id) if row.user_id else None
        return notice_text(services.reader_for(user)) if user else None
    if isinstance(ref, content.Ticket):
        return await render_ticket(services, row, ref)
    if isinstance(ref, content.TicketReply):
        return await render_ticket_reply(services, row, ref)
    return None


async def render_broadcast(
    services: Services, row: OutboxRow, ref: content.Broadcast
) -> str | None:
    """The broadcast in the recipient's language (groups: the default one), with the
    opt-out hint for people."""
    texts = await services.repo.broadcast_texts(ref.id)
    if not texts:
        return None
    user = await services.repo.get_user(row.user_id) if row.user_id else None
    t = services.reader_for(user).t
    text = f"<b>{t._(HEADING)}</b>\n\n{text_in(texts, t.code)}"
    if user is None:
        return text  # a community group
    footer = t._("Berhenti menerima pesan: /berhenti")
    return f"{text}\n\n{footer}"


async def render_reminder(services: Services, row: OutboxRow, ref: content.Reminder) -> str | None:
    """A reminder in the recipient's language and zone, dates from the calendar in force;
    none once its event is over (it would no longer be true)."""
    user = await services.repo.get_user(row.user_id) if row.user_id else None
    reader = services.reader_for(user)
    calendar = reader.calendar
    reminder = calendar.reminder(ref.id)
    if reminder is None or user is None:
        return None
    event = calendar.event(reminder.event)
    if event is None or phase_of(calendar, event, reader.now).state == "closed":
        return None
    return reminder_text(reminder, reader.lang, reader.values, reader.t._(REMINDER_FOOTER))


def notice_text(reader: Reader) -> str:
    """The "schedule changed" notice for a reader."""
    footer = reader.t._("Lihat /jadwal. Berhenti menerima pesan: /berhenti")
    return f"{reader.t._(CHANGE_NOTICE)}\n{reader.values['schedule']}\n\n{footer}"


async def render_ticket(services: Services, row: OutboxRow, ref: content.Ticket) -> str | None:
    """A ticket for the helpdesk group (staff read the default language and SENSUS_TZ);
    rendering it plans the next showing, so an unanswered ticket keeps coming back."""
    ticket = await services.repo.ticket(ref.id)
    if ticket is None or ticket.status != "open":
        return None
    settings = services.settings
    now = services.clock.now()
    due = next_showing(now, settings.ticket_reshow, settings.office_hours, settings.timezone)
    again = content.Ticket(ticket.id, ref.showing + 1)
    await queue_ticket(services, row.chat_id, again, due.timestamp())
    t = services.reader_for(None).t
    language = services.i18n.languages.get(ticket.lang)
    region = region_name(ticket.region) if ticket.region else None
    language_name = language.name if language else ticket.lang
    region_text = region or t._("wilayah belum diisi")
    lines = [
        f"<b>{ticket_heading(ticket.id)}</b> · {html.escape(language_name)}"
        f" · {html.escape(region_text)}"
    ]
    if ref.showing:
        asked = datetime.fromtimestamp(ticket.created_at, UTC)
        age = format_timedelta(now - asked, locale=t.locale)
        lines.append(t._("⏰ Belum dijawab sejak {age}.").format(age=age))
    lines += ["", ticket.question, "", t._("↩️ Balas pesan ini untuk menjawab warga.")]
    return "\n".join(lines)


async def render_ticket_reply(
    services: Services, row: OutboxRow, ref: content.TicketReply
) -> str | None:
    """A staff reply for the resident, in their language."""
    found = await services.repo.ticket_reply(ref.id)
    account = await services.repo.get_user(row.user_id) if row.user_id else None
    if found is None or account is None:
        return None
    ticket_id, text = found
    t = services.reader_for(account).t
    heading = t._("💬 Jawaban petugas (tiket #{id})").format(id=ticket_id)
    return f"<b>{heading}</b>\n\n{text}"
