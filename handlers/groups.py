"""Community groups: registration, migration, /hubungkan, and RT heads' /umumkan (written,
or an official staff broadcast or FAQ card)."""

import contextlib
import html
import re

from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import ANNOUNCE, LINK
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.i18n import Translator
from bot.outbox.queueing import queue_announcement
from bot.services import Services
from handlers.auth import is_staff, refuse, rt_role
from handlers.faq import topic_answer
from handlers.ui import MembershipHandler, edit_in_place, keyboard
from storage.repository import Role

MAX_ANNOUNCEMENT = 3500  # leaves room for the heading and signature within Telegram's 4096
PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)


async def membership_changed(update: Update, context: SensusContext) -> None:
    """The bot was added to, removed from, or given rights in a group."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    services = context.services
    new = change.new_chat_member.status
    status = new if new in PRESENT else "left"
    await services.repo.save_group(
        change.chat.id, change.chat.title or "", status, services.clock.now()
    )
    if new in PRESENT and change.old_chat_member.status not in PRESENT:
        await context.bot.send_message(
            change.chat.id,
            context.t._(
                "Halo! Saya asisten Sensus Penduduk 2020. Saya hanya berbicara bila dipanggil "
                "(@{bot} atau perintah). Ketua RT: kirim /hubungkan di sini untuk "
                "menghubungkan grup ini dengan wilayah Anda."
            ).format(bot=context.bot.username),
        )


async def migrated(update: Update, context: SensusContext) -> None:
    """A group became a supergroup: follow its new id (groups and queued messages)."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.services.repo.migrate_chat(message.chat.id, message.migrate_to_chat_id)


async def link_command(update: Update, context: SensusContext) -> None:
    """/hubungkan in a group: an RT head who administers it links it to their area; a group
    linked by another RT head stays theirs until they (or staff) agree."""
    chat, person = update.effective_chat, update.effective_user
    assert chat is not None and person is not None
    role = await rt_role(update, context)
    t = context.t
    if role is None:
        await refuse(update, context)
        return
    if not await administers(context, chat.id, person.id):
        await chat.send_message(t._("Hanya admin grup ini yang bisa menghubungkannya."))
        return
    services = context.services
    group = await services.repo.group(chat.id)
    if group is None:
        await services.repo.save_group(chat.id, chat.title or "", "member", services.clock.now())
    current = group.rt_user_id if group else None
    holder = (await services.repo.roles(current)).get("rt") if current else None
    if holder is not None and holder.user_id != role.user_id:
        await ask_holder(context, chat.id, chat.title or "", holder, role)
        return
    await services.repo.link_group(chat.id, role, role.user_id, services.clock.now(), current)
    await chat.send_message(linked_text(t, role))


async def administers(context: SensusContext, chat_id: int, user_id: int) -> bool:
    """Whether the person is an administrator (or the owner) of the group, asked of Telegram."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def linked_text(t: Translator, role: Role) -> str:
    """ "✅ Grup ini terhubung dengan …" """
    return t._("✅ Grup ini terhubung dengan {area}. Pengumuman resmi akan muncul di sini.").format(
        area=html.escape(role.area or "")
    )


async def ask_holder(
    context: SensusContext, chat_id: int, title: str, holder: Role, asker: Role
) -> None:
    """Ask the RT head the group is linked to whether to hand it over; tell the group."""
    services, t = context.services, context.t
    theirs = (await services.reader_of(holder.user_id)).t
    arg = f"{chat_id}.{asker.user_id}"
    question = theirs._(
        "Ketua RT {asker} ingin menghubungkan grup <b>{title}</b> dengan wilayahnya. Sekarang "
        "grup itu terhubung dengan wilayah Anda ({area}). Serahkan?"
    ).format(
        asker=html.escape(asker.area or ""),
        title=html.escape(title),
        area=html.escape(holder.area or ""),
    )
    buttons = [
        [(theirs._("✅ Serahkan grup"), Callback("grp", "give", arg))],
        [(theirs._("❌ Tetap di wilayah saya"), Callback("grp", "keep", arg))],
    ]
    try:
        await context.bot.send_message(holder.user_id, question, reply_markup=keyboard(buttons))
        told = t._(
            "Grup ini sudah terhubung dengan {area}. Saya sudah bertanya kepada ketua RT-nya; "
            "sampai ia menjawab, grup tetap terhubung seperti sekarang."
        )
    except TelegramError:
        told = t._(
            "Grup ini sudah terhubung dengan {area}, dan ketua RT-nya tidak bisa saya "
            "hubungi. Minta petugas sensus mencabut ketua RT itu, lalu kirim /hubungkan lagi."
        )
    await context.bot.send_message(chat_id, told.format(area=html.escape(holder.area or "")))


async def handover_answered(update: Update, context: SensusContext) -> None:
    """✅ Serahkan / ❌ Tetap: only the RT head the group is linked to, or staff, decide."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    chat_text, _, asker_text = (callback.arg if callback else "").partition(".")
    services, t = context.services, context.t
    group = await services.repo.group(int(chat_text)) if re.fullmatch(r"-?\d+", chat_text) else None
    holder = group.rt_user_id if group else None
    decides = holder is not None and holder == query.from_user.id
    if not decides and not await is_staff(update, context):
        await refuse(update, context)
        return
    asker = (await services.repo.roles(int(asker_text))).get("rt") if asker_text.isdigit() else None
    if callback is None or group is None or asker is None:
        await query.answer(t._("Tombol ini sudah tidak berlaku."))
        return
    await query.answer()
    if callback.action == "keep":
        await edit_in_place(query, t._("Grup tetap terhubung dengan wilayah Anda."), None)
        theirs = (await services.reader_of(asker.user_id)).t
        kept = theirs._("Grup <b>{title}</b> tetap terhubung dengan wilayah ketua RT sebelumnya.")
        with contextlib.suppress(TelegramError):  # they may have blocked the bot since
            await context.bot.send_message(
                asker.user_id, kept.format(title=html.escape(group.title))
            )
        return
    if not await administers(context, group.chat_id, asker.user_id):
        await edit_in_place(
            query,
            t._("{area} bukan admin grup itu lagi; grup tetap terhubung seperti semula.").format(
                area=html.escape(asker.area or "")
            ),
            None,
        )
        return
    now = services.clock.now()
    if not await services.repo.link_group(group.chat_id, asker, query.from_user.id, now, holder):
        await edit_in_place(query, t._("Tombol ini sudah tidak berlaku."), None)
        return
    await edit_in_place(
        query,
        t._("✅ Grup diserahkan kepada {area}.").format(area=html.escape(asker.area or "")),
        None,
    )
    await context.bot.send_message(group.chat_id, linked_text(t, asker))


async def announce_command(update: Update, context: SensusContext) -> None:
    """/umumkan TEKS: preview an announcement; /umumkan alone: pick an official one."""
    role = await rt_role(update, context)
    if role is None:
        await refuse(update, context)
        return
    t = context.t
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None and message.text is not None
    body = message.text.partition(" ")[2].strip()
    if not body:
        await chat.send_message(
            t._("Tulis: /umumkan TEKS PENGUMUMAN, atau pilih pengumuman resmi:"),
            reply_markup=await official_menu(context),
        )
        return
    if len(body) > MAX_ANNOUNCEMENT:
        await chat.send_message(
            t._("Pengumuman terlalu panjang ({count} huruf); paling banyak {limit}.").format(
                count=len(body), limit=MAX_ANNOUNCEMENT
            )
        )
        return
    await preview_announcement(context, role, html.escape(body))


async def official_menu(context: SensusContext) -> InlineKeyboardMarkup:
    """Staff broadcasts meant for RT groups, then the FAQ card groups."""
    services, t = context.services, context.t
    rows = [
        [("📣 " + shorten(b.text(t.code)), Callback("ann", "bc", str(b.id)))]
        for b in await services.repo.broadcasts_for_rt()
    ]
    content = services.faq.content
    rows += [
        [("📚 " + content.group_title(group, t.code), Callback("ann", "cards", group))]
        for group in content.groups
    ]
    return keyboard(rows)


def shorten(markup: str, length: int = 40) -> str:
    """A button label from stored HTML: plain text, cut at a word."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())
    return plain if len(plain) <= length else plain[:length].rsplit(" ", 1)[0] + "…"


async def pick_cards(update: Update, context: SensusContext) -> None:
    """The FAQ cards of one group, to announce."""
    query = update.callback_query
    assert query is not None
    if await rt_role(update, context) is None:
        await refuse(update, context)
        return
    callback = parse_callback(query.data)
    content, lang = context.services.faq.content, context.t.code
    await query.answer()
    if callback is None or callback.arg not in content.groups:
        return
    rows = [
        [(t.title(lang), Callback("ann", "card", t.id))] for t in content.in_group(callback.arg)
    ]
    await edit_in_place(query, context.t._("Kartu mana yang diumumkan?"), keyboard(rows))


async def pick_official(update: Update, context: SensusContext) -> None:
    """A staff broadcast or an FAQ card chosen: preview it as an announcement."""
    role = await rt_role(update, context)
    query = update.callback_query
    assert query is not None
    if role is None:
        await refuse(update, context)
        return
    callback = parse_callback(query.data)
    body = await official_text(context, callback) if callback else None
    if body is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await query.answer()
    await preview_announcement(context, role, body)


async def official_text(context: SensusContext, callback: Callback) -> str | None:
    """The HTML of the chosen broadcast (one meant for RT groups) or FAQ card."""
    services = context.services
    if callback.action == "card":
        topic = services.faq.topic(callback.arg)
        return topic_answer(context, topic) if topic else None
    meant_for_rt = {b.id: b for b in await services.repo.broadcasts_for_rt()}
    chosen = meant_for_rt.get(int(callback.arg)) if callback.arg.isdigit() else None
    return chosen.text(context.t.code) if chosen else None


async def preview_announcement(context: SensusContext, role: Role, body: str) -> None:
    """Store the announcement (heading, text, signature) and show it with Send / Cancel."""
    services, t = context.services, context.t
    groups = await services.repo.linked_groups(role.user_id)
    if not groups:
        await context.bot.send_message(
            role.user_id, t._("Belum ada grup yang terhubung. Kirim /hubungkan di grup warga.")
        )
        return
    heading = t._("Pengumuman Sensus Penduduk 2020")
    text = f"📢 <b>{heading}</b>\n\n{body}\n\n— {html.escape(role.area or '')}"
    announcement = await services.repo.add_announcement(role.user_id, text, services.clock.now())
    await context.bot.send_message(
        role.user_id,
        t._("Pratinjau untuk {count} grup:").format(count=len(groups)) + f"\n\n{text}",
        reply_markup=keyboard(
            [
                [(t._("📢 Kirim"), Callback("ann", "send", str(announcement)))],
                [(t._("Batal"), Callback("ann", "cancel"))],
            ]
        ),
    )


async def send_announcement(update: Update, context: SensusContext) -> None:
    """Confirm: queue the announcement for each linked group through the outbox."""
    role = await rt_role(update, context)
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    arg = callback.arg if callback else ""
    services = context.services
    if role is None or not arg.isdigit() or not await _is_author(services, int(arg), role.user_id):
        await refuse(update, context)
        return
    count = await queue_announcement(services, int(arg), role.user_id)
    await query.answer()
    await edit_in_place(
        query, context.t._("📢 Pengumuman dikirim ke {count} grup.").format(count=count), None
    )


async def cancel_announcement(update: Update, context: SensusContext) -> None:
    """Drop the preview."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit_in_place(query, context.t._("Dibatalkan."), None)


async def _is_author(services: Services, announcement_id: int, user_id: int) -> bool:
    row = await services.repo.announcement_author(announcement_id)
    return row == user_id


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; RT and staff actions check the role themselves."""
    return [
        MembershipHandler(membership_changed, private=False),
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
        CommandHandler(LINK.names(), link_command, filters=filters.ChatType.GROUPS),
        CommandHandler(ANNOUNCE.names(), announce_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(pick_cards, pattern=r"^ann:cards:"),
        CallbackQueryHandler(pick_official, pattern=r"^ann:(bc|card):"),
        CallbackQueryHandler(send_announcement, pattern=r"^ann:send:"),
        CallbackQueryHandler(cancel_announcement, pattern=r"^ann:cancel:$"),
        CallbackQueryHandler(handover_answered, pattern=r"^grp:(give|keep):"),
    ]
