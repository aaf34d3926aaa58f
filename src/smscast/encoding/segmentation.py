"""Split a text into SMPP-ready parts.

Limits come from the 140-octet user data. A single part holds 160 septets or 70 UCS-2 units.
A concatenated part also carries a UDH: 6 octets with an 8-bit reference (48 bits, padded to
7 septets, leaving 153; or 134 octets, 67 units), 7 octets with a 16-bit reference (exactly 8
septets, leaving 152; or 133 octets, 66 whole units). A part may end one short of its limit:
a cut never separates an escape from its character nor a surrogate pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from smscast.encoding.alphabet import ESCAPE, encode_unchecked, scan
from smscast.encoding.udh import concat_udh

__all__ = [
    "DATA_CODING_GSM7",
    "DATA_CODING_UCS2",
    "ESM_CLASS_UDHI",
    "GSM7_MULTI",
    "GSM7_MULTI_UDH16",
    "GSM7_SINGLE",
    "UCS2_MULTI",
    "UCS2_MULTI_UDH16",
    "UCS2_SINGLE",
    "Part",
    "parts",
    "split",
]

DATA_CODING_GSM7 = 0  # SMSC default alphabet, which we take to be GSM 03.38
DATA_CODING_UCS2 = 8  # UCS-2; we send UTF-16BE so that astral characters survive
ESM_CLASS_UDHI = 0x40  # short_message starts with a user data header

GSM7_SINGLE, GSM7_MULTI, GSM7_MULTI_UDH16 = 160, 153, 152  # septets
UCS2_SINGLE, UCS2_MULTI, UCS2_MULTI_UDH16 = 70, 67, 66  # UTF-16 code units

MAX_PARTS = 255  # the total is one octet in either UDH


@dataclass(frozen=True, slots=True)
class Part:
    """One submit_sm worth of a message.

    For GSM-7 the payload is unpacked (one septet a byte), so short_message may exceed 140
    bytes; packed on the air it fits 140 octets.
    """

    data_coding: int
    udh: bytes
    payload: bytes

    @property
    def short_message(self) -> bytes:
        """Return the UDH followed by the payload."""
        return self.udh + self.payload

    @property
    def esm_class(self) -> int:
        """Return the esm_class flags: UDHI when a UDH is present."""
        return ESM_CLASS_UDHI if self.udh else 0


def parts(text: str, reference: int = 0, *, udh16: bool = False) -> list[Part]:
    """Encode and split a text; an empty text is one empty part.

    `reference` (0..65535) identifies the message for reassembly; an 8-bit UDH carries its
    low byte. Raise ValueError beyond 255 parts, the most a UDH can number.
    """
    if not 0 <= reference <= 0xFFFF:
        raise ValueError(f"reference must be in 0..65535, got {reference}")
    if not scan(text)[1]:
        coding, data, ucs2 = DATA_CODING_GSM7, encode_unchecked(text), False
        single, multi = GSM7_SINGLE, GSM7_MULTI_UDH16 if udh16 else GSM7_MULTI
    else:
        coding, data, ucs2 = DATA_CODING_UCS2, text.encode("utf-16-be", "surrogatepass"), True
        single = UCS2_SINGLE * 2
        multi = (UCS2_MULTI_UDH16 if udh16 else UCS2_MULTI) * 2
    if len(data) <= single:
        return [Part(coding, b"", data)]
    chunks = split(data, multi, ucs2=ucs2)
    total = len(chunks)
    if total > MAX_PARTS:
        raise ValueError(f"text needs {total} parts, more than {MAX_PARTS}")
    if not udh16:
        reference &= 0xFF
    return [
        Part(coding, concat_udh(reference, total, seq, udh16=udh16), chunk)
        for seq, chunk in enumerate(chunks, 1)
    ]


def split(data: bytes, size: int, *, ucs2: bool) -> list[bytes]:
    """Cut encoded data into chunks of at most `size` bytes, never inside a character."""
    chunks: list[bytes] = []
    start, length = 0, len(data)
    while start < length:
        end = start + size
        if end < length:
            # Back off one unit when the cut would leave a high surrogate (D800-DBFF) or an
            # escape at the end of the chunk; handsets show either half as garbage.
            if ucs2:
                if data[end - 2] & 0xFC == 0xD8:
                    end -= 2
            elif data[end - 1] == ESCAPE:
                end -= 1
        chunks.append(data[start:end])
        start = end
    return chunks
