"""Who an ``Audience`` is, in SQL: the condition over ``users u`` that selects its people."""

from typing import Any

from bot.domain.audience import Audience
from bot.domain.regions import province_codes


def people_condition(audience: Audience) -> tuple[str, list[Any]]:
    """SQL over ``users u`` selecting the people (opt-out and blocked are excluded by callers)."""
    if audience.kind == "region":
        value = audience.value
        codes = province_codes(value) if len(value) == 2 else [value]
        condition = " OR ".join("u.region = ? OR u.region LIKE ?" for _ in codes)
        return f"({condition})", [p for code in codes for p in (code, f"{code}.%")]
    if audience.kind == "lang":
        return "u.lang = ?", [audience.value]
    if audience.kind == "reminder":
        return (
            "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.user_id AND s.grp = ?)",
            [audience.value],
        )
    if audience.kind == "rt-heads":
        return "EXISTS (SELECT 1 FROM roles r WHERE r.user_id = u.user_id AND r.role = 'rt')", []
    return "1 = 1", []
