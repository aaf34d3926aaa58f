"""Choose TON/NPI for an address, the way carriers expect to receive it."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

__all__ = ["Address", "address"]

TON_UNKNOWN, TON_INTERNATIONAL, TON_NATIONAL, TON_NETWORK, TON_ALPHANUMERIC = 0, 1, 2, 3, 5
NPI_UNKNOWN, NPI_E164 = 0, 1


class Address(NamedTuple):
    """An address as it goes on the wire."""

    addr: str
    ton: int
    npi: int


@lru_cache(maxsize=8192)  # senders repeat, and so do recipients within a campaign
def address(value: str) -> Address:
    """Classify an address: E.164, short code, or alphanumeric sender.

    "+447700900123" -> international (TON 1, NPI 1), sent without the '+';
    3 to 8 digits -> a short code (TON 3 network specific, NPI 0);
    anything with a letter -> alphanumeric (TON 5, NPI 0), which is only valid as a sender;
    other digit strings (9+ digits without '+') -> international, as the worker hands E.164.
    """
    value = value.strip()
    if value.startswith("+") and _digits(value[1:]):
        return Address(value[1:], TON_INTERNATIONAL, NPI_E164)
    if _digits(value):
        if 3 <= len(value) <= 8:
            return Address(value, TON_NETWORK, NPI_UNKNOWN)
        return Address(value, TON_INTERNATIONAL, NPI_E164)
    return Address(value, TON_ALPHANUMERIC, NPI_UNKNOWN)


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()
