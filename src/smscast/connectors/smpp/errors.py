"""What an SMPP failure means for a retry: the one table from command_status to ConnectorError.

    ConnectorError(code, permanent)
    ├── transient: throttled 0x58, queue_full 0x14, system_error 0x08,
    │              timeout (no submit_sm_resp in time), bind_lost (session died in flight),
    │              not_bound (no usable session right now)
    └── permanent: invalid_destination 0x0B, invalid_source 0x0A, invalid_message_length 0x01,
                   expired (validity already past), carrier_error_0xNN (anything else)

A transient error after the PDU left us (timeout, bind_lost) may still have been delivered:
the carrier can accept a submit whose response we never saw. Retrying it is the only way not to
lose the message, and it is where the few duplicates the architecture allows come from.
"""

from __future__ import annotations

from smscast.connectors.base import ConnectorError

__all__ = [
    "STATUS_TABLE",
    "bind_lost",
    "error_for_status",
    "not_bound",
    "timeout",
]

# command_status -> (stable code, permanent)
STATUS_TABLE: dict[int, tuple[str, bool]] = {
    0x01: ("invalid_message_length", True),  # ESME_RINVMSGLEN
    0x08: ("system_error", False),  # ESME_RSYSERR
    0x0A: ("invalid_source", True),  # ESME_RINVSRCADR
    0x0B: ("invalid_destination", True),  # ESME_RINVDSTADR
    0x14: ("queue_full", False),  # ESME_RMSGQFUL
    0x58: ("throttled", False),  # ESME_RTHROTTLED
}


def error_for_status(status: int) -> ConnectorError:
    """Build the error for a non-zero command_status in a submit_sm_resp."""
    code, permanent = STATUS_TABLE.get(status, (f"carrier_error_{status:#04x}", True))
    return ConnectorError(
        code,
        f"carrier answered command_status {status:#010x}",
        permanent=permanent,
        carrier_status=status,
    )


def timeout(seconds: float) -> ConnectorError:
    """No submit_sm_resp within the deadline; the carrier may still have taken the message."""
    return ConnectorError("timeout", f"no submit_sm_resp within {seconds:g}s", permanent=False)


def bind_lost(detail: str) -> ConnectorError:
    """The session ended while the submit was in flight."""
    return ConnectorError("bind_lost", detail, permanent=False)


def not_bound(name: str) -> ConnectorError:
    """No session of this connector can take a submit right now."""
    return ConnectorError("not_bound", f"connector {name!r} has no bound session", permanent=False)
