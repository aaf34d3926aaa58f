"""Concatenation user data headers (3GPP TS 23.040, sections 9.2.3.24.1 and 9.2.3.24.8)."""

from __future__ import annotations

__all__ = ["IEI_CONCAT_8", "IEI_CONCAT_16", "concat_udh", "reassemble_udh"]

IEI_CONCAT_8 = 0x00  # concatenated short messages, 8-bit reference
IEI_CONCAT_16 = 0x08  # concatenated short messages, 16-bit reference

Concat = tuple[int, int, int]  # (reference, total, sequence)


def concat_udh(reference: int, total: int, sequence: int, *, udh16: bool = False) -> bytes:
    """Build the UDH (length octet included) for part `sequence` of `total`."""
    if udh16:
        return bytes((6, IEI_CONCAT_16, 4, reference >> 8, reference & 0xFF, total, sequence))
    return bytes((5, IEI_CONCAT_8, 3, reference, total, sequence))


def reassemble_udh(short_message: bytes) -> tuple[Concat | None, bytes]:
    """Split a UDHI short_message into its concatenation info, if any, and its payload.

    Raise ValueError when the header claims more octets than the message holds.
    """
    if not short_message:
        raise ValueError("UDHI set but short_message is empty")
    end = 1 + short_message[0]
    if end > len(short_message):
        raise ValueError("UDH longer than short_message")
    concat: Concat | None = None
    at = 1
    while at + 2 <= end:
        iei, size = short_message[at], short_message[at + 1]
        value = short_message[at + 2 : at + 2 + size]
        if at + 2 + size > end:
            break  # a truncated element: keep what was parsed, the payload still starts at `end`
        # A repeated element counts by its last occurrence (23.040 9.2.3.24).
        if iei == IEI_CONCAT_8 and size == 3:
            concat = _valid(value[0], value[1], value[2], concat)
        elif iei == IEI_CONCAT_16 and size == 4:
            concat = _valid((value[0] << 8) | value[1], value[2], value[3], concat)
        at += 2 + size
    return concat, short_message[end:]


def _valid(reference: int, total: int, sequence: int, previous: Concat | None) -> Concat | None:
    # 23.040: a total of zero, or a sequence of zero or beyond the total, voids the element.
    if total == 0 or not 1 <= sequence <= total:
        return previous
    return reference, total, sequence
