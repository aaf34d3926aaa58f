"""Brands: an account runs several, each with its own senders, campaigns, help text and
opt-out scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, UTCDateTime, new_id, utcnow

__all__ = ["BRANDS", "OPTOUT_SCOPES", "Brand"]

# "account": a STOP to any brand stops them all; "brand": it stops only the brand it reached.
OPTOUT_SCOPES = ("account", "brand")


class Brand(Base):
    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_brands_account_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))
    help_text: Mapped[str] = mapped_column(Text, default="")
    optout_scope: Mapped[str] = mapped_column(String(16), default="account")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


BRANDS = cast(Table, Brand.__table__)
