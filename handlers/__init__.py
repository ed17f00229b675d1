"""Thin Telegram adapters, one module per feature; FEATURES is the registration order."""

from types import ModuleType
from typing import Any

from telegram.ext import Application

from handlers import (
    broadcasts,
    calendar_admin,
    edits,
    errors,
    fallback,
    faq,
    flood,
    groups,
    guide,
    helpdesk,
    identity,
    inbox,
    language,
    privacy,
    reminders,
    roles,
    schedule,
    session,
    start,
    statistics,
)

FLOOD_GROUP = -2  # a flooding person's updates stop here, before any database work
SESSION_GROUP = -1
GUARD_GROUP = 0  # identity numbers and secrets are caught before any feature sees them
EDITS_GROUP = 1  # edited messages stop here: every feature acts on new messages only
FEATURE_GROUP = 2

# Earlier modules win: a feature's handlers are tried before those of the modules after it.
FEATURES: list[ModuleType] = [
    start,
    language,
    privacy,
    schedule,
    reminders,
    calendar_admin,
    roles,
    groups,
    broadcasts,
    helpdesk,
    statistics,
    inbox,
    guide,
    faq,
    fallback,
]


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the flood check, the session loader, the guard, the stop for edits, every
    feature in order, the error handler."""
    application.add_handlers(flood.handlers(), group=FLOOD_GROUP)
    application.add_handlers(session.handlers(), group=SESSION_GROUP)
    application.add_handlers(identity.handlers(), group=GUARD_GROUP)
    application.add_handlers(edits.handlers(), group=EDITS_GROUP)
    for feature in FEATURES:
        application.add_handlers(feature.handlers(), group=FEATURE_GROUP)
    application.add_error_handler(errors.on_error)
