"""Every table, imported in one place so Alembic and tests see the whole schema."""

from smscast.accounts.models import AccessToken, Account, ApiKey
from smscast.connectors.models import ConnectorConfig
from smscast.db import Base
from smscast.dispatch.models import WorkerRow
from smscast.idempotency import IdempotencyRecord
from smscast.messages.models import Message, MessageEvent, MessagePart, PendingReceipt

__all__ = [
    "AccessToken",
    "Account",
    "ApiKey",
    "Base",
    "ConnectorConfig",
    "IdempotencyRecord",
    "Message",
    "MessageEvent",
    "MessagePart",
    "PendingReceipt",
    "WorkerRow",
]
