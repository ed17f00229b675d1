"""sensus-bot: a Telegram assistant for the 2020 Population Census (SP2020)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sensus-bot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
