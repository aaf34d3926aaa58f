"""Convert between a zone's wall clock and instants, settling DST gaps and folds one way.

A local constraint is a set of wall-clock intervals `[start, end)`. Each is mapped to the
instants `[first_instant(start), last_instant(end))`:

* a wall time inside a spring-forward gap does not exist; both functions map it to the first
  instant after the gap (the transition itself), so a window starting at 02:30 on the night
  New York jumps from 02:00 to 03:00 opens at 03:00 EDT, and one ending at 02:30 closes there;
* a wall time inside a fall-back fold occurs twice; a start takes the first occurrence and an
  end the last, so a window never loses the repeated hour (01:30-05:00 on the fold night is
  one unbroken stretch of 4.5 hours, not two pieces).

Both functions are monotone in their argument, which the interval sweep relies on.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["first_instant", "last_instant", "to_wall"]


def to_wall(at: datetime, zone: tzinfo) -> datetime:
    """Return the naive wall-clock time of an aware instant in `zone`."""
    return at.astimezone(zone).replace(tzinfo=None)


def first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the first UTC instant at which `zone` shows `wall` (or the end of its gap)."""
    fold0, fold1 = _readings(wall, zone)
    if fold0 <= fold1:  # equal: an ordinary time; fold0 earlier: the first of two readings
        return fold0
    return _gap_end(wall, zone, before=fold1, after=fold0)


def last_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Return the last UTC instant at which `zone` shows `wall` (or the end of its gap)."""
    fold0, fold1 = _readings(wall, zone)
    if fold0 <= fold1:
        return fold1
    return _gap_end(wall, zone, before=fold1, after=fold0)


def _readings(wall: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # PEP 495: in a fold, fold=0 is the earlier reading; in a gap, fold=0 applies the offset
    # from before the transition, which lands *after* it, so the pair comes out reversed.
    fold0 = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    fold1 = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return fold0, fold1


def _gap_end(wall: datetime, zone: ZoneInfo, *, before: datetime, after: datetime) -> datetime:
    # zoneinfo exposes no transition list, so bisect on whole seconds (tzdata transitions
    # fall on whole seconds): the clock reads earlier than `wall` at `before` and at least
    # `wall` at `after`. A one-hour gap takes about 12 steps, Samoa's lost day about 17.
    lo, hi = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if to_wall(datetime.fromtimestamp(mid, UTC), zone) >= wall:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)
