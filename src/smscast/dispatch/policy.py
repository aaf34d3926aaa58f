"""Retries and our own error table: what a carrier's failure means to a message.

A connector reports failures with stable codes (`ConnectorError.code`); this table says what
each means to the user and whether a retry can help. Transient failures are retried with
exponential backoff and full jitter, up to `MAX_ATTEMPTS` or the message's expiry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

__all__ = ["ERRORS", "MAX_ATTEMPTS", "NEVER_SENT", "ErrorInfo", "backoff", "describe"]

# Failures where the message never left us: waiting for the carrier costs no attempt, so an
# outage does not use up a message's retries.
NEVER_SENT = frozenset({"not_bound"})

# With the delays below, 20 attempts span about two hours: a carrier outage of that
# length does not fail messages.
MAX_ATTEMPTS = 20
BASE_DELAY_S = 2.0
MAX_DELAY_S = 600.0


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: str
    description: str
    permanent: bool


ERRORS: dict[str, ErrorInfo] = {
    e.code: e
    for e in (
        ErrorInfo("throttled", "The carrier asked us to slow down (0x58).", False),
        ErrorInfo("queue_full", "The carrier's queue is full (0x14).", False),
        ErrorInfo("timeout", "The carrier did not answer in time.", False),
        ErrorInfo("bind_lost", "The connection to the carrier was lost.", False),
        ErrorInfo("not_bound", "No connection to the carrier is up.", False),
        ErrorInfo("system_error", "The carrier reported a system error (0x08).", False),
        ErrorInfo("invalid_destination", "The carrier refused the destination number.", True),
        ErrorInfo("invalid_source", "The carrier refused the sender.", True),
        ErrorInfo("invalid_message_length", "The carrier refused the message length.", True),
        ErrorInfo("no_route", "No connector serves this message.", True),
        ErrorInfo("expired", "The message expired before it could be sent.", True),
        ErrorInfo("retries_exhausted", "Transient failures went on past every retry.", True),
        ErrorInfo("no_receipt", "No delivery receipt came before the receipt timeout.", True),
        ErrorInfo("undelivered", "The carrier could not deliver the message.", True),
        ErrorInfo("rejected", "The carrier rejected the message.", True),
    )
}


def describe(code: str) -> ErrorInfo:
    """Our entry for a connector code; unknown codes (carrier_error_0xNN) are permanent."""
    return ERRORS.get(code) or ErrorInfo(code, f"The carrier refused the message ({code}).", True)


def backoff(
    attempt: int,
    rng: random.Random | None = None,
    *,
    base_s: float = BASE_DELAY_S,
    max_s: float = MAX_DELAY_S,
) -> timedelta:
    """Delay before retry number `attempt` (1-based): jitter over an exponential cap."""
    cap = min(max_s, base_s * 2 ** max(0, attempt - 1))
    return timedelta(seconds=(rng or random).uniform(cap / 2, cap))
