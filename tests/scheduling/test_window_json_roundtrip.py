"""A window survives a JSON column: the worker re-reads exactly what accept time stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings

from smscast.scheduling import QuietHours, Window
from tests.scheduling.strategies import Case, cases


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_any_window_round_trips_through_json(case: Case) -> None:
    stored = json.dumps(case.window.to_json())
    assert Window.from_json(json.loads(stored)) == case.window


def test_unset_fields_are_left_out() -> None:
    assert Window().to_json() == {}
    assert Window(hours=frozenset({14, 12}), ttl=timedelta(seconds=43200)).to_json() == {
        "ttl": 43200,
        "hours": [12, 14],
    }


def test_quiet_hours_and_overrides_round_trip() -> None:
    window = Window(quiet_hours=QuietHours(overrides={"GB": (time(9), time(20)), "RU": None}))
    encoded = window.to_json()
    assert encoded["quiet_hours"] == {
        "start": "08:00:00",
        "end": "21:00:00",
        "overrides": {"GB": ["09:00:00", "20:00:00"], "RU": None},
    }
    assert Window.from_json(json.loads(json.dumps(encoded))) == window


def test_revicom_local_time_format_is_accepted() -> None:
    window = Window.from_json({"local_not_before": "2020-01-01 18:00:00", "days": [1, 2]})
    assert window.local_not_before == datetime(2020, 1, 1, 18)
    assert window.days == frozenset({1, 2})


def test_absolute_bounds_keep_their_instant() -> None:
    at = datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert Window.from_json(Window(not_after=at).to_json()).not_after == at


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown window fields"):
        Window.from_json({"hour": [12]})
