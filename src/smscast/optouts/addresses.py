"""The addresses consent is keyed by, written exactly as messages store them.

An opt-out must match `messages.to` and `messages.sender` byte for byte, so numbers are
E.164 and senders go through the same rules as on the accept path. Addresses from SMPP come
without '+' and without their TON: they are read the way carriers send them.
"""

from __future__ import annotations

from smscast.numbers import InvalidNumber, normalise, sender_kind

__all__ = ["InvalidNumber", "handset", "normalise_sender", "our_address"]


def normalise_sender(raw: str, region: str) -> str:
    """A sender as messages store it; InvalidNumber (a ValueError) when it is none."""
    raw = raw.strip()
    try:
        kind = sender_kind(raw)
    except ValueError:
        return normalise(raw, region)
    return normalise(raw, region) if kind == "e164" else raw


def handset(raw: str, region: str = "US") -> str:
    """The sender of an MO: E.164 when it parses (international without '+' as SMPP sends
    it), else the address as it came."""
    text = raw.strip()
    digits = text.isascii() and text.isdigit()
    for candidate in (("+" + text) if digits and len(text) > 8 else text, text):
        try:
            return normalise(candidate, region)
        except InvalidNumber:
            continue
    return text


def our_address(raw: str, region: str = "US") -> str:
    """Where an MO was sent: a short code or mask as is, a long number in E.164."""
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text) <= 8:
        return text
    return handset(text, region)
