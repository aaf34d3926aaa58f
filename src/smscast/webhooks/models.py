"""Webhook tables: endpoints, per-account callback secrets, the outbox, and its attempt log.

The outbox (`webhook_deliveries`) holds one row per event and destination, written in the
transaction that caused the event. A row is `pending` (due at `next_attempt_at`), `sending`
(leased to a sender until `lease_until`), then `delivered` or `dead`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Table, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, BigId, JSONType, UTCDateTime, new_id, utcnow

__all__ = [
    "ATTEMPTS",
    "CALLBACK_SECRETS",
    "DELIVERIES",
    "ENDPOINTS",
    "CallbackSecret",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]


class WebhookEndpoint(Base):
    """An account's URL subscribed to event types, with the secret that signs its calls."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Stored as is: the sender needs the secret itself to sign (a hash would not do).
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallbackSecret(Base):
    """The secret that signs an account's per-message callback_url calls (made on first use)."""

    __tablename__ = "webhook_callback_secrets"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookDelivery(Base):
    """One event to one destination: an endpoint (`endpoint_id`) or a callback `url`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The claim: due rows first, among pending ones only.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        # Per-message order: is an earlier event of this message still undelivered?
        Index(
            "ix_webhook_deliveries_order",
            "message_id",
            "id",
            postgresql_where=text("state IN ('pending', 'sending')"),
            sqlite_where=text("state IN ('pending', 'sending')"),
        ),
        Index(
            "ix_webhook_deliveries_lease",
            "lease_until",
            postgresql_where=text("state = 'sending'"),
            sqlite_where=text("state = 'sending'"),
        ),
        Index("ix_webhook_deliveries_account_id", "account_id", "id"),
        Index("ix_webhook_deliveries_event_id", "event_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)  # callback deliveries only
    type: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retry_since: Mapped[datetime] = mapped_column(UTCDateTime)  # the horizon counts from here
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: the log an endpoint's owner reads."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_endpoint_id", "endpoint_id", "id"),
        Index("ix_webhook_attempts_delivery_id", "delivery_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(String(12))  # delivered, retry, dead


ENDPOINTS = cast(Table, WebhookEndpoint.__table__)
CALLBACK_SECRETS = cast(Table, CallbackSecret.__table__)
DELIVERIES = cast(Table, WebhookDelivery.__table__)
ATTEMPTS = cast(Table, WebhookAttempt.__table__)
