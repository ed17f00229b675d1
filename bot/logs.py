"""Logging set-up with a filter that keeps identity numbers, secrets, invitation codes and
the bot token out of logs."""

import json
import logging
import re
from datetime import UTC, datetime
from typing import TextIO

from bot.domain.identity import NUMBER_DIGITS, mask_private

# "/start rt-CODE" in a logged update, "start=rt-CODE" in a logged invitation link.
INVITATION_CODE = re.compile(r"(?<=rt-)[A-Za-z0-9_\-]{8,}")
# Logged updates are repr()s: a no-break space between digits reads "\xa0", a tab "\t".
ESCAPED_SEPARATOR = re.compile(
    r"(?<=[0-9])(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[ntr]))+(?=[0-9OoIl])"
)


class PrivacyFilter(logging.Filter):
    """Rewrite each record's final message with NIK/KK-like numbers, secrets, invitation
    codes and the configured secrets (the bot token) masked."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops a record."""
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = self.mask(message)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        record.msg, record.args = masked, None
        return True

    def mask(self, text: str) -> str:
        """Mask secrets, invitation codes and NIK/KK-like numbers in one string."""
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        text = ESCAPED_SEPARATOR.sub(" ", INVITATION_CODE.sub("[kode]", text))
        return mask_private(text, NUMBER_DIGITS)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and the
    exception's text when there is one (masked already by the PrivacyFilter)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:  # a handler without the filter
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    level: str = "INFO",
    secrets: list[str] | None = None,
    stream: TextIO | None = None,
    log_format: str = "text",
) -> None:
    """Log to stderr (or ``stream``) through the privacy filter, on every root handler, as
    text lines or (``log_format="json"``) one JSON object per line."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=stream,
        force=True,
    )
    privacy = PrivacyFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(privacy)
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
        handler.setLevel(level)  # some libraries set their own loggers to DEBUG
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
