"""The message state machine: the table allows what it says and nothing else."""

from __future__ import annotations

import itertools

import pytest

from smscast.errors import InvalidTransition
from smscast.messages.states import FINAL, STATUSES, TRANSITIONS, check_transition


def test_final_states_are_the_documented_ones():
    assert {"delivered", "undelivered", "failed", "expired", "rejected", "canceled"} == FINAL


@pytest.mark.parametrize(
    ("current", "new"),
    [(a, b) for a, b in itertools.product(sorted(STATUSES), repeat=2) if b not in TRANSITIONS[a]],
)
def test_every_forbidden_transition_is_refused(current, new):
    with pytest.raises(InvalidTransition):
        check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"), [(a, b) for a in sorted(STATUSES) for b in sorted(TRANSITIONS[a])]
)
def test_every_allowed_transition_passes(current, new):
    check_transition(current, new)


def test_the_happy_path_is_allowed():
    path = ["accepted", "queued", "sending", "sent", "delivered"]
    for a, b in itertools.pairwise(path):
        check_transition(a, b)


def test_every_state_can_reach_a_final_state():
    for start in STATUSES:
        seen, todo = set(), [start]
        while todo:
            s = todo.pop()
            seen.add(s)
            todo += [n for n in TRANSITIONS[s] if n not in seen]
        assert seen & FINAL, start
