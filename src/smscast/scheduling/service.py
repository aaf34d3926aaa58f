"""Find when a message may be sent: at accept time (`schedule`) and at claim time (`next_due`).

A window becomes a *plan*: lower bounds (not_before, local send time, start of the date
range), upper bounds (not_after, local completion time, end of the date range, ttl or the
stored expires_at) and recurring rules (daily window, days, hours, quiet hours), every local
one read in every zone. Bounds are folded into one start and one horizon; the rules are
swept in two-day chunks, intersecting each rule's sorted UTC intervals (see `rules`), so the
search steps over whole intervals and costs the same whether a window opens in a minute or
in a month. It stops at the horizon, at most 400 days ahead, so it always terminates.

Local times are read as `clock` documents: a time in a spring-forward gap moves to the first
instant after the gap; a time in a fall-back fold is its first occurrence as a start and its
last as an end. Every datetime in and out is aware UTC, except the Window's naive local ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from smscast.scheduling.clock import first_instant, last_instant, to_wall
from smscast.scheduling.models import NoSendWindow, Schedule, Window
from smscast.scheduling.rules import (
    DailyRule,
    DaysRule,
    HoursRule,
    Rule,
    ZonedRule,
    read_on,
    zoned,
)
from smscast.scheduling.zones import zones_for

__all__ = ["HORIZON", "clear_caches", "is_open", "next_due", "schedule"]

HORIZON = timedelta(days=400)  # a longer search is a misconfigured window, not a schedule
_CHUNK = timedelta(days=2)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class _Bound:
    at: datetime  # aware UTC
    label: str
    zone: ZoneInfo | None = None  # the clock it was read on, for reasons

    def describe(self) -> str:
        return f"{self.label} {_show(self.at, self.zone)}"


@dataclass(frozen=True, slots=True)
class _Plan:
    lowers: tuple[_Bound, ...]
    uppers: tuple[_Bound, ...]
    rules: tuple[ZonedRule, ...]

    def capped(self, bound: _Bound) -> _Plan:
        return _Plan(self.lowers, (*self.uppers, bound), self.rules)

    def admits(self, at: datetime) -> bool:
        return (
            all(b.at <= at for b in self.lowers)
            and all(at <= b.at for b in self.uppers)
            and all(r.contains(at) for r in self.rules)
        )


def schedule(
    window: Window, zones: Sequence[ZoneInfo], now: datetime, *, country: str | None = None
) -> Schedule:
    """Return the earliest instant >= `now` the window allows in every zone, and its expiry.

    `expires_at` is the tightest upper bound (not_after, local completion time, end of the
    date range, now + ttl); None when nothing bounds the window. Raise NoSendWindow when no
    instant within 400 days satisfies everything. `country` picks quiet-hour overrides.
    """
    now = _utc(now, "now")
    plan = _plan(window, zones, country)
    if window.ttl is not None:
        plan = plan.capped(_Bound(now + window.ttl, "ttl ends"))
    due = _search(plan, now)
    expires = min((b.at for b in plan.uppers), default=None)
    return Schedule(due_at=due, expires_at=expires, reason=_reason(plan, now, due))


def next_due(
    window: Window,
    zones: Sequence[ZoneInfo],
    now: datetime,
    *,
    expires_at: datetime | None,
    country: str | None = None,
) -> datetime | None:
    """Return the earliest allowed instant in [now, expires_at], or None: let it expire.

    For the worker at claim time: a message whose window closed while it waited is pushed to
    the next window. The window's ttl is not applied again; `expires_at` already carries it.
    """
    now = _utc(now, "now")
    plan = _plan(window, zones, country)
    if expires_at is not None:
        plan = plan.capped(_Bound(_utc(expires_at, "expires_at"), "expires at"))
    try:
        return _search(plan, now)
    except NoSendWindow:
        return None


def is_open(
    window: Window, zones: Sequence[ZoneInfo], at: datetime, *, country: str | None = None
) -> bool:
    """Tell whether the window allows sending at `at` in every zone (ttl aside: it needs the
    accept time, which only `schedule` knows)."""
    return _plan(window, zones, country).admits(_utc(at, "at"))


def clear_caches() -> None:
    """Forget cached plans, converted days and number zones (after a tz database update)."""
    _cached_plan.cache_clear()
    zoned.cache_clear()
    zones_for.cache_clear()


def _plan(window: Window, zones: Sequence[ZoneInfo], country: str | None) -> _Plan:
    if not zones:
        raise ValueError("a window must be read in at least one zone")
    # A duplicate zone adds work, not constraints. The plan is cached: a batch shares one
    # window, and the worker re-reads the same stored window for every message it claims.
    return _cached_plan(window, tuple(dict.fromkeys(zones)), country)


@lru_cache(maxsize=512)
def _cached_plan(window: Window, zones: tuple[ZoneInfo, ...], country: str | None) -> _Plan:
    rules = _rules(window, country)
    lowers: list[_Bound] = []
    uppers: list[_Bound] = []
    if window.not_before is not None:
        lowers.append(_Bound(_utc(window.not_before, "not_before"), "not before"))
    if window.not_after is not None:
        uppers.append(_Bound(_utc(window.not_after, "not_after"), "not after"))
    for zone in zones:
        lowers.extend(_local_lowers(window, rules, zone))
        uppers.extend(_local_uppers(window, rules, zone))
    return _Plan(tuple(lowers), tuple(uppers), read_on(rules, zones))


def _rules(window: Window, country: str | None) -> list[Rule]:
    # Most selective first: the sweep stops intersecting as soon as a chunk comes up empty.
    rules: list[Rule] = []
    has_daily = window.daily_start is not None or window.daily_end is not None
    if has_daily or window.date_from is not None or window.date_to is not None:
        label = "daily window" if has_daily else "date range"
        rules.append(
            DailyRule(label, window.daily_start, window.daily_end, window.date_from, window.date_to)
        )
    if window.days is not None:
        rules.append(DaysRule(window.days))
    if window.hours is not None:
        rules.append(HoursRule.of(window.hours))
    if window.quiet_hours is not None and (span := window.quiet_hours.allowed(country)):
        rules.append(DailyRule("quiet hours", *span))
    return rules


def _local_lowers(window: Window, rules: list[Rule], zone: ZoneInfo) -> list[_Bound]:
    # The date range's first opening is implied by its rule; as a bound it lets the search
    # start there instead of sweeping the empty days before it.
    out = []
    if window.local_not_before is not None:
        out.append(_Bound(first_instant(window.local_not_before, zone), "local send time", zone))
    for rule in rules:
        if isinstance(rule, DailyRule) and (opening := rule.first_opening()) is not None:
            out.append(_Bound(first_instant(opening, zone), f"{rule.label} opens", zone))
    return out


def _local_uppers(window: Window, rules: list[Rule], zone: ZoneInfo) -> list[_Bound]:
    out = []
    if window.local_not_after is not None:
        out.append(
            _Bound(last_instant(window.local_not_after, zone), "local completion time", zone)
        )
    for rule in rules:
        if isinstance(rule, DailyRule) and (closing := rule.final_closing()) is not None:
            out.append(_Bound(last_instant(closing, zone), f"{rule.label} ends", zone))
    return out


def _search(plan: _Plan, now: datetime) -> datetime:
    """Return the earliest instant the plan admits from `now`, or raise NoSendWindow."""
    start = max((now, *(b.at for b in plan.lowers)))
    cap = _Bound(now + HORIZON, f"search horizon ({HORIZON.days} days)")
    horizon = min((cap, *plan.uppers), key=lambda b: b.at)
    if start > horizon.at:
        raise NoSendWindow(_closed(plan, now, horizon))
    found = _sweep(plan.rules, start, horizon.at)
    if found is None:
        raise NoSendWindow(_nothing_fits(plan, start, horizon))
    return found


def _sweep(rules: Sequence[ZonedRule], start: datetime, horizon: datetime) -> datetime | None:
    lo = start
    while lo <= horizon:
        hi = min(lo + _CHUNK, horizon + _TICK)  # the horizon itself is still allowed
        common = [(lo, hi)]
        for rule in rules:
            common = _intersect(common, rule.intervals(lo, hi))
            if not common:
                break
        if common:
            return common[0][0]
        lo = hi
    return None


def _intersect(
    a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Intersect two sorted lists of disjoint half-open intervals."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _reason(plan: _Plan, now: datetime, due: datetime) -> str:
    """Name the constraint that held the message back until `due`."""
    if due == now:
        return "immediately"
    for rule in plan.rules:  # a rule that opened exactly at `due`
        if not rule.contains(due - _TICK):
            return f"{rule.label} until {_show(due, rule.zone)}"
    bound = max(plan.lowers, key=lambda b: b.at)  # otherwise the latest lower bound is `due`
    return bound.describe()


def _closed(plan: _Plan, now: datetime, horizon: _Bound) -> str:
    if horizon.at < now:
        return f"the window has closed: {horizon.describe()} is before now ({_show(now, None)})"
    latest = max(plan.lowers, key=lambda b: b.at)
    return f"the window is empty: {latest.describe()} is after {horizon.describe()}"


def _nothing_fits(plan: _Plan, start: datetime, horizon: _Bound) -> str:
    labels = ", ".join(dict.fromkeys(r.label for r in plan.rules))
    keys = list(dict.fromkeys(r.zone.key for r in plan.rules))
    zones = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more zones" if len(keys) > 4 else "")
    return (
        f"no instant from {_show(start, None)} to {horizon.describe()} satisfies "
        f"{labels} in {zones}"
    )


def _show(at: datetime, zone: ZoneInfo | None) -> str:
    """Format an instant on a zone's clock (UTC when None), to the minute if it is whole."""
    wall = to_wall(at, zone or UTC)
    spec = "minutes" if wall.second == 0 and wall.microsecond == 0 else "seconds"
    return f"{wall.isoformat(sep=' ', timespec=spec)} {zone.key if zone else 'UTC'}"


def _utc(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)
