"""A window that cannot mean anything sensible is refused when it is built."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from smscast.scheduling import QuietHours, Window, schedule
from smscast.scheduling.zones import zone


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"not_before": datetime(2024, 1, 1)}, "not_before must be timezone-aware"),
        ({"not_after": datetime(2024, 1, 1)}, "not_after must be timezone-aware"),
        ({"local_not_before": datetime(2024, 1, 1, tzinfo=UTC)}, "must be naive"),
        ({"ttl": timedelta(0)}, "ttl must be positive"),
        ({"hours": frozenset({24})}, "hours must be integers in 0..23"),
        ({"hours": frozenset()}, "hours is empty"),
        ({"days": frozenset({0})}, "days must be integers in 1..7"),
        ({"daily_start": time(2), "daily_end": time(2)}, "start equals end"),
    ],
)
def test_meaningless_window_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Window(**fields)


def test_quiet_hours_with_equal_start_and_end_are_refused() -> None:
    with pytest.raises(ValueError, match="start equals end"):
        QuietHours(time(8), time(8))
    with pytest.raises(ValueError, match="quiet hours for GB"):
        QuietHours(overrides={"GB": (time(9), time(9))})


def test_lists_of_hours_and_days_are_frozen_so_windows_hash() -> None:
    window = Window(hours=[12, 13], days=[1])  # as JSON gives them
    assert window.hours == frozenset({12, 13}) and window.days == frozenset({1})
    assert hash(window) == hash(Window(hours=frozenset({12, 13}), days=frozenset({1})))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        schedule(Window(), [zone("UTC")], datetime(2024, 1, 1))


def test_no_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one zone"):
        schedule(Window(), [], datetime(2024, 1, 1, tzinfo=UTC))


def test_unknown_zone_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        zone("Mars/Olympus")
