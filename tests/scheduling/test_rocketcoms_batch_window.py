"""RocketCOMS batch window: messages go out only between startTime and endTime each day,
from startDate to endDate."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from smscast.scheduling import Window, is_open, next_due, schedule
from tests.scheduling.instants import utc

UTC_ZONE = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
# From the seed's sample response: createdAt, the window, and finishedAt.
CREATED_AT = datetime(2022, 4, 24, 16, 51, 3, 419000, tzinfo=UTC)
FINISHED_AT = datetime(2022, 4, 25, 4, 0, 3, 419000, tzinfo=UTC)
BATCH = Window(
    date_from=date.fromisoformat("2022-04-25"),
    date_to=date.fromisoformat("2022-04-25"),
    daily_start=time.fromisoformat("02:00:00"),
    daily_end=time.fromisoformat("04:00:00"),
)


def test_batch_created_the_day_before_waits_for_0200() -> None:
    result = schedule(BATCH, [UTC_ZONE], CREATED_AT)
    assert result.due_at == utc(2022, 4, 25, 2)
    assert result.expires_at == utc(2022, 4, 25, 4)
    assert result.reason == "daily window until 2022-04-25 02:00 UTC"


def test_batch_in_the_recipients_zone_follows_their_clock() -> None:
    result = schedule(BATCH, [NY], CREATED_AT)
    assert result.due_at == utc(2022, 4, 25, 6)  # 02:00 EDT
    assert result.expires_at == utc(2022, 4, 25, 8)  # 04:00 EDT


def test_batch_still_sends_inside_the_window_and_expires_at_its_end() -> None:
    expires = utc(2022, 4, 25, 4)
    assert next_due(BATCH, [UTC_ZONE], utc(2022, 4, 25, 3, 15), expires_at=expires) == utc(
        2022, 4, 25, 3, 15
    )
    assert next_due(BATCH, [UTC_ZONE], FINISHED_AT, expires_at=expires) is None


def test_multi_day_batch_resumes_at_the_next_start_time() -> None:
    window = Window(
        date_from=date(2022, 4, 25),
        date_to=date(2022, 4, 27),
        daily_start=time(2),
        daily_end=time(4),
    )
    result = schedule(window, [UTC_ZONE], CREATED_AT)
    assert result.expires_at == utc(2022, 4, 27, 4)
    resumed = next_due(window, [UTC_ZONE], utc(2022, 4, 25, 5), expires_at=result.expires_at)
    assert resumed == utc(2022, 4, 26, 2)


def test_end_time_before_start_time_crosses_midnight_into_the_next_day() -> None:
    window = Window(
        date_from=date(2022, 4, 25),
        date_to=date(2022, 4, 25),
        daily_start=time(22),
        daily_end=time(2),
    )
    result = schedule(window, [UTC_ZONE], CREATED_AT)
    assert result.due_at == utc(2022, 4, 25, 22)
    assert result.expires_at == utc(2022, 4, 26, 2)  # the window belongs to the day it opens
    assert is_open(window, [UTC_ZONE], utc(2022, 4, 26, 1, 59))
    # 01:00 on the 25th belongs to the window opened on the 24th, outside the date range.
    assert not is_open(window, [UTC_ZONE], utc(2022, 4, 25, 1))


def test_end_time_is_exclusive() -> None:
    assert is_open(BATCH, [UTC_ZONE], utc(2022, 4, 25, 3, 59, 59, 999999))
    assert not is_open(BATCH, [UTC_ZONE], utc(2022, 4, 25, 4))
