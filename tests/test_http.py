"""The bot's HTTP client (bot/http.py) honours the proxy the environment names, as
python-telegram-bot's default client does: HTTP(S)_PROXY, and NO_PROXY for exceptions."""

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot

from bot.http import AiohttpRequest
from offline.fake_telegram import TOKEN, FakeTelegram
from offline.processes import free_port

CHAT = 502


class Proxy:
    """A forwarding HTTP proxy on 127.0.0.1 that records the URL of every call through it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.forwarded: list[str] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self.runner = web.AppRunner(app)

    async def forward(self, request: web.Request) -> web.Response:
        """Pass the call on to where it was addressed; answer with what came back."""
        self.forwarded.append(str(request.url))
        headers = {"Content-Type": request.headers.get("Content-Type", "")}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, request.url, data=await request.read(), headers=headers
            ) as answer,
        ):
            return web.Response(body=await answer.read(), status=answer.status)


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    """The proxy, serving."""
    server = Proxy()
    await server.runner.setup()
    await web.TCPSite(server.runner, "127.0.0.1", server.port).start()
    yield server
    await server.runner.cleanup()


async def send_one(telegram: FakeTelegram, text: str) -> None:
    """One sendMessage through the bot's HTTP client."""
    bot = Bot(TOKEN, base_url=f"{telegram.url}/bot", request=AiohttpRequest(connections=2))
    async with bot:
        await bot.send_message(CHAT, text)


async def test_calls_go_through_the_proxy_the_environment_names(
    telegram: FakeTelegram, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    await send_one(telegram, "Lewat proxy")
    assert proxy.forwarded and all(url.startswith(telegram.url) for url in proxy.forwarded)
    assert any(url.endswith("/sendMessage") for url in proxy.forwarded)
    assert [c.params["text"] for c in telegram.calls if c.method == "sendMessage"] == [
        "Lewat proxy"
    ]


async def test_a_server_named_in_no_proxy_is_called_directly(
    telegram: FakeTelegram, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for name in ("no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    await send_one(telegram, "Langsung")
    assert proxy.forwarded == []
    assert [c.params["text"] for c in telegram.calls if c.method == "sendMessage"] == ["Langsung"]
