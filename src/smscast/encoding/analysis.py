"""Tell which encoding a text needs and how many segments it costs, on the hot path."""

from __future__ import annotations

from dataclasses import dataclass

from smscast.encoding.alphabet import encode_unchecked, scan
from smscast.encoding.segmentation import (
    GSM7_MULTI,
    GSM7_SINGLE,
    UCS2_MULTI,
    UCS2_SINGLE,
    split,
)

__all__ = ["GSM7", "UCS2", "Analysis", "analyze"]

GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a text costs: its encoding, its length in units, and its segments.

    Segments assume the default 8-bit reference UDH. With a 16-bit reference a concatenated
    part holds 152 septets or 66 units, so parts(text, udh16=True) may make one more. An empty
    text is one segment of 0 units, as it is sent as one empty part.
    """

    encoding: str  # GSM7 or UCS2
    units: int  # septets (extension characters count 2) or UTF-16 code units (astral count 2)
    characters: int  # code points
    segments: int
    per_segment: int  # 160 or 153 septets, 70 or 67 units: the limit that applies here
    unicode_chars: tuple[str, ...]  # distinct characters that forced UCS-2, first seen first


# Most texts are single-segment GSM-7, whose analysis depends on (units, characters) only.
# Building a frozen dataclass costs about as much as scanning the text, so the immutable
# results are shared: about 13,000 at most, as characters <= units <= 160.
_GSM7_SINGLE: dict[int, Analysis] = {}


def analyze(text: str) -> Analysis:
    """Price a text; `segments` always equals len(parts(text))."""
    extensions, strangers = scan(text)
    characters = len(text)
    if not strangers:
        units = characters + extensions
        if units <= GSM7_SINGLE:
            key = units << 8 | characters  # characters <= units <= 160 fits 8 bits
            found = _GSM7_SINGLE.get(key)
            if found is None:
                found = _GSM7_SINGLE[key] = Analysis(GSM7, units, characters, 1, GSM7_SINGLE, ())
            return found
        if extensions:
            # An escape pushed off the end of a part moves its character to the next part,
            # so the count needs the real cut points.
            segments = len(split(encode_unchecked(text), GSM7_MULTI, ucs2=False))
        else:
            segments = -(-units // GSM7_MULTI)
        return Analysis(GSM7, units, characters, segments, GSM7_MULTI, ())
    data = text.encode("utf-16-be", "surrogatepass")
    units = len(data) >> 1
    if units <= UCS2_SINGLE:
        return Analysis(UCS2, units, characters, 1, UCS2_SINGLE, strangers)
    if units != characters:  # surrogate pairs present: same reason as escapes above
        segments = len(split(data, UCS2_MULTI * 2, ucs2=True))
    else:
        segments = -(-units // UCS2_MULTI)
    return Analysis(UCS2, units, characters, segments, UCS2_MULTI, strangers)
