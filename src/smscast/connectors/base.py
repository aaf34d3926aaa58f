"""The connector protocol: what the dispatch worker needs from a way to reach handsets.

A connector takes one message at a time (`submit`) and reports what comes back from the
network asynchronously (`events`): delivery receipts and inbound (MO) messages. The dispatch
worker depends on this module only, never on a concrete connector.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "Connector",
    "ConnectorError",
    "Inbound",
    "OutboundMessage",
    "Receipt",
    "ReceiptState",
    "SubmitResult",
]

ReceiptState = Literal["delivered", "undelivered", "expired", "rejected", "unknown", "accepted"]


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message as the worker hands it to a connector."""

    id: str  # our message id (uuid string)
    source: str  # sender: E.164 with '+', a short code, or an alphanumeric mask
    destination: str  # E.164 with '+'
    body: str  # the final text (personalised, links shortened)
    reference: int = 0  # concatenation reference, 0..65535, chosen by the worker
    expires_at: datetime | None = None  # aware UTC; becomes validity_period where supported


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The carrier's ids for each part, in part order (one id for a single-part message)."""

    carrier_ids: list[str]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery receipt for one part, as the carrier reported it."""

    carrier_id: str  # normalised: see connectors.smpp.receipts.normalise_id
    state: ReceiptState
    error_code: str | None = None  # carrier error ('err:' field or network_error_code)
    done_at: datetime | None = None
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Inbound:
    """A mobile-originated message (MO); concatenated parts already reassembled."""

    source: str
    destination: str
    body: str
    received_at: datetime
    extra: dict[str, str] = field(default_factory=dict)


class ConnectorError(Exception):
    """A submit that failed. `permanent` says whether a retry can ever succeed."""

    def __init__(
        self, code: str, reason: str, *, permanent: bool, carrier_status: int | None = None
    ):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.permanent = permanent
        self.carrier_status = carrier_status


@runtime_checkable
class Connector(Protocol):
    """What the dispatch worker needs of a connector."""

    name: str

    async def start(self) -> None:
        """Connect and bind; return once at least one session is usable or raise."""

    async def stop(self) -> None:
        """Unbind and close, waiting (bounded) for in-flight responses."""

    async def submit(self, message: OutboundMessage) -> SubmitResult:
        """Send every part; raise ConnectorError on failure (transient or permanent)."""

    def events(self) -> AsyncIterator[Receipt | Inbound]:
        """Receipts and inbound messages, as they arrive, for as long as the connector runs."""
