"""Allowed hours are [h:00, h+1:00) on the local clock; allowed days are 1=Monday..7=Sunday."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from smscast.scheduling import Window, is_open, schedule
from tests.scheduling.instants import utc

KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30


def test_hour_14_allows_1400_to_just_before_1500_local() -> None:
    window = Window(hours=frozenset({14}))
    assert not is_open(window, [KOLKATA], utc(2024, 1, 10, 8, 29, 59))  # 13:59:59 IST
    assert is_open(window, [KOLKATA], utc(2024, 1, 10, 8, 30))  # 14:00 IST
    assert is_open(window, [KOLKATA], utc(2024, 1, 10, 9, 29, 59))  # 14:59:59 IST
    assert not is_open(window, [KOLKATA], utc(2024, 1, 10, 9, 30))  # 15:00 IST


def test_consecutive_hours_across_midnight_form_one_stretch() -> None:
    window = Window(hours=frozenset({23, 0}))
    now = utc(2024, 1, 10, 18, 29)  # 23:59 IST
    assert schedule(window, [KOLKATA], now).due_at == now
    assert is_open(window, [KOLKATA], utc(2024, 1, 10, 18, 30))  # 00:00 IST, next day


def test_day_1_is_monday_and_7_is_sunday() -> None:
    monday, sunday = utc(2024, 1, 8, 6), utc(2024, 1, 14, 6)  # local dates in IST too
    assert is_open(Window(days=frozenset({1})), [KOLKATA], monday)
    assert is_open(Window(days=frozenset({7})), [KOLKATA], sunday)
    assert not is_open(Window(days=frozenset({1})), [KOLKATA], sunday)


def test_days_are_local_days() -> None:
    # Monday 2024-01-15 00:00 in Kolkata is still Sunday, 18:30, in UTC.
    window = Window(days=frozenset({1}))
    assert schedule(window, [KOLKATA], utc(2024, 1, 14, 12)).due_at == utc(2024, 1, 14, 18, 30)
