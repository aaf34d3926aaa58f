"""The message state machine: every allowed transition, in one table.

accepted ─┬─> queued ────┬─> sending ─┬─> sent ─┬─> delivered
          │              │            │         ├─> undelivered
          ├─> scheduled ─┘            │         ├─> failed
          │                           │         └─> expired
          └─> rejected                ├─> queued      (transient error: retry later)
                                      ├─> failed      (permanent error)
                                      ├─> canceled    (opted out while it waited)
                                      └─> expired
queued / scheduled ─> canceled | expired ; queued <-> scheduled (window moved)
"""

from __future__ import annotations

from smscast.errors import InvalidTransition

__all__ = ["FINAL", "STATUSES", "TRANSITIONS", "check_transition", "is_final"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"queued", "scheduled", "rejected"}),
    "queued": frozenset({"sending", "scheduled", "canceled", "expired", "rejected"}),
    "scheduled": frozenset({"queued", "sending", "canceled", "expired", "rejected"}),
    # canceled: a claim-time check found the recipient opted out after it was accepted.
    "sending": frozenset({"sent", "queued", "scheduled", "failed", "expired", "canceled"}),
    "sent": frozenset({"delivered", "undelivered", "failed", "expired"}),
    "delivered": frozenset(),
    "undelivered": frozenset(),
    "failed": frozenset(),
    "expired": frozenset(),
    "rejected": frozenset(),
    "canceled": frozenset(),
}

STATUSES = frozenset(TRANSITIONS)
FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def is_final(status: str) -> bool:
    return status in FINAL


def check_transition(current: str, new: str) -> None:
    """Raise InvalidTransition unless `current -> new` is in the table."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"A message cannot go from {current} to {new}.")
