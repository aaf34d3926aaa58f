"""The event catalogue: which events exist, and which message statuses raise them."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ALL",
    "DEFAULT_CALLBACK_EVENTS",
    "EVENT_TYPES",
    "STATUS_EVENTS",
    "normalise_events",
]

EVENT_TYPES: tuple[str, ...] = (
    "message.sent",
    "message.delivered",
    "message.failed",
    "message.undelivered",
    "message.expired",
    "message.clicked",
    "message.received",
    "batch.finished",
)

# The message statuses that raise an event. Any other status (queued, scheduled, sending,
# canceled, rejected) raises none, so the outbox skips those batches without a statement.
STATUS_EVENTS: dict[str, str] = {
    "sent": "message.sent",
    "delivered": "message.delivered",
    "failed": "message.failed",
    "undelivered": "message.undelivered",
    "expired": "message.expired",
}

# A per-message callback_url given without events hears of delivery only (Revicom's rule:
# "if there is callbackUrl and no callbackEvents, a callback is sent on the event delivered").
DEFAULT_CALLBACK_EVENTS: tuple[str, ...] = ("message.delivered",)

ALL = "*"  # an endpoint subscribed to "*" hears every event, including ones added later

# Short names the vendor dialects use (Revicom: sent, delivered, click).
_ALIASES = {
    **{status: event for status, event in STATUS_EVENTS.items()},
    "click": "message.clicked",
    "clicked": "message.clicked",
    "received": "message.received",
}


def normalise_events(values: Iterable[str], *, allow_all: bool = False) -> list[str]:
    """Full event names, deduplicated in order; raise ValueError naming an unknown one."""
    out: list[str] = []
    for raw in values:
        name = raw.strip().lower()
        name = _ALIASES.get(name, name)
        if name == ALL and allow_all:
            pass
        elif name not in EVENT_TYPES:
            raise ValueError(f"unknown event {raw!r}; known: {', '.join(EVENT_TYPES)}")
        if name not in out:
            out.append(name)
    return out
