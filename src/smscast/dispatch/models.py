"""Live dispatch workers, so that a connector's rate can be split among them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, UTCDateTime

__all__ = ["WORKERS", "WorkerRow"]


class WorkerRow(Base):
    __tablename__ = "dispatch_workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


WORKERS = cast(Table, WorkerRow.__table__)
