"""Thin Telegram adapters, one module per feature; FEATURES is the registration order."""

from types import ModuleType
from typing import Any

from telegram.ext import Application

from handlers import errors, fallback, faq, guide, identity, language, privacy, session, start

SESSION_GROUP = -1
GUARD_GROUP = 0  # identity numbers and secrets are caught before any feature sees them
FEATURE_GROUP = 1

# Earlier modules win: a feature's handlers are tried before those of the modules after it.
FEATURES: list[ModuleType] = [start, language, privacy, guide, faq, fallback]


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the session loader, every feature in order, and the error handler."""
    application.add_handlers(session.handlers(), group=SESSION_GROUP)
    application.add_handlers(identity.handlers(), group=GUARD_GROUP)
    for feature in FEATURES:
        application.add_handlers(feature.handlers(), group=FEATURE_GROUP)
    application.add_error_handler(errors.on_error)
