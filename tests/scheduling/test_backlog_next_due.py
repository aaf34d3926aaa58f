"""The worker's view: a message whose window closed while it waited in a backlog is pushed to
the next window; past its expiry there is no next window."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from smscast.scheduling import QuietHours, Window, next_due, schedule
from tests.scheduling.instants import utc

NY = ZoneInfo("America/New_York")
MARKETING = Window(quiet_hours=QuietHours())


def test_backlog_message_whose_window_closed_is_pushed_to_the_next_window() -> None:
    accepted = utc(2024, 1, 11, 1, 50)  # 20:50 EST: due at once
    result = schedule(MARKETING, [NY], accepted)
    assert result.due_at == accepted
    claimed = utc(2024, 1, 11, 2, 10)  # 21:10 EST: claimed after the window closed
    assert next_due(MARKETING, [NY], claimed, expires_at=result.expires_at) == utc(2024, 1, 11, 13)


def test_message_claimed_while_the_window_is_open_is_due_now() -> None:
    claimed = utc(2024, 1, 10, 15)
    assert next_due(MARKETING, [NY], claimed, expires_at=None) == claimed


def test_next_due_returns_none_past_expiry() -> None:
    window = Window(quiet_hours=QuietHours(), ttl=timedelta(hours=2))
    result = schedule(window, [NY], utc(2024, 1, 11, 1))  # 20:00 EST, expires 22:00 EST
    assert result.expires_at == utc(2024, 1, 11, 3)
    # Claimed at 21:30 EST: the next window (08:00) is after the expiry.
    assert next_due(window, [NY], utc(2024, 1, 11, 2, 30), expires_at=result.expires_at) is None
    assert next_due(window, [NY], utc(2024, 1, 11, 4), expires_at=result.expires_at) is None


def test_next_due_does_not_restart_the_ttl() -> None:
    window = Window(ttl=timedelta(hours=1))
    expires = schedule(window, [NY], utc(2024, 1, 10, 12)).expires_at
    assert next_due(window, [NY], utc(2024, 1, 10, 13, 0, 1), expires_at=expires) is None


def test_expiry_instant_itself_is_still_sendable() -> None:
    expires = utc(2024, 1, 10, 15)
    assert next_due(Window(), [NY], expires, expires_at=expires) == expires


def test_backlog_batch_resumes_next_day_only_while_the_date_range_lasts() -> None:
    window = Window(
        date_from=date(2024, 1, 10),
        date_to=date(2024, 1, 11),
        daily_start=time(9),
        daily_end=time(10),
    )
    expires = schedule(window, [NY], utc(2024, 1, 10, 12)).expires_at
    assert next_due(window, [NY], utc(2024, 1, 10, 15, 30), expires_at=expires) == utc(
        2024, 1, 11, 14
    )
    assert next_due(window, [NY], utc(2024, 1, 11, 15, 30), expires_at=expires) is None
