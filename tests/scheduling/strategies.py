"""Hypothesis strategies: random windows, zones and `now`, biased towards DST transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from smscast.scheduling import QuietHours, Window

ZONE_SETS: dict[str, tuple[ZoneInfo, ...]] = {
    name: tuple(ZoneInfo(z) for z in zones)
    for name, zones in {
        "new_york": ("America/New_York",),
        "moscow": ("Europe/Moscow",),  # DST until 2011, +4 until 2014, +3 since
        "lord_howe": ("Australia/Lord_Howe",),  # a 30-minute DST shift
        "kolkata": ("Asia/Kolkata",),  # +5:30, no DST
        "us_775": ("America/Boise", "America/Los_Angeles"),  # one Nevada area code
        "us_mainland": (
            "America/New_York",
            "America/Chicago",
            "America/Phoenix",
            "America/Los_Angeles",
        ),
        "australia": ("Australia/Sydney", "Australia/Lord_Howe", "Australia/Adelaide"),
    }.items()
}

_B = TypeVar("_B", datetime, date)
_V = TypeVar("_V")
_FIRST_YEAR, _LAST_YEAR = 2006, 2030
_QUARTER_HOURS = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@dataclass(frozen=True)
class Case:
    """One randomly drawn call to `schedule`."""

    window: Window
    zones: tuple[ZoneInfo, ...]
    now: datetime
    country: str | None


@cache
def transition_days(zones: tuple[ZoneInfo, ...]) -> tuple[date, ...]:
    """Return the UTC days on which any of `zones` changes its offset (noon to noon)."""
    days = []
    day = datetime(_FIRST_YEAR, 1, 1, 12, tzinfo=UTC)
    end = datetime(_LAST_YEAR, 12, 31, 12, tzinfo=UTC)
    previous = [day.astimezone(z).utcoffset() for z in zones]
    while day < end:
        day += timedelta(days=1)
        offsets = [day.astimezone(z).utcoffset() for z in zones]
        if offsets != previous:
            days.append(day.date())
        previous = offsets
    return tuple(days)


@cache
def nows(zones: tuple[ZoneInfo, ...]) -> st.SearchStrategy[datetime]:
    """Instants anywhere in 2006-2030, or within two days of one of the zones' DST changes."""
    anywhere = st.datetimes(datetime(_FIRST_YEAR, 1, 1), datetime(_LAST_YEAR, 12, 1))
    changes = transition_days(zones)
    if not changes:
        return anywhere.map(lambda naive: naive.replace(tzinfo=UTC))
    near = st.builds(
        lambda day, minutes: datetime.combine(day, time()) + timedelta(minutes=minutes),
        st.sampled_from(changes),
        st.integers(-2 * 1440, 2 * 1440),
    )
    return st.one_of(anywhere, near).map(lambda naive: naive.replace(tzinfo=UTC))


def _minutes(lo: int, hi: int) -> st.SearchStrategy[timedelta]:
    return st.integers(lo, hi).map(lambda m: timedelta(minutes=m))


def _generous(lo: int, hi: int) -> st.SearchStrategy[timedelta]:
    # Hypothesis favours small integers; for an upper bound small means tight, and tight
    # bounds make most windows empty. Count down from `hi` instead.
    return st.integers(0, hi - lo).map(lambda m: timedelta(minutes=hi - m))


def _distinct(start: time, end: time) -> tuple[time, time]:
    # An equal start and end is refused by Window; move the end rather than filter draws.
    return (start, end) if start != end else (start, time((end.hour + 1) % 24, end.minute))


_SPANS = st.builds(_distinct, _QUARTER_HOURS, _QUARTER_HOURS)
_DAILY_PAIRS = st.one_of(
    st.tuples(st.none() | _QUARTER_HOURS, st.none()),
    st.tuples(st.none(), _QUARTER_HOURS),
    _SPANS,
)
_QUIET_HOURS = st.builds(
    lambda span, overrides: QuietHours(span[0], span[1], overrides),
    _SPANS,
    st.dictionaries(st.sampled_from(["GB", "RU", "US"]), st.none() | _SPANS, max_size=2),
)


_EARLY = _minutes(-600, 4000)  # offsets from now for lower bounds
_LATE = _generous(-120, 20000)  # ... and for upper bounds
_LATE_LOCAL = _generous(0, 20000)
_TTL = _generous(1, 20000)
_FROM = st.integers(-3, 10).map(lambda n: timedelta(days=n))
_TO = st.integers(0, 21).map(lambda n: timedelta(days=20 - n))
_HOURS = st.frozensets(st.integers(0, 23), min_size=1)
_DAYS = st.frozensets(st.integers(1, 7), min_size=1)
_COUNTRY = st.none() | st.sampled_from(["GB", "RU", "US"])


def _plus(base: _B, offset: timedelta | None) -> _B | None:
    return None if offset is None else base + offset


@st.composite
def cases(draw: st.DrawFn, zone_sets: tuple[str, ...] = tuple(ZONE_SETS)) -> Case:
    """Draw a window, the zones it is read in, `now` and a country, all related to `now`."""

    def some(strategy: st.SearchStrategy[_V]) -> _V | None:
        # Each constraint in one window out of three: with all twelve at even odds, most
        # windows would be contradictory and the interesting (deferred) cases rare.
        return draw(strategy) if draw(st.integers(0, 2)) == 0 else None

    zones = ZONE_SETS[draw(st.sampled_from(zone_sets))]
    now = draw(nows(zones))
    wall = now.astimezone(zones[0]).replace(tzinfo=None, second=0, microsecond=0)
    daily_start, daily_end = some(_DAILY_PAIRS) or (None, None)
    window = Window(
        not_before=_plus(now, some(_EARLY)),
        not_after=_plus(now, some(_LATE)),
        local_not_before=_plus(wall, some(_EARLY)),
        local_not_after=_plus(wall, some(_LATE_LOCAL)),
        ttl=some(_TTL),
        date_from=_plus(now.date(), some(_FROM)),
        date_to=_plus(now.date(), some(_TO)),
        daily_start=daily_start,
        daily_end=daily_end,
        hours=some(_HOURS),
        days=some(_DAYS),
        quiet_hours=some(_QUIET_HOURS),
    )
    return Case(window, zones, now, draw(_COUNTRY))
