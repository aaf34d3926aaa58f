"""Recurring local constraints (hours, days, daily windows, quiet hours) as instant intervals.

A rule says, for each local calendar day, which wall-clock intervals open on that day. A
`ZonedRule` reads a rule on one zone's clock and turns those into sorted, merged UTC
intervals, caching each day's result: a campaign schedules thousands of messages against
the same few rules and zones, so each day is converted once, not once per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import ClassVar, Protocol
from zoneinfo import ZoneInfo

from smscast.scheduling.clock import first_instant, last_instant, to_wall

__all__ = ["DailyRule", "DaysRule", "HoursRule", "Rule", "ZonedRule", "zoned"]

Span = tuple[datetime, datetime]  # [start, end); naive wall clock or aware UTC by context

_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
_MIDNIGHT = time(0)
_DAY_CACHE_LIMIT = 2048  # per zoned rule; a 400-day search touches at most ~400 days


class Rule(Protocol):
    """A recurring local constraint, independent of any zone."""

    @property
    def label(self) -> str: ...

    def __hash__(self) -> int: ...  # rules key the per-zone cache

    def on(self, day: date) -> tuple[Span, ...]:
        """Return the naive wall-clock intervals opening on `day`, sorted by start."""
        ...


@dataclass(frozen=True, slots=True)
class HoursRule:
    """Allowed hours of the day; consecutive hours are merged into one run."""

    runs: tuple[tuple[int, int], ...]  # (first hour, hour after the last), e.g. (12, 15)
    label: ClassVar[str] = "allowed hours"

    @classmethod
    def of(cls, hours: frozenset[int]) -> HoursRule:
        """Build the rule from a set of hours 0..23."""
        runs: list[tuple[int, int]] = []
        for h in sorted(hours):
            if runs and runs[-1][1] == h:
                runs[-1] = (runs[-1][0], h + 1)
            else:
                runs.append((h, h + 1))
        return cls(tuple(runs))

    def on(self, day: date) -> tuple[Span, ...]:
        """Return the runs of allowed hours on `day`."""
        midnight = datetime.combine(day, _MIDNIGHT)
        return tuple(
            (midnight + timedelta(hours=a), midnight + timedelta(hours=b)) for a, b in self.runs
        )


@dataclass(frozen=True, slots=True)
class DaysRule:
    """Allowed days of the week, 1=Monday..7=Sunday."""

    days: frozenset[int]
    label: ClassVar[str] = "allowed days"

    def on(self, day: date) -> tuple[Span, ...]:
        """Return the whole of `day` if it is an allowed weekday."""
        if day.isoweekday() not in self.days:
            return ()
        midnight = datetime.combine(day, _MIDNIGHT)
        return ((midnight, midnight + _DAY),)


@dataclass(frozen=True, slots=True)
class DailyRule:
    """A window opening each day from `date_from` to `date_to` (inclusive, None: unbounded).

    It runs `start`..`end` (None: 00:00 and midnight); an end at or before the start is on
    the next day, so the window crosses midnight and belongs to the day it opens on.
    """

    label: str
    start: time | None = None
    end: time | None = None
    date_from: date | None = None
    date_to: date | None = None

    def on(self, day: date) -> tuple[Span, ...]:
        """Return the window opening on `day`, if `day` is in the date range."""
        if (self.date_from is not None and day < self.date_from) or (
            self.date_to is not None and day > self.date_to
        ):
            return ()
        return (self._window(day),)

    def first_opening(self) -> datetime | None:
        """Return the wall time the first window opens, if the date range has a start."""
        return None if self.date_from is None else self._window(self.date_from)[0]

    def final_closing(self) -> datetime | None:
        """Return the wall time the last window closes, if the date range has an end."""
        return None if self.date_to is None else self._window(self.date_to)[1]

    def _window(self, day: date) -> Span:
        opens = datetime.combine(day, self.start or _MIDNIGHT)
        if self.end is None:
            return (opens, datetime.combine(day + _DAY, _MIDNIGHT))
        closes = datetime.combine(day, self.end)
        return (opens, closes if closes > opens else closes + _DAY)


class ZonedRule:
    """A rule read on one zone's clock, as UTC intervals."""

    __slots__ = ("_days", "rule", "zone")

    def __init__(self, rule: Rule, zone: ZoneInfo) -> None:
        self.rule = rule
        self.zone = zone
        self._days: dict[date, tuple[Span, ...]] = {}

    @property
    def label(self) -> str:
        """The rule's name, for reasons."""
        return self.rule.label

    def intervals(self, lo: datetime, hi: datetime) -> list[Span]:
        """Return the rule's merged UTC intervals overlapping [lo, hi), clipped to it."""
        # Start a day early for windows that cross midnight; end a day late for a fold that
        # carries the clock back across midnight.
        day, last = to_wall(lo, self.zone).date() - _DAY, to_wall(hi, self.zone).date() + _DAY
        out: list[Span] = []
        while day <= last:
            for a, b in self._spans(day):
                a, b = max(a, lo), min(b, hi)
                if a >= b:
                    continue
                if out and a <= out[-1][1]:  # sorted by start (first_instant is monotone)
                    out[-1] = (out[-1][0], max(out[-1][1], b))
                else:
                    out.append((a, b))
            day += _DAY
        return out

    def contains(self, at: datetime) -> bool:
        """Tell whether the rule allows the instant `at`."""
        return bool(self.intervals(at, at + _TICK))

    def _spans(self, day: date) -> tuple[Span, ...]:
        spans = self._days.get(day)
        if spans is None:
            converted = (
                (first_instant(s, self.zone), last_instant(e, self.zone))
                for s, e in self.rule.on(day)
            )
            spans = tuple((a, b) for a, b in converted if a < b)  # a window inside a gap is empty
            if len(self._days) >= _DAY_CACHE_LIMIT:
                self._days.clear()
            self._days[day] = spans
        return spans


@lru_cache(maxsize=1024)
def zoned(rule: Rule, zone: ZoneInfo) -> ZonedRule:
    """Return the (shared, cached) reading of `rule` on `zone`'s clock."""
    return ZonedRule(rule, zone)


def read_on(rules: Sequence[Rule], zones: Sequence[ZoneInfo]) -> tuple[ZonedRule, ...]:
    """Read every rule in every zone: the window must hold in all of them."""
    return tuple(zoned(rule, zone) for rule in rules for zone in zones)
