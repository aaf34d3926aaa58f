"""Phone numbers and sender addresses: normalisation to E.164 and classification."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = ["InvalidNumber", "normalise", "region_of", "sender_kind"]

_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ._&-]{1,11}$")


class InvalidNumber(ValueError):
    """Not a valid phone number for the given region."""


@lru_cache(maxsize=65536)
def normalise(raw: str, region: str = "US") -> str:
    """Return the number in E.164; a national number is read in `region`."""
    text = raw.strip()
    if not text or len(text) > 32:
        raise InvalidNumber("empty or too long")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(str(exc)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def region_of(e164: str) -> str | None:
    """ISO country code of an E.164 number, or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None


def sender_kind(sender: str) -> str:
    """Classify a sender: 'e164', 'short_code' or 'alphanumeric'; ValueError otherwise."""
    if sender.startswith("+") and sender[1:].isdigit():
        return "e164"
    if _SHORT_CODE.match(sender):
        return "short_code"
    if _ALPHANUMERIC.match(sender):
        return "alphanumeric"
    raise ValueError(sender)
