"""Settings of one SMPP connector (one carrier account, one or more binds)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["BindType", "SmppConfig"]

BindType = Literal["TRX", "TX+RX"]


@dataclass(frozen=True, slots=True)
class SmppConfig:
    """How to reach and use one carrier account.

    Enquire_link is not here: smpp34 sends it every 30 s on its own and its Python API does
    not expose the timer. Limits on system_id (15 characters) and password (8) are SMPP's.
    """

    host: str
    port: int
    system_id: str
    password: str
    binds: int = 1  # sessions (or TX+RX pairs) held open at once
    bind_type: BindType = "TRX"  # one transceiver, or a transmitter plus a receiver per bind
    tls: bool = False
    window: int = 64  # submits in flight per session, awaiting submit_sm_resp
    tps: float | None = None  # submit_sm per second over the whole connector; None = no cap
    system_type: str = ""
    service_type: str = ""
    address_range: str = ""
    use_message_payload: bool = False  # one submit_sm with message_payload instead of UDH parts
    udh16: bool = False  # 16-bit concatenation reference
    registered_delivery: int = 1  # 1 = receipt on success and failure, 2 = failure only
    receipts_on_all_parts: bool = True  # False: ask for a receipt on the last part only
    submit_timeout_s: float = 10.0  # deadline for submit_sm_resp (smpp34's own is 30 s)
    connect_timeout_s: float = 10.0  # TCP connect plus bind_resp
    health_check_s: float = 1.0  # how often a session's liveness is polled
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    stop_timeout_s: float = 5.0  # stop(): longest wait for in-flight submits, then unbind
    inbound_capacity: int = 65536  # deliver_sm smpp34 buffers before it NAKs (and drops the bind)
    events_buffer: int = 100_000  # receipts and MO waiting for events() to be read
    reassembly_timeout_s: float = 120.0  # how long a partial MO set waits for its parts

    def __post_init__(self) -> None:
        if self.binds < 1:
            raise ValueError("binds must be at least 1")
        if self.bind_type not in ("TRX", "TX+RX"):
            raise ValueError(f"bind_type must be 'TRX' or 'TX+RX', got {self.bind_type!r}")
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if self.tps is not None and self.tps <= 0:
            raise ValueError("tps must be positive (or None for no cap)")
        if len(self.system_id) > 15:
            raise ValueError("system_id is at most 15 characters in SMPP 3.4")
        if len(self.password) > 8:
            raise ValueError("password is at most 8 characters in SMPP 3.4")
        if self.registered_delivery not in (0, 1, 2):
            raise ValueError("registered_delivery must be 0, 1 or 2")
        if not 0 < self.reconnect_min_s <= self.reconnect_max_s:
            raise ValueError("need 0 < reconnect_min_s <= reconnect_max_s")

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> SmppConfig:
        """Build from a settings dict; unknown keys are an error, so typos do not pass quietly."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise ValueError(f"unknown SMPP option(s): {', '.join(unknown)}")
        return cls(**options)
