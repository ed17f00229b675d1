"""Per-person flood control of private messages: past the limit, one polite notice, then
silence until the person slows down."""

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import SensusContext
from handlers.ui import is_private


async def check_rate(update: Update, context: SensusContext) -> None:
    """Let a person's private message through, or stop it when they flood.

    Button presses are not counted: they only edit what the bot showed, and skimming the
    guide means tapping Next quickly."""
    services = context.services
    limit, person = services.settings.flood_limit, update.effective_user
    if limit is None or person is None or update.message is None or not is_private(update):
        return
    limiter = services.rate_limiter
    if await limiter.hit(limit, "message", str(person.id)):
        return
    if await limiter.hit(type(limit)(1, limit.multiples), "notice", str(person.id)):
        user = await services.repo.get_user(person.id)
        t = services.i18n.translator(user.lang if user else None)
        await context.bot.send_message(
            person.id,
            t._(
                "Pelan-pelan ya 🙏 Anda mengirim banyak pesan sekaligus. Saya jeda sebentar; "
                "kirim lagi pertanyaan Anda sebentar lagi."
            ),
        )
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """The flood check (registered in its own group, before everything else)."""
    return [TypeHandler(Update, check_rate)]
