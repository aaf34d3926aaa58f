"""Every table, imported in one place so Alembic and tests see the whole schema."""

from smscast.accounts.models import AccessToken, Account, ApiKey
from smscast.db import Base
from smscast.idempotency import IdempotencyRecord
from smscast.messages.models import Message, MessageEvent, MessagePart, PendingReceipt

__all__ = [
    "AccessToken",
    "Account",
    "ApiKey",
    "Base",
    "IdempotencyRecord",
    "Message",
    "MessageEvent",
    "MessagePart",
    "PendingReceipt",
]
