"""Property: the instant `schedule` picks lies inside every constraint, in every zone."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import event, given, settings

from smscast.scheduling import NoSendWindow, is_open, schedule
from tests.scheduling import oracle
from tests.scheduling.strategies import Case, cases


@settings(max_examples=250, deadline=None)
@given(case=cases())
def test_due_at_lies_inside_every_constraint(case: Case) -> None:
    window, zones, now = case.window, case.zones, case.now
    try:
        result = schedule(window, zones, now, country=case.country)
    except NoSendWindow:
        event("no send window")
        return
    event("immediately" if result.due_at == now else "deferred")
    due = result.due_at
    assert due >= now
    assert due.utcoffset() == timedelta(0) and due.tzinfo is UTC
    assert is_open(window, zones, due, country=case.country)
    if window.ttl is not None:
        assert due <= now + window.ttl
    if oracle.ambiguous(due, zones):
        event("due_at inside a fold")  # the pointwise reading does not apply; see oracle
    else:
        assert oracle.allows(window, zones, due, case.country)


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_expires_at_is_the_tightest_upper_bound(case: Case) -> None:
    window, now = case.window, case.now
    try:
        result = schedule(window, case.zones, now, country=case.country)
    except NoSendWindow:
        return
    caps = [now + window.ttl] if window.ttl is not None else []
    caps += [window.not_after] if window.not_after is not None else []
    local_caps = (window.local_not_after, window.date_to)
    if not caps and all(c is None for c in local_caps):
        assert result.expires_at is None
        return
    assert result.expires_at is not None
    assert result.due_at <= result.expires_at
    assert all(result.expires_at <= cap for cap in caps)
    if all(c is None for c in local_caps):
        assert result.expires_at == min(caps)
