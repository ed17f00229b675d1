"""Choosing the language: on the first /start, with /bahasa, or from the menu."""

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import LANGUAGE
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.i18n import N_, Language
from handlers.ui import as_button, keyboard, main_menu
from handlers.welcome import send_welcome

CHOOSE = N_("Pilih bahasa Anda")


def offered(context: SensusContext) -> dict[str, Language]:
    """The languages residents may choose (enough of the UI translated)."""
    return context.services.i18n.offered(context.services.settings.picker_threshold)


def language_keyboard(context: SensusContext) -> list[list[tuple[str, Callback]]]:
    """One button per language, each labelled in its own language."""
    return [
        [(language.name, Callback("lang", "set", code))]
        for code, language in offered(context).items()
    ]


def picker_header(context: SensusContext) -> str:
    """ "Choose your language" in each offered language, one line each."""
    i18n = context.services.i18n
    lines = dict.fromkeys(i18n.translator(code)._(CHOOSE) for code in offered(context))
    return "🌐 " + "\n".join(lines)


async def ask_language(update: Update, context: SensusContext) -> None:
    """Offer the languages as buttons (the header in every language: none is chosen yet)."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        picker_header(context), reply_markup=keyboard(language_keyboard(context))
    )


async def language_command(update: Update, context: SensusContext) -> None:
    """/bahasa: show the language buttons."""
    await ask_language(update, context)


async def choose_language(update: Update, context: SensusContext) -> None:
    """Store the chosen language and answer in it from now on."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    i18n = context.services.i18n
    if callback is None or callback.arg not in offered(context) or context.account is None:
        await query.answer()
        return
    first_choice = not context.account.lang_chosen
    await context.services.repo.set_language(context.account.user_id, callback.arg)
    context.reader = context.services.reader_for(context.account, lang=callback.arg)
    t = context.t
    await query.answer()
    await query.edit_message_text(
        t._("✅ Bahasa: {language}").format(language=i18n.languages[callback.arg].name),
        reply_markup=None if first_choice else main_menu(t),
    )
    if first_choice:
        await send_welcome(update, context)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    return [
        CommandHandler(LANGUAGE.names(), language_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(as_button(language_command), pattern=r"^lang:menu:$"),
        CallbackQueryHandler(choose_language, pattern=r"^lang:set:"),
    ]
