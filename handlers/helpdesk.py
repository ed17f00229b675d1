"""A person when the bot cannot help: residents' tickets, the staff helpdesk group, replies.

The resident's question reaches the registered group masked and named only by its ticket
number, language and regency; a staff member's reply to that message reaches the resident
through the outbox. Nothing else a resident writes ever reaches the group.
"""

import html
from datetime import timedelta

from babel.dates import format_timedelta
from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import HELPDESK, TICKETS
from bot.context import SensusContext
from bot.domain.assistant import fallback_message
from bot.domain.calendar import zone_name
from bot.domain.callbacks import Callback
from bot.domain.helpdesk import (
    MAX_QUESTION,
    TICKET_MARK,
    next_opening,
    ticket_heading,
    ticket_of,
    ticket_question,
)
from bot.i18n import N_, Translator
from bot.outbox import content
from bot.outbox.queueing import queue_ticket, queue_ticket_reply
from handlers.auth import admin_only, is_staff, staff_only
from storage.repository import Ticket

ASK_MARK = "🙋"  # starts the prompt a resident answers with their question
ASK_LABEL = N_("🙋 Tanya petugas")
ASK_BUTTON = Callback("desk", "ask")


def offer_person(t: Translator, markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """``markup`` with a last row "🙋 Tanya petugas" (after a fallback, a "did you mean", or
    small talk asking for a person)."""
    rows = list(markup.inline_keyboard) if markup else []
    rows.append((InlineKeyboardButton(t._(ASK_LABEL), callback_data=ASK_BUTTON.pack()),))
    return InlineKeyboardMarkup(rows)


class ReplyTo(filters.MessageFilter):
    """A reply to one of the bot's own messages whose text starts with ``mark``."""

    def __init__(self, mark: str) -> None:
        super().__init__()
        self.mark = mark

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == message.get_bot().id
            and (replied.text or "").startswith(self.mark)
        )


def expected_answer(context: SensusContext) -> str:
    """Roughly when staff answer: soon in office hours, else when the office opens (shown in
    the resident's zone)."""
    t, settings = context.t, context.services.settings
    zone = context.reader.zone
    opening = next_opening(context.services.clock.now(), settings.office_hours, settings.timezone)
    start, end = settings.office_hours
    hours = t._("Jam kerja petugas: Senin–Jumat {start}–{end} {zone}.").format(
        start=start.strftime("%H.%M"), end=end.strftime("%H.%M"), zone=zone_name(settings.timezone)
    )
    if opening is None:
        return t._("Biasanya petugas menjawab dalam beberapa jam.") + " " + hours
    local = opening.astimezone(zone)
    return (
        t._("Petugas akan menjawab setelah kantor buka: {day}, mulai pukul {time} {zone}.").format(
            day=t.date(local.date(), "full"), time=t.time(local), zone=zone_name(zone)
        )
        + " "
        + hours
    )


async def ask_pressed(update: Update, context: SensusContext) -> None:
    """ "🙋 Tanya petugas": ask for the question (one open ticket per resident)."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    await query.answer()
    if context.account is None or chat.type != ChatType.PRIVATE:
        return
    t, services = context.t, context.services
    open_ticket = await services.repo.open_ticket_of(context.account.user_id)
    if open_ticket is not None:
        await chat.send_message(already_open(context, open_ticket))
        return
    if await services.repo.helpdesk_chat() is None:
        await chat.send_message(no_helpdesk(context))
        return
    prompt = t._(
        "Tulis pertanyaan Anda untuk petugas dalam satu pesan, sebagai balasan pesan ini. "
        "Jangan tulis NIK, nomor KK, token, atau kata sandi."
    )
    await chat.send_message(f"{ASK_MARK} {prompt}", reply_markup=ForceReply())


def already_open(context: SensusContext, ticket: Ticket) -> str:
    """The reply when the resident already waits for an answer."""
    return (
        context.t._("Pertanyaan Anda (tiket #{id}) masih menunggu jawaban petugas.").format(
            id=ticket.id
        )
        + "\n"
        + expected_answer(context)
    )


def no_helpdesk(context: SensusContext) -> str:
    """No helpdesk group yet: say so, with the official contacts."""
    return (
        context.t._("Maaf, belum ada petugas yang bisa dihubungi lewat bot ini.")
        + "\n\n"
        + fallback_message(context.t._, context.services.calendar)
    )


async def question_written(update: Update, context: SensusContext) -> None:
    """The resident's answer to the prompt: open a ticket and queue it for the group."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None and message.text is not None
    t, services = context.t, context.services
    if context.account is None:
        return
    question = ticket_question(message.text)
    if not question:
        await chat.send_message(t._("Pertanyaan itu tidak bisa saya teruskan. Tulis tanpa nomor."))
        return
    if len(question) > MAX_QUESTION:
        await chat.send_message(
            t._("Pertanyaan terlalu panjang ({count} huruf); paling banyak {limit}.").format(
                count=len(question), limit=MAX_QUESTION
            )
        )
        return
    helpdesk = await services.repo.helpdesk_chat()
    if helpdesk is None:
        await chat.send_message(no_helpdesk(context))
        return
    ticket_id = await services.repo.open_ticket(
        context.account.user_id, html.escape(question), services.clock.now().timestamp()
    )
    if ticket_id is None:
        ticket = await services.repo.open_ticket_of(context.account.user_id)
        if ticket is not None:
            await chat.send_message(already_open(context, ticket))
        return
    await queue_ticket(
        services, helpdesk, content.Ticket(ticket_id), services.clock.now().timestamp()
    )
    await chat.send_message(
        t._("✅ Pertanyaan Anda sudah diteruskan ke petugas (tiket #{id}).").format(id=ticket_id)
        + "\n"
        + expected_answer(context)
    )


async def register_helpdesk(update: Update, context: SensusContext) -> None:
    """/meja_bantuan in a group (administrators): residents' tickets go to this group."""
    chat, person = update.effective_chat, update.effective_user
    assert chat is not None and person is not None
    t, services = context.t, context.services
    if chat.type == ChatType.PRIVATE:
        await chat.send_message(t._("Kirim /meja_bantuan di grup petugas, bukan di sini."))
        return
    await services.repo.set_helpdesk(chat.id, person.id, services.clock.now())
    await chat.send_message(
        t._(
            "✅ Grup ini sekarang meja bantuan. Pertanyaan warga muncul di sini sebagai tiket; "
            "petugas menjawab dengan membalas pesan tiket. /tiket menampilkan tiket yang "
            "belum dijawab."
        )
    )


async def list_tickets(update: Update, context: SensusContext) -> None:
    """/tiket (staff): open tickets, oldest first, with their age."""
    chat = update.effective_chat
    assert chat is not None
    t, services = context.t, context.services
    if chat.type != ChatType.PRIVATE and chat.id != await services.repo.helpdesk_chat():
        await chat.send_message(t._("Tiket hanya ditampilkan di chat pribadi atau meja bantuan."))
        return
    tickets = await services.repo.open_tickets()
    if not tickets:
        await chat.send_message(t._("Tidak ada tiket yang menunggu jawaban."))
        return
    now = services.clock.now().timestamp()
    lines = [t._("<b>Tiket yang menunggu jawaban</b>")]
    for ticket in tickets:
        age = format_timedelta(timedelta(seconds=now - ticket.created_at), locale=t.locale)
        lines.append(f"{ticket_heading(ticket.id)} · {age} · {shortened(ticket.question)}")
    await chat.send_message("\n".join(lines))


def shortened(text: str, length: int = 60) -> str:
    """The start of a stored (escaped) question on one line."""
    plain = " ".join(html.unescape(text).split())
    return html.escape(plain if len(plain) <= length else plain[:length] + "…")


async def staff_replied(update: Update, context: SensusContext) -> None:
    """A reply to a ticket in the helpdesk group: staff replies go to the resident."""
    message, chat, person = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and person is not None
    services, t = context.services, context.t
    if chat.id != await services.repo.helpdesk_chat():
        return  # a ticket's copy elsewhere (impossible today): never a way to residents
    if not await is_staff(update, context):
        await message.reply_text(t._("Hanya petugas yang bisa menjawab tiket."))
        return
    replied = message.reply_to_message
    ticket_id = ticket_of(replied.text if replied else None)
    text = (message.text or "").strip()
    if ticket_id is None or not text:
        return
    reply_id = await services.repo.add_ticket_reply(
        ticket_id, person.id, html.escape(text), services.clock.now().timestamp()
    )
    ticket = await services.repo.ticket(ticket_id) if reply_id else None
    if reply_id is None or ticket is None:
        await message.reply_text(
            t._("Tiket #{id} sudah tidak ada: warga menghapus datanya.").format(id=ticket_id)
        )
        return
    await queue_ticket_reply(services, ticket.user_id, reply_id)
    await message.reply_text(
        t._("✅ Tiket #{id} dijawab oleh {name}. Jawaban dikirim ke warga.").format(
            id=ticket_id, name=html.escape(person.full_name)
        )
    )


async def privacy_lines(context: SensusContext) -> list[str]:
    """For /privasi: the resident's open ticket, if any."""
    if context.account is None:
        return []
    ticket = await context.services.repo.open_ticket_of(context.account.user_id)
    if ticket is None:
        return []
    return [
        context.t._(
            "• Tiket #{id} untuk petugas: “{question}” — agar petugas bisa menjawab."
        ).format(id=ticket.id, question=shortened(ticket.question))
    ]


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; staff replies are checked when they arrive."""
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    return [
        CallbackQueryHandler(ask_pressed, pattern=r"^desk:ask:$"),
        MessageHandler(text & filters.ChatType.PRIVATE & ReplyTo(ASK_MARK), question_written),
        MessageHandler(text & filters.ChatType.GROUPS & ReplyTo(TICKET_MARK), staff_replied),
        CommandHandler(HELPDESK.names(), admin_only(register_helpdesk)),
        CommandHandler(TICKETS.names(), staff_only(list_tickets)),
    ]
