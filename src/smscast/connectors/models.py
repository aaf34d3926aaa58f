"""Configured connectors: how to reach a carrier (or the simulator), and what it is for."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Table, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, JSONType, UTCDateTime, new_id, utcnow

__all__ = ["CONNECTORS", "ConnectorConfig"]


class ConnectorConfig(Base):
    """One connector. `account_id` NULL means platform-wide (the operator's carriers)."""

    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("name", name="uq_connectors_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tps: Mapped[float | None] = mapped_column(Float, nullable=True)  # messages per second
    sps: Mapped[float | None] = mapped_column(Float, nullable=True)  # segments per second
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Routing: [{"prefix": "+44"}, {"sender": "ACME"}]; the first matching connector wins,
    # by ascending priority.
    rules: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


CONNECTORS = cast(Table, ConnectorConfig.__table__)
