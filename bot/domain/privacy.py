"""Masking of identity numbers (NIK, KK) before text is logged or stored."""

import re

# 16 digits, optionally written in groups separated by a space, dot or dash ("5371 0101 ...").
SIXTEEN_DIGITS = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")


def mask_identity_numbers(text: str) -> str:
    """Replace every 16-digit number in ``text`` by a fixed mask that keeps no digit."""
    return SIXTEEN_DIGITS.sub("[16 digit]", text)
