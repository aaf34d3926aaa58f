"""Who must not be texted: the current opt-out list and its append-only history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, BigId, UTCDateTime, new_id, utcnow

__all__ = ["CHANGES", "EVERY_SENDER", "OPTOUTS", "OptOut", "OptOutChange"]

EVERY_SENDER = ""  # `OptOut.sender` for an opt-out from everything the account sends


class OptOut(Base):
    """The current state of one number for one account (and one sender, or all of them).

    A row is never deleted: opting back in clears `active`, so the worker's snapshot sees
    removals through `updated_at` like any other change. What happened and why lives in
    `optout_changes`.
    """

    __tablename__ = "optouts"
    __table_args__ = (
        # Also the index of the accept-time check: account, then up to 1,000 numbers.
        UniqueConstraint("account_id", "number", "sender", name="uq_optouts_account_number"),
        Index("ix_optouts_account_id_id", "account_id", "id"),
        # The worker's snapshot reads what changed since its last look.
        Index("ix_optouts_updated_at", "updated_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    number: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(20), default=EVERY_SENDER)
    active: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # of the last change
    detail: Mapped[str] = mapped_column(Text, default="")
    # The consent reply (STOP confirmation, HELP answer) that may still reach this number.
    reply_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # last in or out
    # Any write (a consent reply let through too): what the worker's snapshot follows.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OptOutChange(Base):
    """One opt-out or opt-in, append-only: what, by which way in, when."""

    __tablename__ = "optout_changes"
    __table_args__ = (
        Index("ix_optout_changes_account_id_id", "account_id", "id"),
        Index("ix_optout_changes_account_number", "account_id", "number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    number: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(8))  # "opt_out" | "opt_in"
    source: Mapped[str] = mapped_column(String(16))  # "keyword" | "api" | "import" | "cli"
    detail: Mapped[str] = mapped_column(Text, default="")
    inbound_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


OPTOUTS = cast(Table, OptOut.__table__)
CHANGES = cast(Table, OptOutChange.__table__)
