"""Which clock(s) a recipient's window is read on."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_tz
from phonenumbers.tzdata import TIMEZONE_DATA

__all__ = ["MOSCOW", "country_for", "zone", "zones_for"]

# Revicom `useLocalTime: false` reads every local field in Moscow time.
MOSCOW = "Europe/Moscow"


def zone(name: str) -> ZoneInfo:
    """Return the zone called `name`, or raise ValueError for a name the tz database lacks."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=65536)
def zones_for(
    e164: str,
    *,
    contact_zone: str | None = None,
    fixed_zone: str | None = None,
    default_zone: str = "UTC",
) -> tuple[ZoneInfo, ...]:
    """Return the zones a window for `e164` must hold in, most specific source first.

    A fixed zone (Revicom `useLocalTime: false`: Europe/Moscow) wins, since the caller then
    asked for that clock explicitly; then the contact's own zone; then the zones of the number
    (a US area code or a non-geographic mobile number can give several, and the window must
    hold in all); then those of its country calling code; then `default_zone` (the account's).
    Cached: parsing a number costs more than the rest of scheduling a message.
    """
    if fixed_zone is not None:
        return (zone(fixed_zone),)
    if contact_zone is not None:
        return (zone(contact_zone),)
    known = tuple(_known(_names_for(e164)))
    return known or (zone(default_zone),)


def country_for(e164: str) -> str | None:
    """Return the ISO 3166 region code of `e164` (for quiet-hour overrides), or None."""
    number = _parse(e164)
    return None if number is None else phonenumbers.region_code_for_number(number)


def _names_for(e164: str) -> tuple[str, ...]:
    number = _parse(e164)
    if number is None:
        return ()
    names = phone_tz.time_zones_for_number(number)
    if names == (phone_tz.UNKNOWN_TIMEZONE,):
        # An invalid number: fall back to its calling code's zones (+7 gives all of Russia
        # and Kazakhstan, +1 all of the NANP, Guam included), as libphonenumber does for
        # valid non-geographic numbers.
        names = TIMEZONE_DATA.get(str(number.country_code), ())
    return tuple(n for n in names if n != phone_tz.UNKNOWN_TIMEZONE)


def _known(names: tuple[str, ...]) -> list[ZoneInfo]:
    # libphonenumber's names come from a different tzdata release than the system's; skip any
    # the local database does not have rather than fail the message.
    out: list[ZoneInfo] = []
    for name in dict.fromkeys(names):
        try:
            out.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return out


def _parse(e164: str) -> phonenumbers.PhoneNumber | None:
    # Revicom sends destinations without the '+'; E.164 digits are unambiguous either way.
    text = e164 if e164.startswith("+") else f"+{e164}"
    try:
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
