"""Senders (the numbers and names messages come from), their assigned contacts (WhatCounts
sender codes) and the price of a segment by connector and destination country."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import ForeignKey, Numeric, String, Table, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, UTCDateTime, new_id, utcnow

__all__ = ["PRICES", "SENDERS", "SENDER_CONTACTS", "Price", "Sender", "SenderContact"]


class Sender(Base):
    __tablename__ = "senders"
    __table_args__ = (UniqueConstraint("account_id", "address", name="uq_senders_account_address"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brands.id"), nullable=True)
    address: Mapped[str] = mapped_column(String(20))  # E.164, short code or alphanumeric
    kind: Mapped[str] = mapped_column(String(16))  # long_code, short_code, toll_free, alphanumeric
    status: Mapped[str] = mapped_column(String(16), default="approved")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SenderContact(Base):
    """A contact assigned to a sender (a WhatCounts sender code sends to these)."""

    __tablename__ = "sender_contacts"

    sender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("senders.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Price(Base):
    """What one segment costs through `connector` to `country`; "*" matches any."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("account_id", "connector", "country", name="uq_prices_account_route"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    connector: Mapped[str] = mapped_column(String(64), default="*")
    country: Mapped[str] = mapped_column(String(2), default="*")
    price_per_segment: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


SENDERS = cast(Table, Sender.__table__)
SENDER_CONTACTS = cast(Table, SenderContact.__table__)
PRICES = cast(Table, Price.__table__)
