"""The error handler: log the failure, apologise to the user in their language."""

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import SensusContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: SensusContext) -> None:
    """Log the exception (masked by the log filter) and send a short apology."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    services = context.services
    person = update.effective_user
    t = (await services.reader_of(person.id, person.language_code)).t if person else context.t
    try:
        if update.callback_query:
            await update.callback_query.answer()
        await update.effective_chat.send_message(
            t._("Maaf, ada gangguan di pihak saya. Silakan coba lagi sebentar lagi. 🙏")
        )
    except TelegramError as error:
        log.warning("could not send the apology: %s", error)
