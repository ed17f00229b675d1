"""The suite-wide privacy check: every NIK-like number the tests typed to the bot, looked for
in every file the tests left (databases, their -wal, backups) and in the bot's debug log.

Written apart from bot/domain/identity.py on purpose: if the bot's reading of a spelling
were wrong, the same mistake here would hide it."""

import re
import unicodedata
from pathlib import Path
from typing import Any

# Any spelling the tests use: digits (or O/o, l/I typed for 0 and 1) with up to three other
# characters between them (spaces of any width, "/", "–", " - ", "_", ",", ...).
_TYPED = re.compile(r"[0-9OoIl](?:[^0-9A-Za-z]{0,3}[0-9OoIl])+")
_AS_DIGITS = str.maketrans("OoIl", "0011")


_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[ntr])")


def readable(text: str) -> str:
    """NFKC without format characters (zero-width spaces and the like), with the escapes
    repr() writes in a log (a no-break space as "\\xa0") read as the gaps they stand for."""
    text = unicodedata.normalize("NFKC", _ESCAPE.sub(" ", text))
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def strings_in(value: Any) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def typed_numbers(text: str, longest: int = 18) -> set[str]:
    """The NIK/KK-like numbers (14 to ``longest`` digits, at least ten of them typed as
    digits) in ``text``, as digits."""
    found = set()
    for run in _TYPED.finditer(readable(text)):
        typed = re.sub(r"[^0-9OoIl]", "", run.group())
        digits = typed.translate(_AS_DIGITS)
        if 14 <= len(digits) <= longest and sum(c.isdigit() for c in typed) >= 10:
            found.add(digits)
    return found


class PrivacyScan:
    """Collects what the tests typed; finds any of it in files."""

    def __init__(self) -> None:
        self.numbers: set[str] = set()

    def record(self, payload: dict[str, Any]) -> None:
        """Remember the numbers in an update the tests sent to the bot: not in the bot's own
        message a button press carries (a phone number the bot wrote after "SP2020" reads
        as a NIK, and what the bot wrote is the bot's to keep)."""
        press = payload.get("callback_query")
        typed = {k: v for k, v in press.items() if k != "message"} if press else payload
        for text in strings_in(typed):
            self.numbers |= typed_numbers(text)

    def findings(self, folder: Path) -> list[str]:
        """``file: number`` for each typed number found, in any spelling, in a file under
        ``folder`` (maybe inside a longer run of digits)."""
        found = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            runs = typed_numbers(path.read_bytes().decode("utf-8", "replace"), longest=10**9)
            found += [f"{path}: {n}" for n in sorted(self.numbers) if any(n in r for r in runs)]
        return found
