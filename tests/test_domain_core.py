"""Pure logic: identity-number masking and callback data."""

import pytest

from bot.domain.callbacks import Callback, parse_callback
from bot.domain.identity import NUMBER_MASK, mask_private


@pytest.mark.parametrize(
    "text",
    [
        "NIK saya 5371012345670001 ya",
        "kk: 5371-0123-4567-0001",
        "5371 0123 4567 0001",
        "5371.0123.4567.0001!",
    ],
)
def test_sixteen_digit_numbers_are_masked_in_any_common_spelling(text):
    masked = mask_private(text)
    assert NUMBER_MASK in masked
    assert not any(run in masked for run in ("5371", "0001", "4567"))


@pytest.mark.parametrize("text", ["tahun 2020", "RT 05/RW 02", "pukul 08.00"])
def test_short_numbers_are_left_alone(text):
    assert mask_private(text) == text


def test_callback_round_trip():
    callback = Callback("lang", "set", "mkn")
    assert parse_callback(callback.pack()) == callback


@pytest.mark.parametrize(
    "data",
    [None, "", "lang", "lang:set", "a:b:c:d", "LANG:set:x", "lang:set:<b>", "x:y:" + "z" * 62],
)
def test_malformed_callback_data_is_rejected(data):
    assert parse_callback(data) is None


def test_packing_refuses_data_telegram_would_reject():
    with pytest.raises(ValueError):
        Callback("guide", "goto", "x" * 64).pack()
