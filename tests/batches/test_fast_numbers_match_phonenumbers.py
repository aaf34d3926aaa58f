"""The fast path for numbers gives exactly what smscast.numbers and smscast.scheduling give."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smscast.batches.numbers import recipient
from smscast.numbers import InvalidNumber, normalise
from smscast.scheduling import country_for, zones_for

CODES = [1, 1, 1, 7, 20, 27, 33, 34, 39, 44, 49, 52, 54, 55, 61, 62, 64, 65, 81, 86, 90, 91,
         234, 351, 353, 358, 380, 852, 971, 972, 998]  # fmt: skip


def slow(raw: str, region: str):
    try:
        e164 = normalise(raw, region)
    except InvalidNumber:
        return None
    return e164, country_for(e164), zones_for(e164, default_zone="UTC")


def fast(raw: str, region: str):
    try:
        r = recipient(raw, region, "UTC")
    except InvalidNumber:
        return None
    return r.e164, r.country, r.zones


@settings(max_examples=800, deadline=None)
@given(
    cc=st.sampled_from(CODES),
    digits=st.integers(min_value=10**5, max_value=10**12 - 1),
    region=st.sampled_from(["US", "GB", "CA", "DE"]),
    plus=st.booleans(),
)
def test_random_numbers_agree(cc, digits, region, plus):
    raw = f"+{cc}{digits}" if plus else str(digits)
    assert fast(raw, region) == slow(raw, region)


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_regions_example_numbers_agree(region):
    for kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.VOIP,
    ):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        raw = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        assert fast(raw, "US") == slow(raw, "US"), raw
        national = str(example.national_number)
        assert fast(national, region) == slow(national, region), (national, region)


@pytest.mark.parametrize(
    "raw", ["+14155550100", "4155550100", " +14155550100 ", "+1 415 555 0100", "+1415555010",
            "+19995550100", "+18005550100", "+10155550100", "+4407400123456", "+447400123456"],
)  # fmt: skip
def test_edge_cases_agree(raw):
    assert fast(raw, "US") == slow(raw, "US")
