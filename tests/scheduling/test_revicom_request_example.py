"""Revicom's own request example: localSendTime/localCompletionTime, hours, days and ttl,
read on the subscriber's clock (useLocalTime: true) or on Moscow's (false)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from smscast.scheduling import MOSCOW, NoSendWindow, Window, schedule, zones_for
from tests.scheduling.instants import utc

DESTINATION = "14085553911"  # Revicom sends E.164 digits without '+'
EXAMPLE = Window(
    local_not_before=datetime.fromisoformat("2020-01-01 18:00:00"),
    local_not_after=datetime.fromisoformat("2020-01-02 18:00:00"),
    hours=frozenset({12, 13, 14}),
    days=frozenset({1, 2}),
    ttl=timedelta(seconds=43200),
)


def test_use_local_time_reads_the_window_in_the_subscribers_zone() -> None:
    assert [z.key for z in zones_for(DESTINATION)] == ["America/Los_Angeles"]
    assert [z.key for z in zones_for(DESTINATION, fixed_zone=MOSCOW)] == ["Europe/Moscow"]


@pytest.mark.parametrize("fixed_zone", [None, MOSCOW], ids=["local", "moscow"])
def test_the_example_as_given_can_never_be_sent(fixed_zone: str | None) -> None:
    # 2020-01-01 and 01-02 are a Wednesday and a Thursday, but `days` allows only Monday
    # and Tuesday; and 12:00-15:00 falls outside the 12 hours the ttl allows.
    with pytest.raises(NoSendWindow) as raised:
        schedule(EXAMPLE, zones_for(DESTINATION, fixed_zone=fixed_zone), utc(2020, 1, 1, 16))
    assert "allowed hours" in raised.value.reason


def test_local_time_example_without_days_goes_at_noon_pacific() -> None:
    window = replace(EXAMPLE, days=None)
    result = schedule(window, zones_for(DESTINATION), utc(2020, 1, 2, 10))  # 02:00 PST
    assert result.due_at == utc(2020, 1, 2, 20)  # 12:00 PST on 2020-01-02
    assert result.expires_at == utc(2020, 1, 2, 22)  # ttl: 12 hours after acceptance
    assert result.reason == "allowed hours until 2020-01-02 12:00 America/Los_Angeles"


def test_moscow_time_example_without_days_goes_at_noon_moscow() -> None:
    window = replace(EXAMPLE, days=None)
    result = schedule(window, zones_for(DESTINATION, fixed_zone=MOSCOW), utc(2020, 1, 2))
    assert result.due_at == utc(2020, 1, 2, 9)  # 12:00 MSK
    assert result.expires_at == utc(2020, 1, 2, 12)  # ttl, before the 18:00 MSK completion


def test_example_days_defer_to_the_next_monday() -> None:
    window = Window(hours=EXAMPLE.hours, days=EXAMPLE.days)
    result = schedule(window, zones_for(DESTINATION), utc(2020, 1, 2, 10))  # a Thursday
    assert result.due_at == utc(2020, 1, 6, 20)  # Monday 12:00 PST
    assert result.expires_at is None


def test_example_is_sent_at_once_when_the_window_is_open() -> None:
    window = replace(EXAMPLE, days=frozenset({4}))  # Thursday, like 2020-01-02
    now = utc(2020, 1, 2, 21, 30)  # 13:30 PST
    result = schedule(window, zones_for(DESTINATION), now)
    assert (result.due_at, result.reason) == (now, "immediately")
    assert result.expires_at == utc(2020, 1, 3, 2)  # the 18:00 PST completion, before the ttl
