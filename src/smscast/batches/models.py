"""Batches, the parts their work is cut into, and the errors of their rows."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, BigId, JSONType, UTCDateTime, new_id, utcnow

__all__ = ["BATCHES", "BATCH_ERRORS", "BATCH_PARTS", "Batch", "BatchError", "BatchPart"]


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        Index("ix_batches_account_id_id", "account_id", "id"),
        Index("ix_batches_campaign", "campaign_id"),
        # The processor looks for work among these only.
        Index(
            "ix_batches_pending",
            "lease_until",
            postgresql_where=text("status IN ('SCHEDULED', 'PROCESSING', 'VALIDATING')"),
            sqlite_where=text("status IN ('SCHEDULED', 'PROCESSING', 'VALIDATING')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id"))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    operation_type: Mapped[str] = mapped_column(String(24))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("templates.id"), nullable=True)
    list_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("senders.id"), nullable=True)
    sender_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    shortlink: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    file_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    file_rows: Mapped[int] = mapped_column(Integer, default=0)
    charset: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Where the header is and which column holds what, found when the file is stored:
    # {"header": row or null, "number": 0, "message": 1}.
    layout: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="CREATED")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Row counters (total = valid + invalid + duplicates + opted_out); written when a phase
    # ends. While one runs, the sums of the parts' counters are the live figures.
    total: Mapped[int] = mapped_column(Integer, default=0)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(BigInteger, default=0)
    estimated_cost: Mapped[Decimal | None] = mapped_column(Numeric(16, 6), nullable=True)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What the parts' `checked` results were checked against (a fingerprint of the account's
    # region and settings, the sender, window, prices...): SCHEDULE reuses them if it matches.
    checked_for: Mapped[str | None] = mapped_column(String(64), nullable=True)


class BatchPart(Base):
    """A unit of work: a slice of the uploaded file (whole records, UTF-8) or, for list
    batches, a page of recipients. Its counters and `done` commit with its messages, so a
    processor that dies resumes at the first part not done."""

    __tablename__ = "batch_parts"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_row: Mapped[int] = mapped_column(Integer)  # row number (1-based) of its first record
    rows: Mapped[int] = mapped_column(Integer)  # records in it, blank ones included
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    cursor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # list pages
    # VALIDATE's verdict on its rows (rows.pack_checked): SCHEDULE need not parse them again.
    checked: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(BigInteger, default=0)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(16, 6), nullable=True)


class BatchError(Base):
    """Why one row did not become a message."""

    __tablename__ = "batch_errors"
    __table_args__ = (Index("ix_batch_errors_batch_row", "batch_id", "row", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(32), nullable=True)
    code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)


BATCHES = cast(Table, Batch.__table__)
BATCH_PARTS = cast(Table, BatchPart.__table__)
BATCH_ERRORS = cast(Table, BatchError.__table__)
