"""The messages table is the durable queue; every status change is a row in message_events."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Table, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, BigId, JSONType, UTCDateTime, new_id, utcnow

__all__ = [
    "EVENTS",
    "MESSAGES",
    "PARTS",
    "PENDING_RECEIPTS",
    "Message",
    "MessageEvent",
    "MessagePart",
    "PendingReceipt",
]

# Statuses the dispatch worker may claim. The claim index is partial on these.
CLAIMABLE = ("queued", "scheduled")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Serves the claim query: due rows first, only among claimable statuses, so a million
        # delivered rows (or scheduled ones far in the future) cost the claim nothing.
        Index(
            "ix_messages_claim",
            "due_at",
            postgresql_where=text("status IN ('queued', 'scheduled')"),
            sqlite_where=text("status IN ('queued', 'scheduled')"),
        ),
        Index(
            "ix_messages_lease",
            "lease_until",
            postgresql_where=text("status = 'sending'"),
            sqlite_where=text("status = 'sending'"),
        ),
        Index("ix_messages_account_id_id", "account_id", "id"),
        Index("ix_messages_account_to", "account_id", "to"),
        # Partial: most messages belong to no batch or campaign, and every status update of
        # a row writes a new entry into each index that covers it.
        Index(
            "ix_messages_batch",
            "batch_id",
            postgresql_where=text("batch_id IS NOT NULL"),
            sqlite_where=text("batch_id IS NOT NULL"),
        ),
        Index(
            "ix_messages_campaign",
            "campaign_id",
            postgresql_where=text("campaign_id IS NOT NULL"),
            sqlite_where=text("campaign_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    to: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str | None] = mapped_column(String(20), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    traffic: Mapped[str] = mapped_column(String(16), default="transactional")
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    callback_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    connector: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # Price of all its segments at accept time (migration 0005); NULL when no price is set.
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 6), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MessageEvent(Base):
    """One transition of one message: when, from what, to what, and why."""

    __tablename__ = "message_events"
    __table_args__ = (Index("ix_message_events_message_id", "message_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class MessagePart(Base):
    """One submitted part of a message and its carrier id; receipts land here."""

    __tablename__ = "message_parts"
    __table_args__ = (Index("ix_message_parts_carrier", "connector", "carrier_id"),)

    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector: Mapped[str] = mapped_column(String(64))
    carrier_id: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), default="sent")
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingReceipt(Base):
    """A receipt that arrived before we stored its carrier id (before submit_sm_resp)."""

    __tablename__ = "pending_receipts"
    __table_args__ = (Index("ix_pending_receipts_carrier", "connector", "carrier_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    connector: Mapped[str] = mapped_column(String(64))
    carrier_id: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raw: Mapped[str] = mapped_column(Text, default="")


# Core handles on the tables, for the hot paths (multi-row inserts, claims, receipts).
MESSAGES = cast(Table, Message.__table__)
EVENTS = cast(Table, MessageEvent.__table__)
PARTS = cast(Table, MessagePart.__table__)
PENDING_RECEIPTS = cast(Table, PendingReceipt.__table__)
