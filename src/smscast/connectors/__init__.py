"""Ways to reach handsets. The dispatch worker sees only `base`; `registry` builds the kinds.

Kept light on purpose: importing `smscast.connectors.base` must not pull in smpp34.
"""

from smscast.connectors.base import (
    Connector,
    ConnectorError,
    Inbound,
    OutboundMessage,
    Receipt,
    ReceiptState,
    SubmitResult,
)

__all__ = [
    "Connector",
    "ConnectorError",
    "Inbound",
    "OutboundMessage",
    "Receipt",
    "ReceiptState",
    "SubmitResult",
]
