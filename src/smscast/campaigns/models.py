"""Campaigns and the numbers subscribed to them (the sendsms `campaign-ref` check)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, UTCDateTime, new_id, utcnow

__all__ = ["CAMPAIGNS", "SUBSCRIPTIONS", "Campaign", "CampaignSubscription"]


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("account_id", "name", name="uq_campaigns_account_name"),
        # NULL references are distinct on both backends: only set ones must be unique.
        UniqueConstraint("account_id", "reference", name="uq_campaigns_account_reference"),
        Index("ix_campaigns_account_id_id", "account_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brands.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    default_sender_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("senders.id"), nullable=True
    )
    subscription_required: Mapped[bool] = mapped_column(Boolean, default=False)
    traffic: Mapped[str] = mapped_column(String(16), default="marketing")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignSubscription(Base):
    """A number subscribed to a campaign."""

    __tablename__ = "campaign_subscriptions"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CAMPAIGNS = cast(Table, Campaign.__table__)
SUBSCRIPTIONS = cast(Table, CampaignSubscription.__table__)
