"""/statistik (staff): a chart per view with a caption, the same figures as CSV, and buttons
to switch view and period."""

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import STATISTICS
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.statistics import PERIODS, VIEWS, csv_text
from bot.statistics import PERIOD_TITLES, VIEW_TITLES, Naming, caption, collect, render
from handlers.auth import staff_only
from handlers.ui import keyboard, two_a_row

DEFAULT = ("people", "30")


def naming(context: SensusContext) -> Naming:
    """Labels in the staff member's language."""
    services = context.services
    return Naming(
        context.t,
        services.i18n,
        services.faq.content,
        services.guide,
        services.calendar,
        services.clock.now(),
    )


def switcher(context: SensusContext, view: str, period: str) -> InlineKeyboardMarkup:
    """The other views, then the other periods."""
    t = context.t
    views = [
        (t._(VIEW_TITLES[v]), Callback("stats", "show", f"{v}.{period}"))
        for v in VIEWS
        if v != view
    ]
    periods = [
        (t._(PERIOD_TITLES[p]), Callback("stats", "show", f"{view}.{p}"))
        for p in PERIODS
        if p != period
    ]
    return keyboard([*two_a_row(views), periods])


async def send_view(update: Update, context: SensusContext, view: str, period: str) -> None:
    """The chart (sendPhoto, with the buttons) and the CSV (sendDocument)."""
    chat = update.effective_chat
    assert chat is not None
    services, t = context.services, context.t
    now = services.clock.now()
    figures = await collect(
        services.repo, view, period, now, services.settings.timezone, naming(context)
    )
    png = await render(figures, t._("belum ada data"))
    stamp = now.astimezone(services.settings.timezone).strftime("%Y%m%d")
    await chat.send_photo(
        InputFile(png, filename=f"statistik-{view}-{period}-{stamp}.png"),
        caption=caption(figures, t),
        reply_markup=switcher(context, view, period),
    )
    await chat.send_document(
        InputFile(
            csv_text(figures).encode("utf-8"), filename=f"statistik-{view}-{period}-{stamp}.csv"
        ),
        caption=t._("Angka yang sama, untuk diolah."),
    )


async def statistics_command(update: Update, context: SensusContext) -> None:
    """/statistik [VIEW] [PERIOD] (staff)."""
    args = context.args or []
    view = args[0] if args and args[0] in VIEWS else DEFAULT[0]
    period = args[1] if len(args) > 1 and args[1] in PERIODS else DEFAULT[1]
    await send_view(update, context, view, period)


async def switch_pressed(update: Update, context: SensusContext) -> None:
    """A view or period button (staff, checked again now)."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    view, _, period = (callback.arg if callback else "").partition(".")
    if view not in VIEWS or period not in PERIODS:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await query.answer()
    await send_view(update, context, view, period)


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one for staff only."""
    return [
        CommandHandler(STATISTICS.names(), staff_only(statistics_command)),
        CallbackQueryHandler(staff_only(switch_pressed), pattern=r"^stats:show:"),
    ]
