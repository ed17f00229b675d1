"""Per-person flood control of every kind of request: past a kind's limit, one polite notice
(where one fits), then silence until the person slows down."""

from limits import RateLimitItem
from telegram import Bot, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.config import Settings
from bot.context import SensusContext
from handlers.faq import addressed_to_bot
from handlers.ui import is_private


def request_kind(update: Update, bot: Bot) -> str | None:
    """What a person asks of the bot: a "message" (new or edited; in a group only when it is a
    command or addressed to the bot), a "button" press or an "inline" query; None otherwise."""
    if update.callback_query is not None:
        return "button"
    if update.inline_query is not None:
        return "inline"
    message = update.message or update.edited_message
    if message is None:
        return None
    if is_private(update) or (message.text or "").startswith("/"):
        return "message"
    return "message" if addressed_to_bot(message, bot.username, bot.id) else None


def limit_for(settings: Settings, kind: str) -> RateLimitItem | None:
    """Messages are typed, so few; buttons and inline queries come in quick runs (tapping
    through the guide, one query per pause in typing), so their limits are higher."""
    return {
        "message": settings.flood_limit,
        "button": settings.flood_button_limit,
        "inline": settings.flood_inline_limit,
    }[kind]


async def check_rate(update: Update, context: SensusContext) -> None:
    """Let a person's request through, or stop it when they flood."""
    services = context.services
    person, kind = update.effective_user, request_kind(update, context.bot)
    if person is None or kind is None:
        return
    limit = limit_for(services.settings, kind)
    if limit is None:
        return
    counts = services.flood
    if await counts.hit(limit, kind, str(person.id)):
        return
    services.metrics.flood_refusals.labels(kind).inc()
    if await counts.hit(type(limit)(1, limit.multiples), f"{kind}-notice", str(person.id)):
        await slow_down(update, context)
    raise ApplicationHandlerStop


async def slow_down(update: Update, context: SensusContext) -> None:
    """The one notice: on the button pressed, or in the private chat; a group and an inline
    query get none (a notice there would be noise for everyone else)."""
    person = update.effective_user
    if person is None:
        return
    t = (await context.services.reader_of(person.id, person.language_code)).t
    if update.callback_query is not None:
        await update.callback_query.answer(
            t._("Pelan-pelan ya 🙏 Tombolnya ditekan terlalu cepat. Coba lagi sebentar lagi."),
            show_alert=True,
        )
    elif is_private(update):
        await context.bot.send_message(
            person.id,
            t._(
                "Pelan-pelan ya 🙏 Anda mengirim banyak pesan sekaligus. Saya jeda sebentar; "
                "kirim lagi pertanyaan Anda sebentar lagi."
            ),
        )


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """The flood check (registered in its own group, before everything else)."""
    return [TypeHandler(Update, check_rate)]
