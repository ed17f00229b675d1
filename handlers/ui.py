"""Small helpers for replies: inline keyboards and the main menu."""

import html
from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ChatMemberHandler

from bot.context import SensusContext
from bot.domain.callbacks import Callback
from bot.domain.identity import mask_private, normalise
from bot.i18n import N_, Translator

# The main menu: (label, button). Features add their entry here, in display order.
MAIN_MENU: list[tuple[str, Callback]] = [
    (N_("❓ Topik pertanyaan"), Callback("faq", "menu")),
    (N_("📝 Panduan mengisi"), Callback("guide", "start")),
    (N_("📅 Jadwal"), Callback("schedule", "show")),
    (N_("🔔 Pengingat"), Callback("remind", "start")),
    (N_("🌐 Bahasa"), Callback("lang", "menu")),
    (N_("🔒 Privasi"), Callback("privacy", "show")),
    (N_("ℹ️ Bantuan"), Callback("help", "show")),
    (N_("🙋 Tanya petugas"), Callback("desk", "ask")),
]


def keyboard(rows: list[list[tuple[str, Callback]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=cb.pack()) for label, cb in row]
            for row in rows
        ]
    )


def menu_keyboard(rows: list[list[tuple[str, Callback]]]) -> InlineKeyboardMarkup:
    """keyboard() for menus of the bot's own labels and topic titles (never a person's data:
    the keyboard is kept), built once and shared: most answers carry one of a few, and
    building one cost about as much as the rest of the reply."""
    return _menu_keyboard(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=4096)  # keyboards are immutable python-telegram-bot objects
def _menu_keyboard(rows: tuple[tuple[tuple[str, Callback], ...], ...]) -> InlineKeyboardMarkup:
    return keyboard([list(row) for row in rows])


def two_a_row(buttons: list[tuple[str, Callback]]) -> list[list[tuple[str, Callback]]]:
    """Rows of two buttons (long lists of regions, the main menu)."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    """The main menu in the user's language, two buttons a row."""
    return menu_keyboard(two_a_row([(t._(label), cb) for label, cb in MAIN_MENU]))


def first_name(update: Update) -> str:
    """The user's first name, escaped for HTML; empty when it holds a long number or a
    secret (a NIK typed as a name is not echoed)."""
    user = update.effective_user
    name = user.first_name if user else ""
    if not name or mask_private(name) != normalise(name):
        return ""
    return html.escape(name)


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def edit_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Edit the message under a button; a double tap that changes nothing is fine."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


class MembershipHandler(ChatMemberHandler[SensusContext, None]):
    """my_chat_member updates of private chats only, or of groups only.

    In a private chat the update means the person blocked or unblocked the bot; in a group
    that the bot was added, removed or given rights. Two features, two handlers.
    """

    def __init__(self, callback: Any, private: bool) -> None:
        super().__init__(callback, ChatMemberHandler.MY_CHAT_MEMBER)
        self.private = private

    def check_update(self, update: object) -> bool:
        """Only the chat type this handler is for."""
        if not super().check_update(update) or not isinstance(update, Update):
            return False
        chat = update.effective_chat
        return chat is not None and (chat.type == "private") == self.private


Command = Callable[[Update, SensusContext], Coroutine[Any, Any, None]]


def as_button(command: Command) -> Command:
    """A menu button's callback that does what its command does."""

    async def pressed(update: Update, context: SensusContext) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await command(update, context)

    pressed.__doc__ = f"The menu button for {command.__name__}."
    return pressed
