"""The campaign state machine: every allowed transition, in one table.

draft ──> active <──> paused
  │         │           │
  │         └─> completed <┘
  └────────────────┴──────────> archived   (from any state but archived)
"""

from __future__ import annotations

from smscast.errors import InvalidTransition

__all__ = ["SENDABLE", "STATUSES", "TRANSITIONS", "check_transition"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "archived"}),
    "active": frozenset({"paused", "completed", "archived"}),
    "paused": frozenset({"active", "completed", "archived"}),
    "completed": frozenset({"archived"}),
    "archived": frozenset(),
}

STATUSES = frozenset(TRANSITIONS)
# A batch of a campaign in another status cannot be scheduled.
SENDABLE = frozenset({"draft", "active"})


def check_transition(current: str, new: str) -> None:
    """Raise InvalidTransition unless `current -> new` is in the table."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A campaign cannot go from {current} to {new}.")
