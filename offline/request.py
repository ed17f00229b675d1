"""A python-telegram-bot request that answers in-process, from an in-memory Bot API."""

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from offline.local_api import BotApiError, LocalBotApi, decode_parameters, with_uploads


class LocalRequest(BaseRequest):
    """A python-telegram-bot request that answers from a LocalBotApi instead of the network."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """No network, so no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Hand the call to the local API and encode its answer like Telegram does."""
        api_method = url.rsplit("/", 1)[-1]
        try:
            params = decode_parameters(request_data.json_parameters if request_data else {})
            if request_data is not None:
                files = {
                    name: (str(part[0]), bytes(part[1]))  # type: ignore[arg-type]
                    for name, part in request_data.multipart_data.items()
                }
                params = with_uploads(params, files)
            body: dict[str, Any] = {"ok": True, "result": self.api.call(api_method, params)}
            status = 200
        except BotApiError as error:
            body, status = error.payload(), error.code
        return status, json.dumps(body).encode("utf-8")
