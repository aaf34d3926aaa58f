"""Every table, imported in one place so Alembic and tests see the whole schema."""

from smscast.accounts.models import AccessToken, Account, ApiKey
from smscast.batches.models import Batch, BatchError, BatchPart
from smscast.brands.models import Brand
from smscast.campaigns.models import Campaign, CampaignSubscription
from smscast.connectors.models import ConnectorConfig
from smscast.contacts.models import Contact, ContactList, ListMember
from smscast.db import Base
from smscast.dispatch.models import WorkerRow
from smscast.idempotency import IdempotencyRecord
from smscast.inbound.models import InboundKeyword, InboundMessage, InboundSettings
from smscast.links.models import Click, Link
from smscast.messages.models import Message, MessageEvent, MessagePart, PendingReceipt
from smscast.optouts.models import OptOut, OptOutChange
from smscast.senders.models import Price, Sender, SenderContact
from smscast.templates.models import Template
from smscast.webhooks.models import WebhookEndpoint  # noqa: F401  (all webhook tables)

__all__ = [
    "AccessToken",
    "Account",
    "ApiKey",
    "Base",
    # campaigns, contacts, templates, senders, batches (issue 5)
    "Batch",
    "BatchError",
    "BatchPart",
    "Brand",
    "Campaign",
    "CampaignSubscription",
    "Click",
    "ConnectorConfig",
    "Contact",
    "ContactList",
    "IdempotencyRecord",
    # opt-outs and inbound messages (issue 9)
    "InboundKeyword",
    "InboundMessage",
    "InboundSettings",
    "Link",
    "ListMember",
    "Message",
    "MessageEvent",
    "MessagePart",
    "OptOut",
    "OptOutChange",
    "PendingReceipt",
    "Price",
    "Sender",
    "SenderContact",
    "Template",
    "WorkerRow",
]
