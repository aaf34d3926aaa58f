"""Send windows as values: what a caller asked for, and what scheduling decided."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from smscast.errors import InvalidRequest

__all__ = ["NoSendWindow", "QuietHours", "Schedule", "Window"]


class NoSendWindow(InvalidRequest):
    """No instant satisfies every constraint of a window; `reason` says which ones clash.

    An InvalidRequest (400) at accept time: the same window fails the same way on every
    retry (`permanent`), so the caller has to change it.
    """

    code = "no-send-window"
    title = "No send window"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The local daily interval in which traffic subject to quiet hours may be sent.

    `start`..`end` is the *allowed* interval, by default 08:00-21:00 (the US TCPA rule); an
    end earlier than the start crosses midnight. `overrides` maps an ISO 3166 country code to
    that country's own allowed interval, or to None where the country has no quiet hours.
    """

    start: time = time(8, 0)
    end: time = time(21, 0)
    # Left out of the hash (a dict has none) but not out of equality. Copied on the way in,
    # so the caller's dict changing later cannot make a cached plan stale; a plain dict
    # (not a MappingProxyType) so windows still pickle and deepcopy.
    overrides: Mapping[str, tuple[time, time] | None] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_daily("quiet hours", self.start, self.end)
        cleaned: dict[str, tuple[time, time] | None] = {}
        for code, span in self.overrides.items():
            if span is not None:
                span = (span[0], span[1])
                _check_daily(f"quiet hours for {code}", *span)
            cleaned[code.upper()] = span
        object.__setattr__(self, "overrides", cleaned)

    def allowed(self, country: str | None) -> tuple[time, time] | None:
        """Return the allowed daily interval for `country` (None: no quiet hours there)."""
        if country is not None and country.upper() in self.overrides:
            return self.overrides[country.upper()]
        return (self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        """Encode as JSON-ready values."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "overrides": {
                code: None if span is None else [span[0].isoformat(), span[1].isoformat()]
                for code, span in self.overrides.items()
            },
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> QuietHours:
        """Decode what `to_json` produced."""
        overrides = {
            code: None
            if span is None
            else (time.fromisoformat(span[0]), time.fromisoformat(span[1]))
            for code, span in d.get("overrides", {}).items()
        }
        return cls(time.fromisoformat(d["start"]), time.fromisoformat(d["end"]), overrides)


@dataclass(frozen=True, slots=True)
class Window:
    """Every constraint on when one message may be sent; all of them optional.

    Absolute bounds (`not_before`, `not_after`) are aware instants, both inclusive. The local
    fields are read on the recipient's clock (see `zones_for`): `local_not_before` and
    `local_not_after` are naive datetimes (Revicom localSendTime/localCompletionTime, both
    inclusive); `date_from`..`date_to` (inclusive) are the days on which the daily window
    `daily_start`..`daily_end` opens (RocketCOMS startDate/endDate/startTime/endTime). A
    daily end earlier than the start crosses midnight and belongs to the day it opens on, so
    22:00-02:00 on `date_to` runs until 02:00 the next day. A missing daily start means
    00:00; a missing end means midnight. `hours` (0..23, hour h allows [h:00, h+1:00)) and
    `days` (1=Monday..7=Sunday) constrain the wall clock itself. `ttl` caps the expiry at
    accept time + ttl. `quiet_hours` is None for exempt (transactional) traffic.
    """

    not_before: datetime | None = None
    not_after: datetime | None = None
    local_not_before: datetime | None = None
    local_not_after: datetime | None = None
    ttl: timedelta | None = None
    date_from: date | None = None
    date_to: date | None = None
    daily_start: time | None = None
    daily_end: time | None = None
    hours: frozenset[int] | None = None
    days: frozenset[int] | None = None
    quiet_hours: QuietHours | None = None

    def __post_init__(self) -> None:
        for name in ("not_before", "not_after"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        for name in ("local_not_before", "local_not_after"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is not None:
                raise ValueError(f"{name} is read on the recipient's clock and must be naive")
        if self.ttl is not None and self.ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        if self.daily_start is not None and self.daily_end is not None:
            _check_daily("daily window", self.daily_start, self.daily_end)
        self._freeze_set("hours", range(24))
        self._freeze_set("days", range(1, 8))

    def _freeze_set(self, name: str, allowed: range) -> None:
        # Accept any iterable (JSON gives lists) but keep a frozenset, so windows hash.
        value = getattr(self, name)
        if value is None:
            return
        value = frozenset(value)
        if not value:
            raise ValueError(f"{name} is empty: nothing could ever be sent; use None for any")
        if any(isinstance(v, bool) or not isinstance(v, int) or v not in allowed for v in value):
            raise ValueError(f"{name} must be integers in {allowed.start}..{allowed.stop - 1}")
        object.__setattr__(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """Encode for a JSON column: ISO 8601 strings, seconds, sorted lists; None left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = _ENCODE.get(f.name, _isoformat)(value)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Window:
        """Decode what `to_json` produced; unknown keys are an error, not silently dropped."""
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown window fields: {sorted(unknown)}")
        return cls(**{k: _DECODE[k](v) for k, v in d.items() if v is not None})


@dataclass(frozen=True, slots=True)
class Schedule:
    """When to send: `due_at` (aware UTC) and why, and the instant after which it expires."""

    due_at: datetime
    expires_at: datetime | None  # no send is valid after this instant; None: never expires
    reason: str  # "immediately", "quiet hours until 2024-01-02 08:00 America/New_York", ...


def _check_daily(what: str, start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{what}: times are read on the recipient's clock and must be naive")
    if start == end:
        # Empty or all day? Both readings are plausible, so refuse rather than guess.
        raise ValueError(f"{what}: start equals end; omit the window to allow the whole day")


def _isoformat(value: datetime | date | time) -> str:
    return value.isoformat()


def _seconds(ttl: timedelta) -> int | float:
    seconds = ttl.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "ttl": _seconds,
    "hours": sorted,
    "days": sorted,
    "quiet_hours": QuietHours.to_json,
}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "not_before": datetime.fromisoformat,
    "not_after": datetime.fromisoformat,
    "local_not_before": datetime.fromisoformat,  # also takes Revicom's 'YYYY-MM-DD hh:mm:ss'
    "local_not_after": datetime.fromisoformat,
    "ttl": lambda seconds: timedelta(seconds=seconds),
    "date_from": date.fromisoformat,
    "date_to": date.fromisoformat,
    "daily_start": time.fromisoformat,
    "daily_end": time.fromisoformat,
    "hours": frozenset,
    "days": frozenset,
    "quiet_hours": QuietHours.from_json,
}
