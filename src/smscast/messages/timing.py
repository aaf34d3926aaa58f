"""When an accepted message is due and until when it may go: the account's policy (quiet
hours for marketing traffic, its time zone) applied to the window the request asked for.

Used by every way in (native API, batches, dialects) so the rules live in one place; the
dispatch worker re-reads the stored window at claim time (`recheck_window`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from smscast.scheduling import (
    NoSendWindow,
    QuietHours,
    Window,
    country_for,
    next_due,
    schedule,
    zones_for,
)
from smscast.scheduling.zones import zone as zone_named

__all__ = ["DEFAULT_QUIET_HOURS", "Timing", "plan", "quiet_hours_of", "recheck_window"]

# The US TCPA rule, the default for marketing traffic: 08:00 to 21:00 recipient local time.
DEFAULT_QUIET_HOURS = QuietHours(time(8), time(21))
# A message due within this much of now is queued, not scheduled.
_NOW_SLACK = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Timing:
    status: str  # "queued" or "scheduled"
    due_at: datetime
    expires_at: datetime | None
    window: dict[str, Any] | None  # stored for the claim-time re-check; None: nothing recurs
    reason: str


def quiet_hours_of(settings: dict[str, Any]) -> QuietHours | None:
    """The account's quiet-hours policy: on by default; `false` turns it off."""
    value = settings.get("quiet_hours", True)
    if value is False or value is None:
        return None
    if value is True:
        return DEFAULT_QUIET_HOURS
    return QuietHours.from_json(value)


def plan(
    settings: dict[str, Any],
    to: str,
    traffic: str,
    now: datetime,
    window: Window | None = None,
    *,
    contact_zone: str | None = None,
    fixed_zone: str | None = None,
) -> Timing:
    """Due time and expiry of a message to `to`; raise NoSendWindow when none exists."""
    window = window or Window()
    if traffic == "marketing" and window.quiet_hours is None:
        window = dataclasses.replace(window, quiet_hours=quiet_hours_of(settings))
    if window == Window():
        return Timing("queued", now, None, None, "immediately")
    zones = zones_for(
        to,
        contact_zone=contact_zone,
        fixed_zone=fixed_zone,
        default_zone=settings.get("timezone") or "UTC",
    )
    result = schedule(window, zones, now, country=country_for(to))
    recurring = any(
        getattr(window, f) is not None
        for f in (
            "local_not_before",
            "local_not_after",
            "date_from",
            "date_to",
            "daily_start",
            "daily_end",
            "hours",
            "days",
            "quiet_hours",
        )
    )
    stored = {"window": window.to_json(), "zones": [z.key for z in zones]} if recurring else None
    status = "scheduled" if result.due_at > now + _NOW_SLACK else "queued"
    return Timing(status, result.due_at, result.expires_at, stored, result.reason)


def recheck_window(
    stored: dict[str, Any] | None, to: str, now: datetime, expires_at: datetime | None
) -> datetime | bool | None:
    """At claim time: True to send now, a later instant to wait for, None to expire."""
    if not stored:
        return True
    window = Window.from_json(stored["window"])
    zones = tuple(zone_named(z) for z in stored["zones"])
    due = next_due(window, zones, now, expires_at=expires_at, country=country_for(to))
    if due is None:
        return None
    return True if due <= now + _NOW_SLACK else due


__all__ += ["NoSendWindow"]
