"""A local time in a spring-forward gap moves past the gap; in a fold, starts take the first
occurrence and ends the last, so no window loses or splits the repeated hour."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from smscast.scheduling import QuietHours, Window, is_open, next_due, schedule
from smscast.scheduling.clock import first_instant, last_instant
from tests.scheduling.instants import utc

NY = ZoneInfo(
    "America/New_York"
)  # 2024-03-10 02:00 EST -> 03:00 EDT; 2024-11-03 02:00 EDT -> 01:00 EST
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # shifts by 30 minutes at 02:00
APIA = ZoneInfo("Pacific/Apia")  # skipped 2011-12-30 entirely


def test_daily_start_inside_the_gap_opens_when_the_gap_ends() -> None:
    window = Window(daily_start=time(2, 30), daily_end=time(5))
    result = schedule(window, [NY], utc(2024, 3, 10, 5))  # 00:00 EST
    assert result.due_at == utc(2024, 3, 10, 7)  # 03:00 EDT, the first instant after the gap


def test_local_send_time_inside_the_gap_moves_to_the_end_of_the_gap() -> None:
    window = Window(local_not_before=datetime(2024, 3, 10, 2, 30))
    assert schedule(window, [NY], utc(2024, 3, 10, 5)).due_at == utc(2024, 3, 10, 7)


def test_daily_end_inside_the_gap_closes_when_the_gap_ends() -> None:
    window = Window(daily_start=time(1), daily_end=time(2, 30))
    assert is_open(window, [NY], utc(2024, 3, 10, 6, 59, 59))  # 01:59:59 EST
    assert not is_open(window, [NY], utc(2024, 3, 10, 7))  # 03:00 EDT
    next_window = next_due(window, [NY], utc(2024, 3, 10, 7), expires_at=None)
    assert next_window == utc(2024, 3, 11, 5)  # 01:00 EDT the next day


def test_an_hour_that_does_not_exist_is_skipped_to_the_next_day() -> None:
    window = Window(hours=frozenset({2}))
    assert schedule(window, [NY], utc(2024, 3, 10, 5)).due_at == utc(2024, 3, 11, 6)


def test_window_starting_in_the_fold_opens_at_the_first_occurrence_and_does_not_split() -> None:
    window = Window(daily_start=time(1, 30), daily_end=time(5))
    assert schedule(window, [NY], utc(2024, 11, 3, 4)).due_at == utc(2024, 11, 3, 5, 30)
    # 01:15 EST, the repeated reading, lies between the first 01:30 and 05:00: still open.
    assert is_open(window, [NY], utc(2024, 11, 3, 6, 15))
    assert not is_open(window, [NY], utc(2024, 11, 3, 10))  # 05:00 EST


def test_window_ending_in_the_fold_closes_at_the_last_occurrence() -> None:
    window = Window(daily_start=time(0), daily_end=time(1, 30))
    assert is_open(window, [NY], utc(2024, 11, 3, 6, 29))  # 01:29 EST, second reading
    assert not is_open(window, [NY], utc(2024, 11, 3, 6, 30))  # 01:30 EST


def test_local_bounds_in_the_fold_take_first_occurrence_to_start_and_last_to_end() -> None:
    window = Window(
        local_not_before=datetime(2024, 11, 3, 1, 30), local_not_after=datetime(2024, 11, 3, 1, 30)
    )
    result = schedule(window, [NY], utc(2024, 11, 3, 0))
    assert result.due_at == utc(2024, 11, 3, 5, 30)  # 01:30 EDT
    assert result.expires_at == utc(2024, 11, 3, 6, 30)  # 01:30 EST


def test_lord_howe_half_hour_gap_moves_a_start_to_0230() -> None:
    window = Window(daily_start=time(2, 15), daily_end=time(6))
    result = schedule(window, [LORD_HOWE], utc(2024, 10, 5, 13))  # 23:30 +10:30
    assert result.due_at == utc(2024, 10, 5, 15, 30)  # 02:30 +11
    assert result.due_at.astimezone(LORD_HOWE).strftime("%H:%M") == "02:30"


def test_lord_howe_half_hour_fold_keeps_both_readings_of_0145() -> None:
    wall = datetime(2024, 4, 7, 1, 45)
    assert first_instant(wall, LORD_HOWE) == utc(2024, 4, 6, 14, 45)  # +11
    assert last_instant(wall, LORD_HOWE) == utc(2024, 4, 6, 15, 15)  # +10:30


def test_a_skipped_day_moves_to_the_first_instant_after_it() -> None:
    window = Window(local_not_before=datetime(2011, 12, 30, 12))
    result = schedule(window, [APIA], utc(2011, 12, 29, 0))
    assert result.due_at == utc(2011, 12, 30, 10)  # 2011-12-31 00:00 +14


def test_quiet_hours_end_at_0800_local_on_both_sides_of_dst() -> None:
    marketing = Window(quiet_hours=QuietHours())
    spring = schedule(marketing, [NY], utc(2024, 3, 10, 4, 30))  # 23:30 EST, Mar 9
    autumn = schedule(marketing, [NY], utc(2024, 11, 3, 3, 30))  # 23:30 EDT, Nov 2
    assert spring.due_at == utc(2024, 3, 10, 12)  # 08:00 EDT
    assert autumn.due_at == utc(2024, 11, 3, 13)  # 08:00 EST
