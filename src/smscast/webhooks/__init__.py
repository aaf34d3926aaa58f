"""Webhooks: a durable outbox written with the change that caused each event, a sender that
delivers it signed and retried, endpoints with rotating secrets, and an SSRF guard.

The dispatch store and other domains call `outbox.enqueue_message_events` / `outbox.enqueue`
inside their own transactions; `serve` (or `smscast webhooks run`) runs a `WebhookSender`.
"""

from smscast.webhooks.events import EVENT_TYPES, STATUS_EVENTS, normalise_events
from smscast.webhooks.outbox import enqueue, enqueue_message_events
from smscast.webhooks.sender import WebhookSender
from smscast.webhooks.service import DeliveryFilters, WebhookService
from smscast.webhooks.signing import SignatureError, sign, signature_header, verify
from smscast.webhooks.ssrf import check_url, check_url_async

__all__ = [
    "EVENT_TYPES",
    "STATUS_EVENTS",
    "DeliveryFilters",
    "SignatureError",
    "WebhookSender",
    "WebhookService",
    "check_url",
    "check_url_async",
    "enqueue",
    "enqueue_message_events",
    "normalise_events",
    "sign",
    "signature_header",
    "verify",
]
