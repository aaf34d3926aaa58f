"""Message templates: named bodies with `{{attribute}}` placeholders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, JSONType, UTCDateTime, new_id, utcnow

__all__ = ["TEMPLATES", "Template"]


class Template(Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_templates_account_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))  # WhatCounts smsMessageName
    body: Mapped[str] = mapped_column(Text)
    # Contact attribute keys the body may use beyond the standard ones (see render.STANDARD).
    attributes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


TEMPLATES = cast(Table, Template.__table__)
