"""Edited messages: the guard has read them; no feature acts on them.

A command, a prompt reply or a question that someone edits afterwards is not acted on
again, quietly, so an edit cannot slip a new text past what the original was checked for
(``/umumkan`` edited into an announcement with a NIK, ``/siaran`` text, a prompt reply)."""

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import SensusContext


async def stop_edits(update: Update, context: SensusContext) -> None:
    """Stop every edited message or post here."""
    if update.edited_message or update.edited_channel_post or update.edited_business_message:
        raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """The stop for edits (registered in its own group, after the guard)."""
    return [TypeHandler(Update, stop_edits)]
