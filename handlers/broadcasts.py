"""/siaran (staff): write, choose the audience, add languages, preview, send or schedule; steer;
status."""

import asyncio
import contextlib
import html
import re

from telegram import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import BROADCAST, BROADCAST_STATUS
from bot.context import SensusContext
from bot.domain.audience import Audience, parse_audience
from bot.domain.calendar import parse_send_time, zone_name
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.regions import PILOT_PROVINCE, provinces, regencies, region_name
from bot.i18n import N_, SOURCE_LANGUAGE, Translator
from bot.outbox.broadcasts import (
    HEADING,
    MAX_TEXT,
    BroadcastProgress,
    count_recipients,
    create_broadcast,
)
from bot.outbox.queueing import queue_draft
from bot.services import Services
from handlers.auth import staff_only
from handlers.reminders import GROUP_LABELS, offered_groups
from handlers.ui import edit_in_place, keyboard, two_a_row
from storage.repository import Broadcast

PROGRESS_EVERY = 3.0  # seconds between edits of the progress message
DIRECT_CHOICES = [  # audience buttons: label, audience written with "=" (":" separates parts)
    (N_("Semua warga"), "all"),
    (N_("Ketua RT"), "rt-heads"),
    (N_("Grup RT"), "rt-groups"),
]
# Replies to these prompts carry a language variant or a sending time: "✍️ #12 [en]", "⏰ #12".
PROMPT = re.compile(r"^(?:✍️ #(?P<text>\d+) \[(?P<lang>[a-z]+)\]|⏰ #(?P<time>\d+))")
TIME_EXAMPLE = "2020-09-01 08:00"
PHASE_LABELS = {  # bot.domain.broadcasts phases, as a staff member reads them
    "draft": N_("belum dikirim"),
    "queued": N_("sedang dikirim"),
    "paused": N_("sedang dijeda"),
    "cancelled": N_("sudah dibatalkan"),
    "finished": N_("sudah selesai"),
}


class PromptReply(filters.MessageFilter):
    """A reply to one of the broadcast prompts."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and bool(PROMPT.match(replied.text or ""))


def audience_of(services: Services, arg: str) -> Audience | None:
    """The audience encoded in a button, checked."""
    try:
        return parse_audience(arg.replace("=", ":"), services.i18n.codes)
    except ValueError:
        return None


def audience_menu(context: SensusContext, broadcast_id: int) -> InlineKeyboardMarkup:
    """Everyone, each language, a region, reminder subscribers, RT heads, RT groups."""
    t, languages = context.t, context.services.i18n.languages
    choices = [(t._(label), f"aud:{broadcast_id}.{choice}") for label, choice in DIRECT_CHOICES]
    choices[1:1] = [
        (t._("Pengguna {language}").format(language=lang.name), f"aud:{broadcast_id}.lang={code}")
        for code, lang in languages.items()
    ] + [
        (t._("📍 Satu wilayah…"), f"regions:{broadcast_id}.{PILOT_PROVINCE}"),
        (t._("🔔 Pelanggan satu pengingat…"), f"subs:{broadcast_id}"),
    ]
    return keyboard([[(label, Callback("bc", *data.split(":")))] for label, data in choices])


async def broadcast_command(update: Update, context: SensusContext) -> None:
    """/siaran TEKS: a draft in Indonesian, then the audience buttons."""
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
    now = services.clock.now()
    broadcast_id = await create_broadcast(
        services.repo, str(person.id), {"id": body}, Audience("all"), now, now
    )
    await chat.send_message(
        t._("Siaran ke siapa?"), reply_markup=audience_menu(context, broadcast_id)
    )


async def draft_pressed(
    update: Update, context: SensusContext
) -> tuple[CallbackQuery, Broadcast, str] | None:
    """A button on a draft (``ID`` or ``ID.rest``); None if refused."""
    found = await pressed(update, context)
    if found is None:
        return None
    query, broadcast, rest = found
    if broadcast.status != "draft":
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return None
    return query, broadcast, rest


async def show_audiences(update: Update, context: SensusContext) -> None:
    """Back to the audience buttons."""
    found = await draft_pressed(update, context)
    if found is not None:
        query, broadcast, _ = found
        await query.answer()
        await edit_in_place(
            query, context.t._("Siaran ke siapa?"), audience_menu(context, broadcast.id)
        )


async def choose_region(update: Update, context: SensusContext) -> None:
    """A province's regencies (or the list of provinces) as audiences."""
    found = await draft_pressed(update, context)
    if found is None:
        return
    query, broadcast, province = found
    t, prefix = context.t, f"{broadcast.id}."
    await query.answer()
    name = region_name(province)
    if name is None:
        buttons = [(n, Callback("bc", "regions", prefix + code)) for code, n in provinces()]
        rows = two_a_row(buttons)
        await edit_in_place(query, t._("Pilih provinsi:"), keyboard(rows))
        return
    whole = t._("Seluruh {province}").format(province=name)
    buttons = [
        (n, Callback("bc", "aud", f"{prefix}region={code}")) for code, n in regencies(province)
    ]
    rows = [[(whole, Callback("bc", "aud", f"{prefix}region={province}"))]]
    rows += two_a_row(buttons)
    rows.append([(t._("🗺 Provinsi lain"), Callback("bc", "regions", prefix))])
    await edit_in_place(query, t._("Pilih wilayah:"), with_back(t, rows, broadcast.id))


def with_back(
    t: Translator, rows: list[list[tuple[str, Callback]]], broadcast_id: int
) -> InlineKeyboardMarkup:
    """The rows, then a button back to the audience choice."""
    back = [(t._("⬅️ Kembali"), Callback("bc", "menu", str(broadcast_id)))]
    return keyboard([*rows, back])


async def choose_subscribers(update: Update, context: SensusContext) -> None:
    """The reminder kinds residents subscribe to, as audiences."""
    found = await draft_pressed(update, context)
    if found is None:
        return
    query, broadcast, _ = found
    t = context.t
    await query.answer()
    rows = [
        [(t._(GROUP_LABELS[group]), Callback("bc", "aud", f"{broadcast.id}.reminder={group}"))]
        for group in offered_groups(context.services)
    ]
    await edit_in_place(
        query, t._("Pelanggan pengingat yang mana?"), with_back(t, rows, broadcast.id)
    )


async def choose_audience(update: Update, context: SensusContext) -> None:
    """An audience button: count and preview, then confirm."""
    found = await draft_pressed(update, context)
    if found is None:
        return
    query, broadcast, choice = found
    services = context.services
    audience = audience_of(services, choice)
    if audience is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await services.repo.set_broadcast_audience(broadcast.id, str(audience))
    await query.answer()
    text, markup = await preview(context, broadcast.id)
    await edit_in_place(query, text, markup)


async def preview(context: SensusContext, broadcast_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Recipients, languages written and the Indonesian text; send, schedule, add a language."""
    services, t = context.services, context.t
    broadcast = await services.repo.broadcast(broadcast_id)
    assert broadcast is not None
    audience = audience_of(services, broadcast.audience)
    assert audience is not None
    count = await count_recipients(services.repo, audience)
    written = ", ".join(services.i18n.languages[code].name for code in sorted(broadcast.texts))
    text = (
        t._("Penerima: {count} ({audience}). Pratinjau:").format(count=count, audience=audience)
        + "\n"
        + t._("Teks tertulis: {languages}").format(languages=written)
        + f"\n\n<b>{t._(HEADING)}</b>\n\n{broadcast.text('id')}"
    )
    arg = str(broadcast_id)
    rows = [
        [(t._("📣 Kirim sekarang"), Callback("bc", "send", arg))],
        [(t._("⏰ Jadwalkan"), Callback("bc", "when", arg))],
    ]
    rows += [
        [
            (
                t._("➕ Teks {language}").format(language=services.i18n.languages[code].name),
                Callback("bc", "text", f"{arg}.{code}"),
            )
        ]
        for code in variant_languages(services)
    ]
    rows.append([(t._("👥 Ganti penerima"), Callback("bc", "menu", arg))])
    rows.append([(t._("Batal"), Callback("bc", "cancel", arg))])
    return text, keyboard(rows)


def variant_languages(services: Services) -> list[str]:
    """The languages a draft may get a variant in: every configured one but Indonesian."""
    return [code for code in services.i18n.languages if code != SOURCE_LANGUAGE]


async def ask_text(update: Update, context: SensusContext) -> None:
    """Ask for the text in another language, as a reply to a prompt."""
    found = await draft_pressed(update, context)
    languages = context.services.i18n.languages
    if found is None:
        return
    query, broadcast, code = found
    if code not in variant_languages(context.services):
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await query.answer()
    instruction = context.t._("Balas pesan ini dengan teks siaran dalam {language}.")
    await ask(
        query, f"✍️ #{broadcast.id} [{code}]\n" + instruction.format(language=languages[code].name)
    )


async def ask_time(update: Update, context: SensusContext) -> None:
    """Ask when to send, as a reply to a prompt."""
    found = await draft_pressed(update, context)
    if found is None:
        return
    query, broadcast, _ = found
    await query.answer()
    zone = zone_name(context.services.settings.timezone)
    instruction = context.t._("Balas pesan ini dengan waktu kirim ({zone}), misalnya {example}.")
    await ask(query, f"⏰ #{broadcast.id}\n" + instruction.format(zone=zone, example=TIME_EXAMPLE))


async def ask(query: CallbackQuery, prompt: str) -> None:
    """Send a prompt the staff member answers by replying to it."""
    if query.message is not None:
        await query.message.chat.send_message(prompt, reply_markup=ForceReply())


async def answer_prompt(update: Update, context: SensusContext) -> None:
    """A reply to a prompt: store the language variant, or schedule the broadcast."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    match = PROMPT.match(message.reply_to_message.text or "")
    assert match is not None
    services, t = context.services, context.t
    broadcast = await services.repo.broadcast(int(match["text"] or match["time"]))
    body = (message.text or "").strip()
    if broadcast is None or broadcast.status != "draft":
        await message.chat.send_message(t._("Siaran ini sudah dikirim atau dibatalkan."))
    elif match["text"] and match["lang"] not in variant_languages(services):
        await message.chat.send_message(
            t._("Bahasa ini tidak dipakai bot ini. Pilih bahasa dari tombol ➕ di pratinjau.")
        )
    elif match["text"]:
        if not body or len(body) > MAX_TEXT:
            await message.chat.send_message(
                t._("Tulis teksnya (paling banyak {limit} huruf).").format(limit=MAX_TEXT)
            )
            return
        await services.repo.set_broadcast_text(broadcast.id, match["lang"], html.escape(body))
        text, markup = await preview(context, broadcast.id)
        await message.chat.send_message(text, reply_markup=markup)
    else:
        await schedule(message, context, broadcast, body)


async def schedule(
    message: Message, context: SensusContext, broadcast: Broadcast, typed: str
) -> None:
    """Queue the broadcast to start at the typed moment, or explain the format."""
    services, t = context.services, context.t
    zone = services.settings.timezone
    moment = parse_send_time(typed, services.clock.now(), zone)
    if moment is None:
        await message.chat.send_message(
            t._("Waktunya tidak terbaca atau sudah lewat. Contoh: {example} ({zone}).").format(
                example=TIME_EXAMPLE, zone=zone_name(zone)
            )
        )
        return
    await services.repo.set_broadcast_time(broadcast.id, moment.timestamp())
    count = await queue_draft(services, broadcast)
    await message.chat.send_message(
        t._(
            "🕒 Siaran #{id} dijadwalkan {when} untuk {count} penerima. Lihat /siaran_status."
        ).format(id=broadcast.id, when=t.datetime(moment, zone, "medium"), count=count),
        reply_markup=steer_keyboard(t, broadcast.id),
    )


async def pressed(
    update: Update, context: SensusContext
) -> tuple[CallbackQuery, Broadcast, str] | None:
    """A broadcast button (``ID`` or ``ID.rest``) and its broadcast, or None if refused."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    number, _, rest = (callback.arg if callback else "").partition(".")
    if number.isdigit():
        broadcast = await context.services.repo.broadcast(int(number))
        if broadcast is not None:
            return query, broadcast, rest
    await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
    return None


async def send(update: Update, context: SensusContext) -> None:
    """Confirm: queue for every recipient once, then watch the progress."""
    found = await draft_pressed(update, context)
    if found is None:
        return
    query, broadcast, _ = found
    services, t = context.services, context.t
    count = await queue_draft(services, broadcast)
    await query.answer()
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
        progress = BroadcastProgress.of(broadcast)
        if progress.over:
            text = t._("✅ Siaran #{id} selesai: {figures}").format(
                id=broadcast_id, figures=progress.figures(t)
            )
            markup = None
        else:
            text = t._(
                "📣 Siaran #{id} ({status}): {figures}. Perkiraan selesai: {minutes} menit."
            ).format(
                id=broadcast_id,
                status=t._(PHASE_LABELS[progress.phase]),
                figures=progress.figures(t),
                minutes=progress.minutes_left(services.settings.send_rate),
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
    """Pause, resume or cancel what of a broadcast is not sent yet, as its phase allows."""
    found = await pressed(update, context)
    if found is None:
        return
    query, broadcast, _ = found
    callback = parse_callback(query.data)
    action = callback.action if callback else ""
    services, t = context.services, context.t
    steered = await services.repo.steer_broadcast(broadcast.id, action)
    updated = await services.repo.broadcast(broadcast.id)
    if steered is None or updated is None:
        await query.answer(t._("Tombol ini sudah tidak berlaku."))
        return
    if steered.applied:
        services.wake_sender()
        await query.answer()
    else:
        await query.answer(unchanged_text(t, broadcast.id, steered.phase), show_alert=True)
    steerable = updated.phase in ("queued", "paused")
    await edit_in_place(
        query,
        f"#{updated.id} · {updated.status} · {BroadcastProgress.of(updated).figures(t)}",
        steer_keyboard(t, updated.id) if steerable else None,
    )


def unchanged_text(t: Translator, broadcast_id: int, phase: str) -> str:
    """ "Siaran #3 sudah dibatalkan; tidak ada yang diubah." """
    return t._("Siaran #{id} {phase}; tidak ada yang diubah.").format(
        id=broadcast_id, phase=t._(PHASE_LABELS[phase])
    )


async def status_command(update: Update, context: SensusContext) -> None:
    """/siaran_status: recent broadcasts and their figures."""
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    lines = [
        f"#{b.id} · {html.escape(b.audience)} · {b.status} · {BroadcastProgress.of(b).figures(t)}"
        for b in await context.services.repo.recent_broadcasts()
    ]
    await chat.send_message("\n".join(lines) or t._("Belum ada siaran."))


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one for staff only."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(BROADCAST.names(), staff_only(broadcast_command), filters=private),
        CommandHandler(BROADCAST_STATUS.names(), staff_only(status_command), filters=private),
        MessageHandler(private & filters.TEXT & PromptReply(), staff_only(answer_prompt)),
        CallbackQueryHandler(staff_only(show_audiences), pattern=r"^bc:menu:"),
        CallbackQueryHandler(staff_only(choose_region), pattern=r"^bc:regions:"),
        CallbackQueryHandler(staff_only(choose_subscribers), pattern=r"^bc:subs:"),
        CallbackQueryHandler(staff_only(choose_audience), pattern=r"^bc:aud:"),
        CallbackQueryHandler(staff_only(ask_text), pattern=r"^bc:text:"),
        CallbackQueryHandler(staff_only(ask_time), pattern=r"^bc:when:"),
        CallbackQueryHandler(staff_only(send), pattern=r"^bc:send:"),
        CallbackQueryHandler(staff_only(steer), pattern=r"^bc:(pause|resume|cancel):"),
    ]
