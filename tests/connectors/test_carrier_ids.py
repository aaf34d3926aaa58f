"""Carrier ids match whatever case, padding or base the carrier used on each side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smscast.connectors.smpp import candidate_ids, normalise_id


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0A1B", "a1b"),
        ("0000a1b", "a1b"),
        ("A1B", "a1b"),
        (" 2587 ", "2587"),
        ("2587\x00", "2587"),
        ("000", "0"),
        ("0", "0"),
        ("", ""),
        ("AbC-0001-DEF", "abc-0001-def"),
        ("5f0c9d2e-7a1b-4c1e-9f00-123456789abc", "5f0c9d2e-7a1b-4c1e-9f00-123456789abc"),
    ],
)
def test_normalise_id_is_trimmed_lower_case_without_leading_zeros(raw, canonical):
    assert normalise_id(raw) == canonical


def test_hex_resp_matches_decimal_receipt():
    stored = normalise_id("0A1B")  # submit_sm_resp, hex
    assert stored in candidate_ids("2587")  # the receipt, same number in decimal


def test_decimal_resp_matches_hex_receipt():
    stored = normalise_id("2587")
    assert stored in candidate_ids("a1b")
    assert stored in candidate_ids("00000A1B")


def test_same_id_in_different_case_and_padding_matches_exactly():
    assert normalise_id("00ABCDEF") == normalise_id("abcdef")


def test_canonical_form_is_always_a_candidate():
    for raw in ("123", "abc", "0x", "uuid-like-id", "000"):
        assert normalise_id(raw) in candidate_ids(raw)


def test_decimal_id_offers_both_readings():
    assert candidate_ids("2587") == {"2587", "9607", "a1b"}


def test_non_numeric_ids_have_one_candidate():
    assert candidate_ids("msg-00042") == {"msg-00042"}
    assert candidate_ids("xyz") == {"xyz"}


def test_very_long_numbers_are_not_reinterpreted():
    long_id = "9" * 40
    assert candidate_ids(long_id) == {long_id}


@given(st.integers(min_value=0, max_value=2**64))
def test_any_number_printed_in_hex_or_decimal_meets_its_other_form(n):
    # Whichever way the carrier printed each side, the stored (normalised) submit id is one of
    # the receipt id's candidates.
    for resp, receipt in ((f"{n:X}", str(n)), (str(n), f"{n:x}"), (f"{n:016X}", str(n))):
        assert normalise_id(resp) in candidate_ids(receipt)


@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_never_raises(raw):
    once = normalise_id(raw)
    assert normalise_id(once) == once
    assert once in candidate_ids(raw)
