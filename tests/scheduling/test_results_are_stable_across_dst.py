"""Property: answers do not drift: re-asking while waiting (across a DST change) agrees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from smscast.scheduling import NoSendWindow, clear_caches, next_due, schedule
from tests.scheduling.strategies import Case, cases


@settings(max_examples=150, deadline=None)
@given(case=cases(), fraction=st.floats(0, 1))
def test_asking_again_while_waiting_gives_the_same_due_at(case: Case, fraction: float) -> None:
    # Without a ttl the window does not depend on when it is asked, so any `now` between
    # the first answer and due_at (the DST-biased `now` puts changes in between) must agree.
    window = replace(case.window, ttl=None)
    try:
        first = schedule(window, case.zones, case.now, country=case.country)
    except NoSendWindow:
        return
    later = min(case.now + (first.due_at - case.now) * fraction, first.due_at)
    again = next_due(window, case.zones, later, expires_at=first.expires_at, country=case.country)
    assert again == first.due_at
    crossed = _offsets(case, case.now) != _offsets(case, first.due_at)
    event("crossed a DST change" if crossed else "same offsets")


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_caches_do_not_change_answers(case: Case) -> None:
    def outcome() -> object:
        try:
            return schedule(case.window, case.zones, case.now, country=case.country)
        except NoSendWindow as exc:
            return exc.reason

    warm = outcome()
    clear_caches()
    assert outcome() == warm


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_due_at_is_a_real_wall_time_in_every_zone(case: Case) -> None:
    try:
        due = schedule(case.window, case.zones, case.now, country=case.country).due_at
    except NoSendWindow:
        return
    for zone in case.zones:
        local = due.astimezone(zone)
        wall = local.replace(tzinfo=None)
        # Reading the wall time back (with its fold) gives the same instant: not in a gap.
        assert wall.replace(tzinfo=zone, fold=local.fold).astimezone(UTC) == due


def _offsets(case: Case, at: datetime) -> list[timedelta | None]:
    return [at.astimezone(z).utcoffset() for z in case.zones]
