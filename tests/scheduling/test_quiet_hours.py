"""Quiet hours: subject (marketing) traffic waits for the allowed local interval, 08:00-21:00
by default (TCPA); exempt (transactional) traffic passes quiet_hours=None and goes now."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from smscast.scheduling import QuietHours, Window, is_open, schedule
from tests.scheduling.instants import utc

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
MARKETING = Window(quiet_hours=QuietHours())
TRANSACTIONAL = Window(quiet_hours=None)


def test_marketing_message_at_2330_new_york_goes_at_0800_next_day() -> None:
    result = schedule(MARKETING, [NY], utc(2024, 1, 10, 4, 30))  # 23:30 EST, Jan 9
    assert result.due_at == utc(2024, 1, 10, 13)  # 08:00 EST
    assert result.reason == "quiet hours until 2024-01-10 08:00 America/New_York"
    assert result.expires_at is None


def test_exempt_transactional_message_goes_now() -> None:
    now = utc(2024, 1, 10, 4, 30)
    result = schedule(TRANSACTIONAL, [NY], now)
    assert (result.due_at, result.reason) == (now, "immediately")


def test_default_quiet_hours_are_the_tcpa_0800_to_2100() -> None:
    assert (QuietHours().start, QuietHours().end) == (time(8), time(21))


def test_allowed_interval_includes_its_start_and_excludes_its_end() -> None:
    assert is_open(MARKETING, [NY], utc(2024, 1, 10, 13))  # 08:00 EST
    assert is_open(MARKETING, [NY], utc(2024, 1, 11, 1, 59))  # 20:59 EST
    assert not is_open(MARKETING, [NY], utc(2024, 1, 11, 2))  # 21:00 EST
    assert schedule(MARKETING, [NY], utc(2024, 1, 11, 2)).due_at == utc(2024, 1, 11, 13)


def test_country_override_replaces_the_default_interval() -> None:
    window = Window(quiet_hours=QuietHours(overrides={"GB": (time(9), time(20))}))
    result = schedule(window, [LONDON], utc(2024, 1, 10, 8, 30), country="GB")
    assert result.due_at == utc(2024, 1, 10, 9)
    assert schedule(window, [LONDON], utc(2024, 1, 10, 8, 30), country="FR").due_at == utc(
        2024, 1, 10, 8, 30
    )


def test_country_without_quiet_hours_sends_at_night() -> None:
    window = Window(quiet_hours=QuietHours(overrides={"gb": None}))  # codes are case-blind
    now = utc(2024, 1, 10, 2)
    assert schedule(window, [LONDON], now, country="GB").due_at == now
    assert schedule(window, [LONDON], now, country="US").due_at == utc(2024, 1, 10, 8)


def test_allowed_interval_may_cross_midnight() -> None:
    night_shift = Window(quiet_hours=QuietHours(time(22), time(6)))
    assert is_open(night_shift, [LONDON], utc(2024, 1, 10, 23))
    assert is_open(night_shift, [LONDON], utc(2024, 1, 10, 5, 59))
    assert schedule(night_shift, [LONDON], utc(2024, 1, 10, 12)).due_at == utc(2024, 1, 10, 22)
