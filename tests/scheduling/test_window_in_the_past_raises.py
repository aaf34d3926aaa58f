"""A window with no instant left (or none at all) raises NoSendWindow saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from smscast.errors import InvalidRequest
from smscast.scheduling import NoSendWindow, Window, schedule

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_not_after_in_the_past_raises_naming_the_bound() -> None:
    with pytest.raises(NoSendWindow) as raised:
        schedule(Window(not_after=NOW - timedelta(days=1)), [NY], NOW)
    assert raised.value.reason == (
        "the window has closed: not after 2024-05-31 12:00 UTC is before now (2024-06-01 12:00 UTC)"
    )


def test_past_batch_date_range_raises() -> None:
    batch = Window(
        date_from=date(2022, 4, 25),
        date_to=date(2022, 4, 25),
        daily_start=time(2),
        daily_end=time(4),
    )
    with pytest.raises(NoSendWindow) as raised:
        schedule(batch, [NY], NOW)
    assert "daily window ends 2022-04-25 04:00 America/New_York" in raised.value.reason


def test_past_local_completion_time_raises() -> None:
    window = Window(local_not_after=datetime(2024, 6, 1, 7, 59))  # 11:59 UTC
    with pytest.raises(
        NoSendWindow, match="local completion time 2024-06-01 07:59 America/New_York"
    ):
        schedule(window, [NY], NOW)


def test_start_after_end_raises_as_an_empty_window() -> None:
    window = Window(not_before=NOW + timedelta(hours=2), not_after=NOW + timedelta(hours=1))
    with pytest.raises(
        NoSendWindow, match=r"the window is empty: not before .* is after not after"
    ):
        schedule(window, [NY], NOW)


def test_ttl_that_ends_before_the_window_opens_raises() -> None:
    window = Window(not_before=NOW + timedelta(hours=2), ttl=timedelta(hours=1))
    with pytest.raises(NoSendWindow, match="is after ttl ends"):
        schedule(window, [NY], NOW)


def test_constraints_that_never_meet_raise_naming_them() -> None:
    # 2024-06-02 is a Sunday and only Mondays are allowed: nothing fits before the range ends.
    window = Window(days=frozenset({1}), date_from=date(2024, 6, 2), date_to=date(2024, 6, 2))
    with pytest.raises(
        NoSendWindow, match="satisfies date range, allowed days in America/New_York"
    ):
        schedule(window, [NY], NOW)


def test_no_send_window_is_a_permanent_invalid_request() -> None:
    error = NoSendWindow("why")
    assert isinstance(error, InvalidRequest)
    assert error.permanent and error.code == "no-send-window" and error.reason == "why"


def test_search_gives_up_at_its_horizon() -> None:
    # Hour 12 in New York is never hour 12 in Kolkata: checked for 400 days, then refused.
    window = Window(hours=frozenset({12}))
    with pytest.raises(NoSendWindow, match=r"search horizon \(400 days\) 2025-07-06 12:00 UTC"):
        schedule(window, [NY, ZoneInfo("Asia/Kolkata")], NOW)
