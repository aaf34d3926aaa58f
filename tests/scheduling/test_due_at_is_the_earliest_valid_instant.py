"""Property: nothing between `now` and `due_at` was already allowed; no window means none."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import event, given, settings

from smscast.scheduling import NoSendWindow, is_open, schedule
from tests.scheduling import oracle
from tests.scheduling.strategies import Case, cases

_TICK = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)
_SCAN_OPEN = 240  # minutes checked with is_open: the library's own reading
_SCAN_ORACLE = 1440  # minutes checked with the independent pointwise reading


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_no_earlier_instant_is_valid(case: Case) -> None:
    window, zones, now, country = case.window, case.zones, case.now, case.country
    try:
        due = schedule(window, zones, now, country=country).due_at
    except NoSendWindow:
        return
    if due == now:
        return
    event("deferred")
    # Boundaries are exact: the instant just before due_at is closed.
    assert not is_open(window, zones, due - _TICK, country=country)
    for k in range(1, _SCAN_ORACLE + 1):
        at = due - k * _MINUTE
        if at < now:
            break
        if k <= _SCAN_OPEN:
            assert not is_open(window, zones, at, country=country), at
        if not oracle.ambiguous(at, zones):
            assert not oracle.allows(window, zones, at, country), at


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_no_send_window_means_nothing_is_open(case: Case) -> None:
    window, zones, now, country = case.window, case.zones, case.now, case.country
    try:
        schedule(window, zones, now, country=country)
    except NoSendWindow as exc:
        assert exc.reason
        limit = now + window.ttl if window.ttl is not None else now + timedelta(days=2)
        for k in range(0, 2 * 1440, 7):
            at = now + k * _MINUTE
            if at > limit:
                break
            assert not is_open(window, zones, at, country=country), at
            if not oracle.ambiguous(at, zones):
                assert not oracle.allows(window, zones, at, country), at
        event("no send window")
