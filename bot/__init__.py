"""sensus-bot: a Telegram assistant for the 2020 Population Census (SP2020)."""

import os
from importlib.metadata import PackageNotFoundError, version

# python-telegram-bot 22 warns that durations (RetryAfter.retry_after) will become
# timedeltas; the bot handles them as timedeltas already, so opt in now.
os.environ.setdefault("PTB_TIMEDELTA", "true")

try:
    __version__ = version("sensus-bot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
