"""A recipient number, its country and its time zones, fast enough for a million rows.

`phonenumbers` spends ~27 us to parse, validate and format a number, then as much again to
find its region and zones; that alone would be a minute per million rows. Most batch rows are
already E.164 (or, in the US, ten national digits), and for those the library's answer can be
had from one call: a number valid for the main region of its calling code is valid, belongs
to that region (libphonenumber tries the main region first), and its zones come from a
prefix table. This module takes that road only when it provably gives the library's answer
(no leading zero, no national prefix the parser could strip, a main region without leading
digits) and falls back to `smscast.numbers.normalise` and `smscast.scheduling` otherwise.
`tests/batches/test_fast_numbers_match_phonenumbers.py` checks the equivalence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from phonenumbers import (
    PhoneMetadata,
    PhoneNumberDesc,
    PhoneNumberType,
    is_number_type_geographical,
)
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.timezone import UNKNOWN_TIMEZONE
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from smscast.numbers import InvalidNumber, normalise
from smscast.scheduling import country_for, zones_for

__all__ = ["Recipient", "recipient"]

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_NANP_NATIONAL = re.compile(r"[2-9]\d{9}")
_NANP_REGIONS = frozenset(COUNTRY_CODE_TO_REGION_CODE[1])


class Recipient(NamedTuple):
    e164: str
    country: str | None
    zones: tuple[ZoneInfo, ...]


def recipient(raw: str, region: str, default_zone: str) -> Recipient:
    """Normalise `raw` (read in `region`) and find its country and zones, or InvalidNumber.

    The result equals (normalise(raw, region), country_for(e164), zones_for(e164,
    default_zone=default_zone)).
    """
    text = raw.strip()
    if _E164.fullmatch(text):
        found = _fast(text[1:], default_zone)
        if found is not None:
            return found
    elif region in _NANP_REGIONS and _NANP_NATIONAL.fullmatch(text):
        found = _fast("1" + text, default_zone)
        if found is not None:
            return found
    e164 = normalise(raw, region)
    return Recipient(e164, country_for(e164), zones_for(e164, default_zone=default_zone))


def _fast(digits: str, default_zone: str) -> Recipient | None:
    region = _region_of(digits[:3])
    if region is None:
        return None
    size, cc, type_of, main, national_prefix, longest = region
    nsn = digits[size:]
    if nsn[0] == "0":
        return None
    if national_prefix is not None and national_prefix.match(nsn):
        return None  # the parser might strip it: let it decide
    kind = type_of(nsn)
    if kind == PhoneNumberType.UNKNOWN:
        return None  # maybe valid for another region of this code: ask the library
    prefix = ""  # the zones of the calling code, unless the number's type is geographic
    if is_number_type_geographical(kind, cc):
        # As time_zones_for_geographical_number: the longest prefix in the table wins.
        for end in range(longest, 0, -1):
            if digits[:end] in TIMEZONE_DATA:
                prefix = digits[:end]
                break
        else:
            prefix = "?"
    key = (prefix, cc, default_zone)
    zones = _ZONES.get(key)
    if zones is None:
        if prefix == "":
            names = _country_level(str(cc))
        else:
            names = tuple(TIMEZONE_DATA.get(prefix, (UNKNOWN_TIMEZONE,)))
        zones = _ZONES[key] = _zones(names, str(cc), default_zone)
    return Recipient("+" + digits, main, zones)


# (zone table key, "" for the calling code's zones, calling code, default zone) -> zones:
# a few thousand entries at most, however many numbers go through.
_ZONES: dict[tuple[str, int, str], tuple[ZoneInfo, ...]] = {}
_Region = tuple[int, int, "_TypeOf", str, "re.Pattern[str] | None", int]


@lru_cache(maxsize=1024)
def _region_of(head: str) -> _Region | None:
    """From the first three digits: the calling code (its length, value), the checks of its
    main region, that region, its national prefix pattern, and the zone table's longest key."""
    for size in (1, 2, 3):
        cc = int(head[:size])
        if cc in COUNTRY_CODE_TO_REGION_CODE:  # calling codes are prefix-free
            break
    else:
        return None
    main = COUNTRY_CODE_TO_REGION_CODE[cc][0]
    metadata = PhoneMetadata.metadata_for_region(main, None)
    if metadata is None or metadata.leading_digits is not None:
        return None
    pattern = metadata.national_prefix_for_parsing
    prefix = re.compile(pattern) if pattern else None
    return size, cc, _TypeOf(metadata), main, prefix, _longest_key(head[:size])


def _alternative(desc: PhoneNumberDesc | None) -> str | None:
    """A description as a regex: its possible lengths as a lookahead, then its pattern."""
    pattern = desc.national_number_pattern if desc is not None else None
    if not pattern:
        return None  # phonenumbers: an empty pattern matches nothing
    assert desc is not None
    lengths = "|".join(r"\d{" + str(n) + "}" for n in sorted(desc.possible_length or ()))
    ahead = r"(?=(?:" + lengths + r")\Z)" if lengths else ""
    return f"{ahead}(?:{pattern})"


class _TypeOf:
    """phonenumbers' `_number_type_helper` for one region, in one regex call.

    The library tries the types in order (premium rate, toll free, ..., fixed line, mobile),
    each a length check then a full match. Here each type is one alternative of a regex, in
    the same order: a full match takes the first alternative that matches all of the number,
    which is the type the library returns. The general description is a lookahead."""

    def __init__(self, m: PhoneMetadata):
        t = PhoneNumberType
        kinds = [
            (m.premium_rate, t.PREMIUM_RATE),
            (m.toll_free, t.TOLL_FREE),
            (m.shared_cost, t.SHARED_COST),
            (m.voip, t.VOIP),
            (m.personal_number, t.PERSONAL_NUMBER),
            (m.pager, t.PAGER),
            (m.uan, t.UAN),
            (m.voicemail, t.VOICEMAIL),
            (m.fixed_line, t.FIXED_LINE),
            (m.mobile, t.MOBILE),
        ]
        general = _alternative(m.general_desc)
        parts = [
            (f"k{i}", alt, kind) for i, (d, kind) in enumerate(kinds) if (alt := _alternative(d))
        ]
        self.kinds = {name: kind for name, _, kind in parts}
        self.match = None
        if general is not None and parts:
            body = "|".join(f"(?P<{name}>{alt})" for name, alt, _ in parts)
            self.match = re.compile(r"(?=(?:" + general + r")\Z)(?:" + body + ")").fullmatch
        mobile = _alternative(m.mobile)
        self.mobile = re.compile(mobile).fullmatch if mobile else None
        self.same = bool(m.same_mobile_and_fixed_line_pattern)

    def __call__(self, nsn: str) -> int:
        t = PhoneNumberType
        found = self.match(nsn) if self.match is not None else None
        if found is None:
            return t.UNKNOWN
        kind = self.kinds[found.lastgroup or ""]
        if kind == t.FIXED_LINE:
            if self.same or (self.mobile is not None and self.mobile(nsn)):
                return t.FIXED_LINE_OR_MOBILE
            return t.FIXED_LINE
        if kind == t.MOBILE and self.same:
            return t.UNKNOWN  # the library does not test mobile when it equals fixed line
        return kind


@lru_cache(maxsize=512)
def _longest_key(cc: str) -> int:
    # The zone table is read by longest prefix first; for a calling code no key is longer
    # than this, so the digits past it never change the answer and the cache stays small.
    return max((len(k) for k in TIMEZONE_DATA if k.startswith(cc)), default=len(cc))


@lru_cache(maxsize=512)
def _country_level(cc: str) -> tuple[str, ...]:
    for size in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        names = TIMEZONE_DATA.get(cc[:size])
        if names is not None:
            return tuple(names)
    return (UNKNOWN_TIMEZONE,)


@lru_cache(maxsize=4096)
def _zones(names: tuple[str, ...], cc: str, default_zone: str) -> tuple[ZoneInfo, ...]:
    # As smscast.scheduling.zones_for for a number with no contact or fixed zone.
    if names == (UNKNOWN_TIMEZONE,):
        names = tuple(TIMEZONE_DATA.get(cc, ()))
    out: list[ZoneInfo] = []
    for name in dict.fromkeys(n for n in names if n != UNKNOWN_TIMEZONE):
        try:
            out.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return tuple(out) or (ZoneInfo(default_zone),)


__all__ += ["InvalidNumber"]
