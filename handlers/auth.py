"""Role checks done on the server for every privileged command and button."""

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update

from bot.context import SensusContext
from storage.repository import Role

Callback = Callable[[Update, SensusContext], Coroutine[Any, Any, None]]
Check = Callable[[Update, SensusContext], Awaitable[bool]]


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


def only_for(check: Check, callback: Callback) -> Callback:
    """``callback``, run only when ``check`` passes at the moment of the update (a command
    and the buttons it leads to alike); anyone else gets the refusal and nothing changes."""

    @functools.wraps(callback)
    async def checked(update: Update, context: SensusContext) -> None:
        if not await check(update, context):
            await refuse(update, context)
            return
        await callback(update, context)

    return checked


async def _is_admin(update: Update, context: SensusContext) -> bool:
    return is_admin(update, context)


def staff_only(callback: Callback) -> Callback:
    """``callback`` for staff (and administrators) only."""
    return only_for(is_staff, callback)


def admin_only(callback: Callback) -> Callback:
    """``callback`` for administrators (SENSUS_ADMINS) only."""
    return only_for(_is_admin, callback)
