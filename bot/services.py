"""The bot's long-lived services, shared by handlers, the outbox wing and the CLI's runs."""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.domain.assistant import FaqEngine, Reader
from bot.domain.calendar import Calendar
from bot.domain.clock import Clock
from bot.domain.faq import Example
from bot.domain.guide import Guide
from bot.flood_counts import FloodCounts
from bot.i18n import I18n
from bot.metrics import Metrics
from bot.readers import Readers
from storage import Repository, User

if TYPE_CHECKING:
    from bot.outbox.sender import Sender


@dataclass
class Services:
    """Long-lived parts shared by all handlers; the repository is opened in post_init.
    The calendar in force changes only through use_calendar()."""

    settings: Settings
    i18n: I18n
    clock: Clock
    faq: FaqEngine
    guide: Guide
    configured_calendar: Calendar
    calendar: Calendar = field(init=False)  # a staff revision, else the configured one
    calendar_revision: int | None = field(init=False, default=None)
    readers: Readers = field(init=False)
    sender: "Sender | None" = None
    background: set["asyncio.Task[None]"] = field(default_factory=set)
    metrics: Metrics = field(default_factory=Metrics)
    # Flood control never counts in the database: nothing is written per message, and a
    # restart forgives everyone (in memory) or nobody (in Redis, shared by the workers).
    flood: FloodCounts = field(init=False)
    _repo: Repository | None = field(default=None, init=False, repr=False)
    _learning: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.calendar = self.configured_calendar
        self.readers = Readers(self.i18n, self.settings)
        settings = self.settings
        self.flood = (
            FloodCounts.redis(settings.redis_url, settings.redis_prefix, self.metrics)
            if settings.redis_url
            else FloodCounts.memory(self.metrics)
        )

    @property
    def repo(self) -> Repository:
        """The open repository (the application has been initialised)."""
        if self._repo is None:
            raise RuntimeError("the repository is not open yet")
        return self._repo

    def use_repository(self, repo: Repository) -> None:
        """Attach the opened repository."""
        self._repo = repo

    async def close_repository(self) -> None:
        """Close the repository, if it is open."""
        if self._repo is not None:
            await self._repo.close()
            self._repo = None

    def use_calendar(self, calendar: Calendar, revision: int | None) -> None:
        """Put a calendar in force (the configured one has revision None)."""
        self.calendar, self.calendar_revision = calendar, revision

    def reader_for(
        self, user: User | None, telegram_lang: str | None = None, lang: str | None = None
    ) -> Reader:
        """Who a text is for: language, zone and the calendar values in force now."""
        return self.readers.reader(user, telegram_lang, self.calendar, self.clock.now(), lang)

    async def reader_of(self, user_id: int | None, telegram_lang: str | None = None) -> Reader:
        """The Reader for a stored person by id (strangers and groups: see reader_for)."""
        user = await self.repo.get_user(user_id) if user_id is not None else None
        return self.reader_for(user, telegram_lang)

    async def learn_reviewed(self) -> None:
        """Retrain the matcher on the shipped and the reviewed examples in the database, then
        swap it in; questions are answered by the previous matcher meanwhile."""
        async with self._learning:  # one retraining at a time, each on the latest decisions
            reviewed = self.faq.learnable(
                Example(e.question, e.topic, e.lang, f"reviewed:{e.id}")
                for e in await self.repo.reviewed_examples()
            )
            if reviewed != self.faq.reviewed:
                self.faq = await asyncio.to_thread(self.faq.with_reviewed, reviewed)

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run something that may outlive the update (cancelled when the bot stops)."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def wake_sender(self) -> None:
        """Tell the sender something is due now."""
        if self.sender is not None:
            self.sender.wake()
