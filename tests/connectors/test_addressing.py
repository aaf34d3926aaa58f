"""TON/NPI follow the kind of address: E.164, short code or alphanumeric."""

from __future__ import annotations

import pytest

from smscast.connectors.smpp.addressing import Address, address


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+447700900123", Address("447700900123", 1, 1)),
        ("447700900123", Address("447700900123", 1, 1)),
        ("12345", Address("12345", 3, 0)),
        ("123", Address("123", 3, 0)),
        ("12345678", Address("12345678", 3, 0)),
        ("ACME", Address("ACME", 5, 0)),
        ("Shop 24", Address("Shop 24", 5, 0)),
        ("+44abc", Address("+44abc", 5, 0)),
        ("１２３４", Address("１２３４", 5, 0)),  # full-width digits are not digits on the wire
    ],
)
def test_address_kind_sets_ton_and_npi(value, expected):
    assert address(value) == expected
