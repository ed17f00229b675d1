"""What every handler gets: the bot's services and the current user's language."""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.domain.assistant import FaqEngine, Reader
from bot.domain.calendar import Calendar
from bot.domain.clock import Clock
from bot.domain.guide import Guide
from bot.domain.regions import zone_of
from bot.i18n import I18n, Translator
from storage import Repository, User

if TYPE_CHECKING:
    from bot.sender import Sender

SERVICES_KEY = "services"


@dataclass
class Services:
    """Long-lived parts shared by all handlers; the repository is opened in post_init."""

    settings: Settings
    i18n: I18n
    clock: Clock
    faq: FaqEngine
    guide: Guide
    calendar: Calendar  # the calendar in force (a staff revision, else the configured one)
    configured_calendar: Calendar
    calendar_revision: int | None = None
    repository: Repository | None = None
    sender: "Sender | None" = None
    background: set["asyncio.Task[None]"] = field(default_factory=set)
    # Flood control counts in memory on purpose: nothing is written per message, and a
    # restart forgives everyone.
    rate_limiter: MovingWindowRateLimiter = field(
        default_factory=lambda: MovingWindowRateLimiter(MemoryStorage())
    )

    def now(self) -> float:
        """The bot's clock as epoch seconds."""
        return self.clock.now().timestamp()

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run something that may outlive the update (cancelled when the bot stops)."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def translator_for(self, user_id: int) -> Translator:
        """The translator for a stored person's language (the default one for strangers)."""
        user = await self.repo.get_user(user_id)
        return self.i18n.translator(user.lang if user else None)

    def wake_sender(self) -> None:
        """Tell the sender something is due now."""
        if self.sender is not None:
            self.sender.wake()

    @property
    def repo(self) -> Repository:
        """The open repository (the application has been initialised)."""
        if self.repository is None:
            raise RuntimeError("the repository is not open yet")
        return self.repository


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class SensusContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the services, the stored user and their translator."""

    def __init__(
        self, application: AnyApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.account: User | None = None
        self.t: Translator = self.services.i18n.translator(self.services.settings.default_lang)

    @property
    def services(self) -> Services:
        """The bot's services."""
        return services_of(self.application)

    @property
    def reader(self) -> Reader:
        """The current user's language, formats and time zone (their regency's, else the
        configured one), for rendering answers."""
        region = self.account.region if self.account else None
        zone = zone_of(region) if region else self.services.settings.timezone
        return Reader(self.t.code, self.t.language.cldr, zone, self.t._)


def services_of(application: AnyApplication) -> Services:
    """The services stored on an application by build_application()."""
    return cast(Services, application.bot_data[SERVICES_KEY])
