"""Inbound (MO) messages, the keywords an account answers, and its inbound settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, JSONType, UTCDateTime, new_id, utcnow

__all__ = [
    "INBOUND",
    "INBOUND_SETTINGS",
    "KEYWORDS",
    "InboundKeyword",
    "InboundMessage",
    "InboundSettings",
]


class InboundMessage(Base):
    """One MO as received. `account_id` is NULL when no account owns the number it was sent
    to: it is kept for the operator rather than dropped."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        Index("ix_inbound_messages_account_id_id", "account_id", "id"),
        # A carrier that retries its HTTP post gives the same id: stored once.
        UniqueConstraint("account_id", "carrier_ref", name="uq_inbound_messages_carrier_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    connector: Mapped[str] = mapped_column(String(64))  # connector name, or "http"
    source: Mapped[str] = mapped_column(String(32))  # the handset (E.164 when it parses)
    destination: Mapped[str] = mapped_column(String(32))  # our number, short code or mask
    body: Mapped[str] = mapped_column(Text)
    keyword: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str | None] = mapped_column(String(8), nullable=True)  # stop | start | help
    reply_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    carrier_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundKeyword(Base):
    """A keyword an account added (ARRET, BAJA), or its own reply to a built-in one."""

    __tablename__ = "inbound_keywords"
    __table_args__ = (UniqueConstraint("account_id", "keyword", name="uq_inbound_keywords_word"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    keyword: Mapped[str] = mapped_column(String(32))  # normalised (see keywords.normalise)
    action: Mapped[str] = mapped_column(String(8))
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)  # None: the action's reply
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundSettings(Base):
    """Per account: reply texts per action, and the token of its HTTP inbound endpoint."""

    __tablename__ = "inbound_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    replies: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


INBOUND = cast(Table, InboundMessage.__table__)
KEYWORDS = cast(Table, InboundKeyword.__table__)
INBOUND_SETTINGS = cast(Table, InboundSettings.__table__)
