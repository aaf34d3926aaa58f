"""Contacts, named recipient lists (groups) and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, JSONType, UTCDateTime, new_id, utcnow

__all__ = ["CONTACTS", "LISTS", "MEMBERS", "Contact", "ContactList", "ListMember"]


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "number", name="uq_contacts_account_number"),
        Index("ix_contacts_account_id_id", "account_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    number: Mapped[str] = mapped_column(String(20))  # E.164
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # IANA
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactList(Base):
    __tablename__ = "contact_lists"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_contact_lists_account_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))  # case-sensitive (WhatCounts groupName)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListMember(Base):
    __tablename__ = "list_members"

    list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contact_lists.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CONTACTS = cast(Table, Contact.__table__)
LISTS = cast(Table, ContactList.__table__)
MEMBERS = cast(Table, ListMember.__table__)
