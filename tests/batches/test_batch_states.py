"""The batch state machine: the table allows what it says and nothing else."""

from __future__ import annotations

import itertools

import pytest

from smscast.batches.states import FINAL, STATUSES, TRANSITIONS, check_transition, check_updatable
from smscast.errors import Conflict, InvalidTransition


def test_the_statuses_are_the_documented_ones():
    assert {
        "CREATED", "VALIDATING", "SCHEDULED", "PROCESSING", "PAUSED", "DELIVERED", "CANCELLED",
        "FAILED",
    } == STATUSES  # fmt: skip
    assert {"DELIVERED", "CANCELLED", "FAILED"} == FINAL


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


def test_validate_returns_to_created_and_schedule_leads_to_delivered():
    for a, b in itertools.pairwise(["CREATED", "VALIDATING", "CREATED", "SCHEDULED"]):
        check_transition(a, b)
    for a, b in itertools.pairwise(["SCHEDULED", "PROCESSING", "PAUSED", "PROCESSING"]):
        check_transition(a, b)
    check_transition("PROCESSING", "DELIVERED")


def test_every_status_but_the_final_ones_can_be_cancelled():
    for status in STATUSES - FINAL - {"CANCELLED"}:
        check_transition(status, "CANCELLED")


@pytest.mark.parametrize("status", sorted(STATUSES - {"CREATED"}))
def test_only_a_created_batch_is_updatable(status):
    check_updatable("CREATED")
    with pytest.raises(Conflict):
        check_updatable(status)
