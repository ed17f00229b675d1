"""Logs never contain identity numbers or the bot token, as text or as JSON lines."""

import io
import json
import logging
import re
import sys
from datetime import datetime

from bot.logs import PrivacyFilter, setup_logging

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


def test_a_secret_word_before_a_separated_number_leaves_none_of_its_digits():
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s", None, None)
    record.args = ("token lama hilang, KK 5371-0123-4567-0001",)
    line = formatted(record)
    assert not re.search(r"[0-9]", line), line


def test_json_logs_are_one_masked_object_per_line():
    stream = io.StringIO()
    setup_logging("INFO", secrets=[TOKEN], stream=stream, log_format="json")
    log = logging.getLogger("sensus.test")
    log.info("user wrote %s via %s", "NIK 5371 0123 4567 0001", f"https://api/bot{TOKEN}/x")
    try:
        raise ValueError(f"bad KK 5371-0123-4567-0001 at /start rt-{'Q' * 12} with {TOKEN}")
    except ValueError:
        log.exception("failed for 5371012345670001")
    log.debug("not shown at INFO")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "sensus.test"
    assert first["message"] == "user wrote NIK [angka] via https://api/bot[token]/x"
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["level"] == "ERROR" and second["message"] == "failed for [angka]"
    assert "Traceback" in second["exception"]
    assert re.search(r"ValueError: bad KK \[(angka|rahasia)\] at", second["exception"])
    assert "rt-[kode]" in second["exception"] and "[token]" in second["exception"]
    for text in (stream.getvalue(), json.dumps([first, second])):
        assert "0123" not in text and TOKEN not in text and "QQQQ" not in text


def test_json_logs_mask_exactly_as_text_logs():
    record_args = ("NIK 5371\\xa00123\\t4567\\u20020001", f"/start rt-{'a' * 10}")
    masked = []
    for log_format in ("text", "json"):
        stream = io.StringIO()
        setup_logging("INFO", secrets=[TOKEN], stream=stream, log_format=log_format)
        logging.getLogger("same").warning("seen %s, %s, %s", *record_args, TOKEN)
        line = stream.getvalue().strip()
        masked.append(
            line.split(": ", 1)[1] if log_format == "text" else json.loads(line)["message"]
        )
    assert masked[0] == masked[1] == "seen NIK [angka], /start rt-[kode], [token]"
