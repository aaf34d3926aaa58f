"""An independent reading of a window: every constraint checked on each zone's wall clock.

It shares no code with `smscast.scheduling`. Read pointwise, a wall clock that repeats an
hour (a fall-back fold) would open and close a window twice; the library instead takes the
first occurrence of a start and the last of an end. The two readings agree everywhere except
at instants whose wall time is ambiguous, so callers skip those (`ambiguous`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smscast.scheduling import Window


def ambiguous(at: datetime, zones: Sequence[ZoneInfo]) -> bool:
    """Tell whether `at` reads as a wall time that occurs twice in any of `zones`."""
    for zone in zones:
        local = at.astimezone(zone)
        if local.replace(fold=1 - local.fold).astimezone(UTC) != at:
            return True
    return False


def allows(window: Window, zones: Sequence[ZoneInfo], at: datetime, country: str | None) -> bool:
    """Tell whether every constraint except ttl holds at `at`, read pointwise."""
    if window.not_before is not None and at < window.not_before:
        return False
    if window.not_after is not None and at > window.not_after:
        return False
    return all(_local_allows(window, at.astimezone(z).replace(tzinfo=None), country) for z in zones)


def _local_allows(window: Window, wall: datetime, country: str | None) -> bool:
    if window.local_not_before is not None and wall < window.local_not_before:
        return False
    if window.local_not_after is not None and wall > window.local_not_after:
        return False
    if window.hours is not None and wall.hour not in window.hours:
        return False
    if window.days is not None and wall.isoweekday() not in window.days:
        return False
    daily = (window.date_from, window.date_to, window.daily_start, window.daily_end)
    if any(v is not None for v in daily) and not in_daily(
        wall, window.daily_start, window.daily_end, window.date_from, window.date_to
    ):
        return False
    quiet = window.quiet_hours
    if quiet is None:
        return True
    if country is not None and country in quiet.overrides:
        span = quiet.overrides[country]
    else:
        span = (quiet.start, quiet.end)
    return span is None or in_daily(wall, span[0], span[1], None, None)


def in_daily(
    wall: datetime, start: time | None, end: time | None, first: date | None, last: date | None
) -> bool:
    """Tell whether `wall` is inside a daily window that opened on a day in [first, last]."""
    opens, now = start or time(0), wall.time()
    if end is not None and end <= opens:  # crosses midnight: before `end` belongs to yesterday
        owner = wall.date() if now >= opens else wall.date() - timedelta(days=1)
        inside = now >= opens or now < end
    else:
        owner = wall.date()
        inside = opens <= now and (end is None or now < end)
    return inside and (first is None or owner >= first) and (last is None or owner <= last)
