"""The HTTP client python-telegram-bot talks to the Bot API with: aiohttp.

python-telegram-bot's default (httpx) costs about 3 ms of CPU per call on this project's
benchmark machine; aiohttp does the same call for a fraction of that, which decides how many
updates a second the bot can answer (see BENCHMARKS.md). The design follows ptbcontrib's
``aiohttp_request``.

The bot token is part of every URL, and aiohttp's error texts quote the URL, python-telegram-
bot's quote an unparsable error answer (which may echo the URL): both are scrubbed of the
token here, so no error leaving this layer carries it.
"""

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from aiohttp.helpers import basicauth_from_netrc, get_env_proxy_for_url, netrc_from_env
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.metrics import Metrics

DEFAULT_TIMEOUT = 5.0  # seconds, for connecting, reading and waiting for a free connection
TOKEN_IN_URL = re.compile(r"/bot([^/]+)/")


class NotBotApiAnswer(TelegramError):
    """The server answered with something other than a Bot API JSON object."""


@dataclass(frozen=True)
class Route:
    """How calls reach one server: the proxy the environment names for it (HTTPS_PROXY,
    NO_PROXY, …) and the credentials ~/.netrc holds for it, as aiohttp's ``trust_env`` finds
    them."""

    proxy: Any = None
    proxy_auth: aiohttp.BasicAuth | None = None
    auth: aiohttp.BasicAuth | None = None

    @classmethod
    def of(cls, url: str) -> "Route":
        """The route to ``url``'s server (reads files: run it off the event loop)."""
        target = URL(url)
        try:
            proxy, proxy_auth = get_env_proxy_for_url(target)
        except LookupError:
            proxy, proxy_auth = None, None
        try:
            auth = basicauth_from_netrc(netrc_from_env(), target.host or "")
        except LookupError:
            auth = None
        return cls(proxy, proxy_auth, auth)


class AiohttpRequest(BaseRequest):
    """A python-telegram-bot request backend on one aiohttp session."""

    def __init__(self, connections: int, metrics: Metrics | None = None) -> None:
        self._connections = connections
        self._metrics = metrics  # counts sent messages and refusals, where given
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"User-Agent": self.USER_AGENT}
        self._json_headers = self._headers | {"Content-Type": "application/json"}
        # Per server (scheme://host:port): aiohttp's trust_env looks both up again in a
        # worker thread on every call, two thread hops per call; the bot calls one server.
        self._routes: dict[str, Route] = {}

    @property
    def read_timeout(self) -> float:
        """The read timeout used when a call does not set one."""
        return DEFAULT_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            # HTTPS_PROXY / NO_PROXY apply, as with python-telegram-bot's default (Route).
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The answer's JSON object; NotBotApiAnswer (and no logged traceback, unlike
        python-telegram-bot's) when it is not one with an ``ok`` field."""
        try:
            answer = orjson.loads(payload)  # a fraction of json's time on Bot API answers
        except ValueError:
            try:  # what orjson refuses (invalid UTF-8, integers past 64 bits)
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
        """One call: the parameters as a JSON body (multipart with files); timeouts mapped
        to aiohttp's; failures raised as python-telegram-bot's TimedOut / NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else {}
        body: aiohttp.FormData | bytes
        if request_data is not None and files:
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, *_) in files.items():
                body.add_field(name, content, filename=filename)
            headers = self._headers
        else:
            # One JSON document (the Bot API takes it like a form): no per-parameter
            # json.dumps and url-encoding, as a form costs.
            body = json_body(request_data.parameters if request_data else {})
            headers = self._json_headers
        timeout = aiohttp.ClientTimeout(
            sock_read=_chosen(read_timeout),
            sock_connect=_chosen(connect_timeout),
            connect=_chosen(pool_timeout),
        )
        server = "/".join(url.split("/", 3)[:3])  # scheme://host:port
        route = self._routes.get(server)
        if route is None:
            route = self._routes[server] = await asyncio.to_thread(Route.of, url)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                headers=headers,
                allow_redirects=False,  # the Bot API never redirects; the path holds the token
                proxy=route.proxy,
                proxy_auth=route.proxy_auth,
                auth=route.auth,
            ) as response:
                payload = await response.read()
        except TimeoutError as error:
            self._count(url, None)
            raise TimedOut(scrub_token(f"Timed out: {error}", url)) from None
        except aiohttp.ClientError as error:
            self._count(url, None)
            # Not chained: aiohttp's error quotes the URL, and tracebacks print causes.
            raise NetworkError(
                scrub_token(f"aiohttp.{type(error).__name__}: {error}", url)
            ) from None
        # python-telegram-bot quotes an answer it cannot parse in its error, and a proxy's
        # error page may echo the URL.
        for spelling in _token_spellings(url):
            payload = payload.replace(spelling.encode(), b"[token]")
        self._count(url, response.status)
        return response.status, payload

    def _count(self, url: str, status: int | None) -> None:
        """A message Telegram accepted, or a refusal (status None: no answer)."""
        if self._metrics is None:
            return
        method = url.rsplit("/", 1)[-1]
        if status == 200:
            if method.startswith("send") and method != "sendChatAction":
                self._metrics.messages_sent.inc()
        else:
            self._metrics.refused(status)


def json_body(parameters: dict[str, Any]) -> bytes:
    """A call's parameters as a JSON document."""
    try:
        return orjson.dumps(parameters)
    except TypeError:  # what orjson refuses (integers past 64 bits)
        return json.dumps(parameters).encode()


def scrub_token(text: str, url: str) -> str:
    """``text`` without the bot token found in ``url`` (as typed or percent-encoded)."""
    for spelling in _token_spellings(url):
        text = text.replace(spelling, "[token]")
    return text


def _token_spellings(url: str) -> tuple[str, ...]:
    found = TOKEN_IN_URL.search(url)
    return (found.group(1), quote(found.group(1), safe="")) if found else ()


def _chosen(timeout: ODVInput[float]) -> float | None:
    """A timeout a call passed, or the default when it passed none."""
    if timeout is BaseRequest.DEFAULT_NONE:
        return DEFAULT_TIMEOUT
    return timeout if isinstance(timeout, int | float) else None
