"""The HTTP client python-telegram-bot talks to the Bot API with: aiohttp.

python-telegram-bot's default (httpx) costs about 3 ms of CPU per call on this project's
benchmark machine; aiohttp does the same call for a fraction of that, which decides how many
updates a second the bot can answer (see BENCHMARKS.md). The design follows ptbcontrib's
``aiohttp_request``.
"""

import json
from typing import Any

import aiohttp
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0  # seconds, for connecting, reading and waiting for a free connection


class NotBotApiAnswer(TelegramError):
    """The server answered with something other than a Bot API JSON object."""


class AiohttpRequest(BaseRequest):
    """A python-telegram-bot request backend on one aiohttp session."""

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        """The read timeout used when a call does not set one."""
        return DEFAULT_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            # trust_env: HTTPS_PROXY / NO_PROXY apply, as with python-telegram-bot's default.
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The answer's JSON object; NotBotApiAnswer (and no logged traceback, unlike
        python-telegram-bot's) when it is not one with an ``ok`` field."""
        try:
            answer = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "ok" not in answer:
            # Not quoted: a web server's error page may repeat the URL, and so the token.
            raise NotBotApiAnswer("the server's answer is not a Bot API JSON object")
        return answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call: form-encoded parameters (multipart with files); timeouts mapped to
        aiohttp's; failures raised as python-telegram-bot's TimedOut / NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        form = aiohttp.FormData(request_data.json_parameters if request_data else {})
        for name, (filename, content, *_) in (
            request_data.multipart_data or {} if request_data else {}
        ).items():
            form.add_field(name, content, filename=filename)
        timeout = aiohttp.ClientTimeout(
            sock_read=_chosen(read_timeout),
            sock_connect=_chosen(connect_timeout),
            connect=_chosen(pool_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=form, timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut(f"Timed out: {error}") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _chosen(timeout: ODVInput[float]) -> float | None:
    """A timeout a call passed, or the default when it passed none."""
    if timeout is BaseRequest.DEFAULT_NONE:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, int | float) else None
