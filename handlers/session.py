"""Loads the person behind each update once, before any feature handler runs."""

import contextlib

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import SensusContext
from handlers.ui import is_private


async def load_user(update: Update, context: SensusContext) -> None:
    """Put the stored user (created on first private contact) and their Reader on context;
    stop updates from other bots, and button presses from outside a private chat, here."""
    services = context.services
    person = update.effective_user
    if person is not None and person.is_bot:
        raise ApplicationHandlerStop  # other bots get no answer and leave no trace
    if update.callback_query is not None and not is_private(update):
        # The bot shows buttons in private chats only: a press in a group (or on an inline
        # card) is forged; every button feature may count on a private chat and a stored user.
        with contextlib.suppress(TelegramError):  # an old forged query cannot be answered
            await update.callback_query.answer()
        raise ApplicationHandlerStop
    if person is None:
        return
    guess = services.readers.language(None, person.language_code)
    if is_private(update):
        context.account = await services.repo.seen_user(person.id, guess, services.clock.now())
    else:
        context.account = await services.repo.get_user(person.id)
    context.reader = services.reader_for(context.account, person.language_code)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """The session loader (registered in its own group, before every feature)."""
    return [TypeHandler(Update, load_user)]
