"""Decode a short_message as it arrives in deliver_sm (MO) or leaves in submit_sm."""

from __future__ import annotations

from smscast.encoding.alphabet import decode_gsm7
from smscast.encoding.udh import reassemble_udh

__all__ = ["decode"]


def decode(data_coding: int, short_message: bytes, *, udhi: bool = False) -> str:
    """Decode one part's text, stripping its UDH when `udhi` (esm_class 0x40) is set.

    Malformed bytes become U+FFFD rather than raising: an MO from a broken handset must still
    be stored. Raise ValueError for a data_coding we do not read. To reassemble a UCS-2
    message whose sender split a surrogate pair, join the payloads before decoding them.
    """
    payload = reassemble_udh(short_message)[1] if udhi else short_message
    if data_coding == 0:
        # SMPP calls 0 the "SMSC default alphabet"; GSM 03.38 in practice, unpacked.
        return decode_gsm7(payload)
    if data_coding == 8:
        # UCS-2 in name; handsets send UTF-16BE, so surrogate pairs decode as one character.
        return payload.decode("utf-16-be", "replace")
    if data_coding == 3:
        return payload.decode("latin-1")
    if data_coding == 1:
        return payload.decode("ascii", "replace")  # IA5, the international ASCII variant
    raise ValueError(f"unsupported data_coding {data_coding:#04x}")
