"""Logs never contain identity numbers or the bot token."""

import logging
import sys

from bot.logs import PrivacyFilter

TOKEN = "123456:SECRET-token"


def formatted(record: logging.LogRecord) -> str:
    PrivacyFilter([TOKEN]).filter(record)
    return logging.Formatter().format(record)


def test_message_arguments_are_masked():
    record = logging.LogRecord("x", logging.INFO, "f", 1, "user wrote %s via %s", None, None)
    record.args = ("NIK 5371012345670001", f"https://api/bot{TOKEN}/sendMessage")
    line = formatted(record)
    assert "5371012345670001" not in line and TOKEN not in line
    assert "[angka]" in line and "[token]" in line


def test_tracebacks_are_masked():
    try:
        raise ValueError("bad KK 5371-0123-4567-0001")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed", None, sys.exc_info())
    line = formatted(record)
    assert "ValueError" in line and "0123" not in line
