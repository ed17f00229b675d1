"""Concurrent update processing that keeps each chat's updates strictly in order and processes
each update at most once, in one process or across workers on one database."""

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.domain.clock import Clock
from storage import Repository

log = logging.getLogger(__name__)


def chat_key(update: object) -> str | None:
    """The conversation an update belongs to: its chat, else its user, else none."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return f"chat:{update.effective_chat.id}"
    if update.effective_user is not None:
        return f"user:{update.effective_user.id}"
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Different chats run concurrently; updates of one chat run one after another (the
    repository's chat turn: a lock in this process, or across workers on PostgreSQL); an
    update already processed to the end (a re-delivery) is skipped."""

    def __init__(
        self, repo: Callable[[], Repository], clock: Clock, max_concurrent_updates: int = 256
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._repo = repo  # opened after the application is built
        self._clock = clock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update once every earlier update of its chat has finished, unless it was
        processed already; record it only when it has been processed to the end."""
        if not isinstance(update, Update):
            await coroutine
            return
        repo = self._repo()
        # An update of no chat (a poll's state) still takes a turn: its own, against a twin.
        key = chat_key(update) or f"update:{update.update_id}"
        async with repo.chat_turn(key):
            if await repo.update_processed(update.update_id):
                log.info("update %d was processed already; skipped", update.update_id)
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                return
            await coroutine
            await repo.record_update(update.update_id, self._clock.now())

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
