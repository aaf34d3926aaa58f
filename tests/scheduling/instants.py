"""Shorthand for the aware UTC instants the table tests are written in."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """Return the aware UTC instant."""
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)
