"""/start, /bantuan and the main menu."""

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import HELP, START
from bot.context import SensusContext
from handlers import language, roles
from handlers.ui import as_button, is_private, main_menu
from handlers.welcome import send_welcome


async def start(update: Update, context: SensusContext) -> None:
    """Greet; a new user first picks a language, everyone gets the main menu."""
    if not is_private(update):
        await group_intro(update, context)
        return
    payload = context.args[0] if context.args else ""
    if payload.startswith("rt-"):
        await roles.join_as_rt(update, context, payload.removeprefix("rt-"))
        return
    if context.account is not None and not context.account.lang_chosen:
        await language.ask_language(update, context)
        return
    await send_welcome(update, context)


async def group_intro(update: Update, context: SensusContext) -> None:
    """In a group, /start only introduces the bot briefly."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context.t._(
            "Halo! Saya asisten Sensus Penduduk 2020. Kirim pesan pribadi ke saya untuk "
            "bertanya tentang sensus."
        )
    )


async def help_command(update: Update, context: SensusContext) -> None:
    """What the bot can do, with the main menu."""
    t = context.t
    text = t._(
        "<b>Yang bisa saya bantu</b>\n"
        "• Menjawab pertanyaan tentang Sensus Penduduk 2020 — tulis saja pertanyaan Anda.\n"
        "• /bahasa — ganti bahasa (Indonesia, Kupang, English).\n"
        "• /privasi — data apa yang saya simpan.\n"
        "• /hapusdata — hapus semua data Anda.\n\n"
        "Saya tidak pernah meminta NIK lengkap, token, atau kata sandi Anda."
    )
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, reply_markup=main_menu(t))


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    return [
        CommandHandler(START.names(), start),
        CommandHandler(HELP.names(), help_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(as_button(help_command), pattern=r"^help:show:$"),
    ]
