"""What every handler gets: the bot's services, the stored user and their Reader."""

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.assistant import Reader
from bot.i18n import Translator
from bot.services import Services
from storage import User

SERVICES_KEY = "services"


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class SensusContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the services, the stored user and their Reader (and translator)."""

    def __init__(
        self, application: AnyApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.account: User | None = None
        self._reader: Reader | None = None

    @property
    def services(self) -> Services:
        """The bot's services."""
        return services_of(self.application)

    @property
    def reader(self) -> Reader:
        """Who the current user is as a reader (the session loader resolves it once)."""
        if self._reader is None:
            self._reader = self.services.reader_for(self.account)
        return self._reader

    @reader.setter
    def reader(self, reader: Reader) -> None:
        self._reader = reader

    @property
    def t(self) -> Translator:
        """The current user's translator."""
        return self.reader.t


def services_of(application: AnyApplication) -> Services:
    """The services stored on an application by build_application()."""
    return cast(Services, application.bot_data[SERVICES_KEY])
