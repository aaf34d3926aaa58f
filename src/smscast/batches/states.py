"""The batch state machine: every allowed transition, in one table.

CREATED ─┬─> VALIDATING ─> CREATED            (VALIDATE: rows checked, errors recorded)
         └─> SCHEDULED ─> PROCESSING ─┬─> DELIVERED   (every message reached a final state)
                  │            │      └─> FAILED      (no row could be sent, or it broke)
                  └──> PAUSED <┘ ──> SCHEDULED | PROCESSING   (resume)
any state but DELIVERED, FAILED and CANCELLED ─> CANCELLED

SCHEDULED means "waiting for the processor"; PROCESSING means messages are being written or
are on their way. Only a CREATED batch can be updated or have its file replaced.
"""

from __future__ import annotations

from smscast.errors import Conflict, InvalidTransition

__all__ = [
    "ACTIVE",
    "FINAL",
    "STATUSES",
    "TRANSITIONS",
    "check_transition",
    "check_updatable",
]

TRANSITIONS: dict[str, frozenset[str]] = {
    "CREATED": frozenset({"VALIDATING", "SCHEDULED", "CANCELLED"}),
    "VALIDATING": frozenset({"CREATED", "CANCELLED"}),
    "SCHEDULED": frozenset({"PROCESSING", "PAUSED", "CANCELLED", "FAILED"}),
    "PROCESSING": frozenset({"DELIVERED", "PAUSED", "CANCELLED", "FAILED"}),
    "PAUSED": frozenset({"SCHEDULED", "PROCESSING", "CANCELLED"}),
    "DELIVERED": frozenset(),
    "CANCELLED": frozenset(),
    "FAILED": frozenset(),
}

STATUSES = frozenset(TRANSITIONS)
FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# Statuses in which the processor may be writing this batch's messages.
ACTIVE = frozenset({"SCHEDULED", "PROCESSING"})


def check_transition(current: str, new: str) -> None:
    """Raise InvalidTransition unless `current -> new` is in the table."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A batch cannot go from {current} to {new}.")


def check_updatable(current: str) -> None:
    """Raise Conflict unless the batch may still be edited (only while CREATED)."""
    if current != "CREATED":
        raise Conflict(
            f"Only a CREATED batch can be updated; this one is {current}.",
            code="batch-not-updatable",
        )
