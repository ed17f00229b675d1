"""Role checks done on the server for every privileged command and button."""

from telegram import Update

from bot.context import SensusContext
from storage.repository import Role


def is_admin(update: Update, context: SensusContext) -> bool:
    """A staff administrator (SENSUS_ADMINS)."""
    user = update.effective_user
    return user is not None and user.id in context.services.settings.admins


async def is_staff(update: Update, context: SensusContext) -> bool:
    """Staff: an administrator, or someone an administrator made staff."""
    user = update.effective_user
    if user is None:
        return False
    return is_admin(update, context) or "staff" in await context.services.repo.roles(user.id)


async def rt_role(update: Update, context: SensusContext) -> Role | None:
    """The person's RT-head role, if they have one."""
    user = update.effective_user
    return (await context.services.repo.roles(user.id)).get("rt") if user else None


async def refuse(update: Update, context: SensusContext) -> None:
    """A clear refusal, for commands and buttons alike; nothing changes."""
    text = context.t._("Maaf, ini hanya untuk petugas sensus yang berwenang.")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat:
        await update.effective_chat.send_message(text)
