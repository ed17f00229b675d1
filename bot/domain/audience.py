"""Who a broadcast goes to: ``all``, ``region:CODE``, ``lang:L``, ``reminder:GROUP``
(subscribers of a reminder kind), ``rt-heads``, ``rt-groups``."""

from dataclasses import dataclass

from bot.domain.calendar import REMINDER_GROUPS
from bot.domain.regions import region_name

KINDS = ("all", "region", "lang", "reminder", "rt-heads", "rt-groups")


@dataclass(frozen=True)
class Audience:
    """A parsed audience."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    @property
    def groups(self) -> bool:
        """Whether it targets community groups rather than people."""
        return self.kind == "rt-groups"


def parse_audience(text: str, languages: frozenset[str]) -> Audience:
    """Parse and check an audience; ValueError says what is wrong."""
    kind, _, value = text.strip().partition(":")
    if kind not in KINDS:
        raise ValueError(
            "audience must be one of all, region:CODE, lang:L, reminder:GROUP, rt-heads, rt-groups"
        )
    if kind == "region" and not value.replace(".", "").isdigit():
        raise ValueError("region:CODE needs a Kemendagri code such as 53 or 53.71")
    if kind == "region" and region_name(value) is None:
        raise ValueError(f"no province or regency has the code {value}")
    if kind == "lang" and value not in languages:
        raise ValueError(f"lang:L needs one of {', '.join(sorted(languages))}")
    if kind == "reminder" and value not in REMINDER_GROUPS:
        raise ValueError(f"reminder:GROUP needs one of {', '.join(REMINDER_GROUPS)}")
    if kind in ("all", "rt-heads", "rt-groups") and value:
        raise ValueError(f"{kind} takes no value")
    return Audience(kind, value)
