"""Everything no feature handled: unknown text, media, stale buttons, group chatter."""

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import SensusContext
from handlers.ui import main_menu


async def unknown_text(update: Update, context: SensusContext) -> None:
    """Text the bot does not understand: say so and show the menu."""
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    await chat.send_message(
        t._("Maaf, saya belum mengerti. Silakan pilih dari menu di bawah ini."),
        reply_markup=main_menu(t),
    )


async def unsupported_message(update: Update, context: SensusContext) -> None:
    """Stickers, photos, voice and the like: ask for text instead."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        context.t._("Maaf, saya hanya bisa membaca pesan teks. Silakan ketik pertanyaan Anda."),
        reply_markup=main_menu(context.t),
    )


async def stale_button(update: Update, context: SensusContext) -> None:
    """A button this bot no longer knows (old message or forged data): close its spinner."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.t._("Tombol ini sudah tidak berlaku."))


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; registered last. Groups are ignored."""
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.TEXT, unknown_text),
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, unsupported_message),
        CallbackQueryHandler(stale_button),
    ]
