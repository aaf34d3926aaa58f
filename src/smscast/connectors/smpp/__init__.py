"""SMPP 3.4 connector: binds to a carrier, submits parts, reads receipts and MO."""

from smscast.connectors.smpp.config import BindType, SmppConfig
from smscast.connectors.smpp.connector import SmppConnector
from smscast.connectors.smpp.receipts import candidate_ids, normalise_id, parse_receipt

__all__ = [
    "BindType",
    "SmppConfig",
    "SmppConnector",
    "candidate_ids",
    "normalise_id",
    "parse_receipt",
]
