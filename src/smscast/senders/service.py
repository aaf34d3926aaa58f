"""Senders: long codes, short codes, toll-free numbers and alphanumeric names; the contacts
assigned to each (a WhatCounts sender code sends to these)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.brands.models import BRANDS
from smscast.contacts.models import CONTACTS
from smscast.contacts.schemas import Members
from smscast.contacts.service import ContactService, contact_out
from smscast.db import Database, new_id, utcnow
from smscast.errors import Conflict, NotFound, ValidationFailed
from smscast.messages.service import decode_cursor, encode_cursor
from smscast.numbers import InvalidNumber, normalise, sender_kind
from smscast.senders.models import SENDER_CONTACTS, SENDERS
from smscast.senders.schemas import SenderIn, SenderPatch

__all__ = ["KINDS", "SenderService", "classify", "sender_out", "unusable_reason"]

S = SENDERS
SC = SENDER_CONTACTS
Ids = list[uuid.UUID]
Items = list[dict[str, Any]]
KINDS = ("long_code", "short_code", "toll_free", "alphanumeric")


def sender_out(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "address": r["address"],
        "kind": r["kind"],
        "brand_id": r["brand_id"],
        "status": r["status"],
        "valid_from": r["valid_from"],
        "valid_until": r["valid_until"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


def classify(raw: str, region: str) -> tuple[str, str]:
    """(address as stored, kind) of a sender, or ValidationFailed."""
    try:
        kind = sender_kind(raw.strip())
    except ValueError:
        kind = "e164"  # perhaps a national number: "(415) 555-0100"
    if kind == "short_code":
        return raw.strip(), "short_code"
    if kind == "alphanumeric":
        return raw.strip(), "alphanumeric"
    try:
        number = normalise(raw, region)
    except InvalidNumber:
        raise ValidationFailed(
            "Invalid sender.",
            [
                {
                    "field": "address",
                    "code": "invalid_sender",
                    "message": "not a phone number, a short code (3 to 8 digits) or an "
                    "alphanumeric name of at most 11 characters",
                }
            ],
        ) from None
    toll_free = (
        phonenumbers.number_type(phonenumbers.parse(number))
        == phonenumbers.PhoneNumberType.TOLL_FREE
    )
    return number, "toll_free" if toll_free else "long_code"


def unusable_reason(r: Any, at: datetime) -> str | None:
    """Why sender row `r` may not send at `at` (not approved, outside its validity), or None."""
    if r.status != "approved":
        return f"the sender {r.address} is {r.status}, not approved"
    if r.valid_from is not None and at < r.valid_from:
        return f"the sender {r.address} is valid from {r.valid_from.isoformat()}"
    if r.valid_until is not None and at >= r.valid_until:
        return f"the sender {r.address} expired at {r.valid_until.isoformat()}"
    return None


class SenderService:
    def __init__(self, db: Database, contacts: ContactService):
        self.db = db
        self.contacts = contacts

    async def create(self, principal: Principal, data: SenderIn) -> dict[str, Any]:
        address, kind = classify(data.address, principal.default_region)
        now = utcnow()
        row = {
            "id": new_id(),
            "account_id": principal.account_id,
            "brand_id": data.brand_id,
            "address": address,
            "kind": kind,
            "status": data.status,
            "valid_from": data.valid_from,
            "valid_until": data.valid_until,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.db.begin() as conn:
                await self._brand(conn, principal, data.brand_id)
                await conn.execute(S.insert(), row)
        except IntegrityError:
            raise Conflict(
                f"The sender {address} already exists.", code="duplicate-sender"
            ) from None
        return sender_out(row)

    async def get(self, principal: Principal, sender_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            return sender_out((await self.row(conn, principal, sender_id))._mapping)

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        query = select(S).where(S.c.account_id == principal.account_id).order_by(S.c.address)
        async with self.db.begin() as conn:
            return [sender_out(r._mapping) for r in (await conn.execute(query)).all()]

    async def update(
        self, principal: Principal, sender_id: uuid.UUID, data: SenderPatch
    ) -> dict[str, Any]:
        values = {k: getattr(data, k) for k in data.model_fields_set}
        if values.get("status", "") is None:
            del values["status"]
        async with self.db.begin() as conn:
            old = await self.row(conn, principal, sender_id)
            await self._brand(conn, principal, values.get("brand_id"))
            start = values.get("valid_from", old.valid_from)
            end = values.get("valid_until", old.valid_until)
            if start is not None and end is not None and end <= start:
                raise ValidationFailed(
                    "The validity window is empty.",
                    [
                        {
                            "field": "valid_until",
                            "code": "invalid_window",
                            "message": "not after valid_from",
                        }
                    ],
                )
            values["updated_at"] = utcnow()
            await conn.execute(update(S).where(S.c.id == sender_id).values(**values))
            return sender_out((await self.row(conn, principal, sender_id))._mapping)

    async def delete(self, principal: Principal, sender_id: uuid.UUID) -> None:
        from smscast.batches.models import BATCHES
        from smscast.campaigns.models import CAMPAIGNS

        async with self.db.begin() as conn:
            await self.row(conn, principal, sender_id)
            used = await conn.scalar(
                select(
                    or_(
                        exists().where(CAMPAIGNS.c.default_sender_id == sender_id),
                        exists().where(BATCHES.c.sender_id == sender_id),
                    )
                )
            )
            if used:
                raise Conflict("Campaigns or batches use this sender.", code="sender-in-use")
            await conn.execute(delete(S).where(S.c.id == sender_id))

    # -- assigned contacts (sender codes) -----------------------------------------------

    async def assign(
        self, principal: Principal, sender_id: uuid.UUID, members: Members
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            await self.row(conn, principal, sender_id)
            ids = await self.contacts.resolve(conn, principal, members)
            dialect = postgresql if self.db.is_postgres else sqlite
            stmt = dialect.insert(SC).on_conflict_do_nothing(
                index_elements=["sender_id", "contact_id"]
            )
            now = utcnow()
            for start in range(0, len(ids), 1000):
                await conn.execute(
                    stmt,
                    [
                        {"sender_id": sender_id, "contact_id": c, "created_at": now}
                        for c in ids[start : start + 1000]
                    ],
                )
            count = await conn.scalar(select(func.count()).where(SC.c.sender_id == sender_id))
        return {"contacts": count or 0}

    async def unassign(
        self, principal: Principal, sender_id: uuid.UUID, members: Members
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            await self.row(conn, principal, sender_id)
            ids: Ids = [*members.contact_ids]
            numbers = []
            for raw in members.numbers:
                try:
                    numbers.append(normalise(raw, principal.default_region))
                except InvalidNumber:
                    continue  # not a number: certainly not assigned
            if numbers:
                ids += (
                    await conn.execute(
                        select(CONTACTS.c.id).where(
                            CONTACTS.c.account_id == principal.account_id,
                            CONTACTS.c.number.in_(numbers),
                        )
                    )
                ).scalars()
            removed = 0
            if ids:
                result = await conn.execute(
                    delete(SC).where(SC.c.sender_id == sender_id, SC.c.contact_id.in_(ids))
                )
                removed = result.rowcount or 0
            count = await conn.scalar(select(func.count()).where(SC.c.sender_id == sender_id))
        return {"removed": removed, "contacts": count or 0}

    async def assigned(
        self, principal: Principal, sender_id: uuid.UUID, *, cursor: str | None, limit: int
    ) -> tuple[Items, str | None]:
        C = CONTACTS
        conds = [SC.c.sender_id == sender_id]
        if cursor:
            conds.append(C.c.id < decode_cursor(cursor))
        query = (
            select(C)
            .join(SC, SC.c.contact_id == C.c.id)
            .where(*conds)
            .order_by(C.c.id.desc())
            .limit(limit + 1)
        )
        async with self.db.begin() as conn:
            await self.row(conn, principal, sender_id)
            rows = (await conn.execute(query)).all()
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return [contact_out(r._mapping) for r in rows[:limit]], next_cursor

    async def row(self, conn: AsyncConnection, principal: Principal, sender_id: uuid.UUID) -> Any:
        row = (
            await conn.execute(
                select(S).where(S.c.id == sender_id, S.c.account_id == principal.account_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such sender.")
        return row

    async def _brand(
        self, conn: AsyncConnection, principal: Principal, brand_id: uuid.UUID | None
    ) -> None:
        if brand_id is None:
            return
        found = await conn.scalar(
            select(BRANDS.c.id).where(
                BRANDS.c.id == brand_id, BRANDS.c.account_id == principal.account_id
            )
        )
        if found is None:
            raise ValidationFailed(
                "Unknown brand.",
                [{"field": "brand_id", "code": "unknown_brand", "message": str(brand_id)}],
            )
