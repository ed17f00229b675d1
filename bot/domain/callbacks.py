"""Callback data of inline buttons: ``feature:action:arg``, at most 64 bytes."""

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64
_PART = re.compile(r"[a-z0-9_\-]+")
_ARG = re.compile(r"[A-Za-z0-9_\-.,=+]*")


@dataclass(frozen=True)
class Callback:
    """A parsed button press: which feature, which action, one optional argument."""

    feature: str
    action: str
    arg: str = ""

    def pack(self) -> str:
        """Encode as callback data; raise ValueError when it would not be valid."""
        data = f"{self.feature}:{self.action}:{self.arg}"
        if parse_callback(data) != self:
            raise ValueError(f"invalid callback data {data!r}")
        return data


def parse_callback(data: str | None) -> Callback | None:
    """Parse callback data; None for anything not of the form this bot writes."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    if len(parts) != 3:
        return None
    feature, action, arg = parts
    if not (_PART.fullmatch(feature) and _PART.fullmatch(action) and _ARG.fullmatch(arg)):
        return None
    return Callback(feature, action, arg)
