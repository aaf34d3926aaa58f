"""Short links (one per link per message, so a click names its recipient) and their clicks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, BigId, UTCDateTime, new_id, utcnow

__all__ = ["CLICKS", "LINKS", "Click", "Link"]


class Link(Base):
    """A short code that redirects to `url`, written with its message in one transaction.

    No foreign key to messages: links are inserted before their message in the same
    transaction (a collision retry rewrites the body first), and the messages table is the
    queue, which may be purged on its own schedule.
    """

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_message_id", "message_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)  # 0 for the message's first link
    url: Mapped[str] = mapped_column(Text)  # as written, with http:// if it had no scheme
    short_url: Mapped[str] = mapped_column(Text)  # as sent (the base may change later)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Click(Base):
    """One request for a short URL. Humans count; bots and prefetches are kept apart."""

    __tablename__ = "link_clicks"
    # Every statistic reaches clicks through their message (its links, its batch, its
    # campaign), so one index serves them all and inserts stay cheap.
    __table_args__ = (Index("ix_link_clicks_message_id", "message_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    link_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    human: Mapped[bool] = mapped_column(Boolean)
    bot: Mapped[str | None] = mapped_column(String(64), nullable=True)  # why not human
    user_agent: Mapped[str | None] = mapped_column(String(512), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)  # anonymised


LINKS = cast(Table, Link.__table__)
CLICKS = cast(Table, Click.__table__)
