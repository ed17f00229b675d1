"""Logging set-up with a filter that keeps identity numbers, secrets, invitation codes and
the bot token out of logs."""

import logging
import re
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
        record.msg, record.args = masked, None
        return True

    def mask(self, text: str) -> str:
        """Mask secrets, invitation codes and NIK/KK-like numbers in one string."""
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        text = ESCAPED_SEPARATOR.sub(" ", INVITATION_CODE.sub("[kode]", text))
        return mask_private(text, NUMBER_DIGITS)


def setup_logging(
    level: str = "INFO", secrets: list[str] | None = None, stream: TextIO | None = None
) -> None:
    """Log to stderr (or ``stream``) through the privacy filter, on every root handler."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=stream,
        force=True,
    )
    privacy = PrivacyFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(privacy)
        handler.setLevel(level)  # some libraries set their own loggers to DEBUG
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
