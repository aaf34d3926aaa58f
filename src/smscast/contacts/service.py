"""Contacts and named recipient lists: CRUD, bulk membership, CSV import."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.contacts.models import CONTACTS, LISTS, MEMBERS
from smscast.contacts.schemas import ContactIn, ContactPatch, ListIn, ListPatch, Members
from smscast.db import Database, new_id, utcnow
from smscast.errors import Conflict, FieldError, NotFound, ValidationFailed
from smscast.messages.service import decode_cursor, encode_cursor
from smscast.numbers import InvalidNumber, normalise
from smscast.scheduling.zones import zone

__all__ = ["ContactService", "check_zone", "contact_out", "list_out"]

C = CONTACTS
Ids = list[uuid.UUID]
Items = list[dict[str, Any]]
FieldErrors = list[FieldError]
L = LISTS
M = MEMBERS
_PAGE = 1000


def contact_out(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "number": r["number"],
        "attributes": r["attributes"] or {},
        "time_zone": r["time_zone"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


def list_out(r: Any, members: int) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "description": r["description"],
        "members": members,
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


def check_zone(name: str | None, field: str = "time_zone") -> str | None:
    """An IANA zone name as given, or ValidationFailed."""
    if name is None:
        return None
    try:
        zone(name)
    except ValueError:
        raise ValidationFailed(
            "Unknown time zone.",
            [{"field": field, "code": "invalid_time_zone", "message": f"unknown zone {name!r}"}],
        ) from None
    return name


def _number(raw: str, region: str, field: str = "number") -> str:
    try:
        return normalise(raw, region)
    except InvalidNumber as exc:
        raise ValidationFailed(
            "Invalid number.", [{"field": field, "code": "invalid_number", "message": str(exc)}]
        ) from None


class ContactService:
    def __init__(self, db: Database):
        self.db = db

    # -- contacts ------------------------------------------------------------------------

    async def create(self, principal: Principal, data: ContactIn) -> dict[str, Any]:
        number = _number(data.number, principal.default_region)
        check_zone(data.time_zone)
        now = utcnow()
        cid = new_id()
        row = {
            "id": cid,
            "account_id": principal.account_id,
            "number": number,
            "attributes": data.attributes,
            "time_zone": data.time_zone,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.db.begin() as conn:
                if data.list_ids:
                    await self.check_lists(conn, principal, data.list_ids)
                await conn.execute(C.insert(), row)
                if data.list_ids:
                    await self._add(conn, data.list_ids, [cid], now)
        except IntegrityError:
            raise Conflict(
                f"A contact with the number {number} already exists.", code="duplicate-number"
            ) from None
        return contact_out(row)

    async def get(self, principal: Principal, contact_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            return contact_out((await self._contact(conn, principal, contact_id))._mapping)

    async def list(
        self,
        principal: Principal,
        *,
        cursor: str | None,
        limit: int,
        number: str | None = None,
        list_id: uuid.UUID | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; follow `next_cursor`."""
        conds = [C.c.account_id == principal.account_id]
        if cursor:
            conds.append(C.c.id < decode_cursor(cursor))
        if number:
            conds.append(C.c.number == _number(number, principal.default_region))
        query = select(C)
        if list_id is not None:
            query = query.join(M, and_(M.c.contact_id == C.c.id, M.c.list_id == list_id))
        query = query.where(*conds).order_by(C.c.id.desc()).limit(limit + 1)
        async with self.db.begin() as conn:
            if list_id is not None:
                await self._list(conn, principal, list_id)
            rows = (await conn.execute(query)).all()
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return [contact_out(r._mapping) for r in rows[:limit]], next_cursor

    async def update(
        self, principal: Principal, contact_id: uuid.UUID, data: ContactPatch
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            await self._contact(conn, principal, contact_id)
            values: dict[str, Any] = {"updated_at": utcnow()}
            if "attributes" in data.model_fields_set and data.attributes is not None:
                values["attributes"] = data.attributes
            if "time_zone" in data.model_fields_set:
                values["time_zone"] = check_zone(data.time_zone)
            await conn.execute(update(C).where(C.c.id == contact_id).values(**values))
            return contact_out((await self._contact(conn, principal, contact_id))._mapping)

    async def delete(self, principal: Principal, contact_id: uuid.UUID) -> None:
        async with self.db.begin() as conn:
            await self._contact(conn, principal, contact_id)
            await conn.execute(delete(C).where(C.c.id == contact_id))

    async def resolve(self, conn: AsyncConnection, principal: Principal, members: Members) -> Ids:
        """Ids of the contacts named by id (must be the account's) or by number (created
        when new); ValidationFailed names every bad one."""
        errors: FieldErrors = []
        numbers: dict[str, dict[str, Any]] = {}
        for i, raw in enumerate(members.numbers):
            try:
                numbers[normalise(raw, principal.default_region)] = {}
            except InvalidNumber as exc:
                errors.append(
                    {"field": f"numbers.{i}", "code": "invalid_number", "message": str(exc)}
                )
        ids = [*dict.fromkeys(members.contact_ids)]
        if ids:
            found = set(
                (
                    await conn.execute(
                        select(C.c.id).where(
                            C.c.account_id == principal.account_id, C.c.id.in_(ids)
                        )
                    )
                ).scalars()
            )
            errors += [
                {"field": f"contact_ids.{i}", "code": "unknown_contact", "message": str(cid)}
                for i, cid in enumerate(members.contact_ids)
                if cid not in found
            ]
        if errors:
            raise ValidationFailed("Some contacts are not valid.", errors)
        if not ids and not numbers:
            raise ValidationFailed(
                "Name at least one contact.",
                [
                    {
                        "field": "contact_ids",
                        "code": "missing",
                        "message": "give contact_ids or numbers",
                    }
                ],
            )
        by_number, _, _ = await self.upsert(conn, principal.account_id, numbers, merge=True)
        return [*dict.fromkeys([*ids, *by_number.values()])]

    async def upsert(
        self,
        conn: AsyncConnection,
        account_id: uuid.UUID,
        entries: dict[str, dict[str, Any]],
        *,
        merge: bool,
        zones: dict[str, str | None] | None = None,
    ) -> tuple[dict[str, uuid.UUID], int, int]:
        """Create missing contacts, merge attributes into existing ones (when `merge`).

        Returns (number -> id, created, updated). Safe against a concurrent import of the same
        numbers: inserts skip conflicts and the ids are read back.
        """
        if not entries:
            return {}, 0, 0
        zones = zones or {}
        now = utcnow()
        numbers = list(entries)
        old = {
            r.number: r
            for r in await conn.execute(
                select(C.c.id, C.c.number, C.c.attributes, C.c.time_zone).where(
                    C.c.account_id == account_id, C.c.number.in_(numbers)
                )
            )
        }
        fresh = [
            {
                "id": new_id(),
                "account_id": account_id,
                "number": n,
                "attributes": entries[n],
                "time_zone": zones.get(n),
                "created_at": now,
                "updated_at": now,
            }
            for n in numbers
            if n not in old
        ]
        if fresh:
            await conn.execute(self._insert_ignore(), fresh)
        changes = []
        for n, r in old.items():
            attrs = {**(r.attributes or {}), **entries[n]} if merge else r.attributes
            tz = zones.get(n) or r.time_zone
            if attrs != r.attributes or tz != r.time_zone:
                changes.append({"b_id": r.id, "b_attrs": attrs, "b_tz": tz, "b_now": now})
        if changes:
            await conn.execute(
                update(C)
                .where(C.c.id == bindparam("b_id"))
                .values(
                    attributes=bindparam("b_attrs"),
                    time_zone=bindparam("b_tz"),
                    updated_at=bindparam("b_now"),
                ),
                changes,
            )
        ids = {
            r.number: r.id
            for r in await conn.execute(
                select(C.c.id, C.c.number).where(
                    C.c.account_id == account_id, C.c.number.in_(numbers)
                )
            )
        }
        created = sum(1 for f in fresh if ids.get(f["number"]) == f["id"])
        return ids, created, len(changes)

    def _insert_ignore(self) -> Any:
        dialect = postgresql if self.db.is_postgres else sqlite
        return dialect.insert(C).on_conflict_do_nothing(index_elements=["account_id", "number"])

    async def import_csv(
        self, principal: Principal, stream: BinaryIO, list_id: uuid.UUID | None = None
    ) -> dict[str, Any]:
        """Create or update contacts from a CSV file with a header (see importer)."""
        from smscast.contacts.importer import import_contacts

        if list_id is not None:
            async with self.db.begin() as conn:
                await self._list(conn, principal, list_id)
        return await import_contacts(self, principal, stream, list_id)

    async def _contact(self, conn: AsyncConnection, principal: Principal, cid: uuid.UUID) -> Any:
        row = (
            await conn.execute(
                select(C).where(C.c.id == cid, C.c.account_id == principal.account_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such contact.")
        return row

    # -- lists ---------------------------------------------------------------------------

    async def create_list(self, principal: Principal, data: ListIn) -> dict[str, Any]:
        now = utcnow()
        row = {
            "id": new_id(),
            "account_id": principal.account_id,
            "name": data.name,
            "description": data.description,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.db.begin() as conn:
                await conn.execute(L.insert(), row)
        except IntegrityError:
            raise _duplicate_list(data.name) from None
        return list_out(row, 0)

    async def get_list(self, principal: Principal, list_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            row = await self._list(conn, principal, list_id)
            count = await conn.scalar(select(func.count()).where(M.c.list_id == list_id))
        return list_out(row._mapping, count or 0)

    async def list_lists(self, principal: Principal) -> Items:
        counts = select(M.c.list_id, func.count().label("n")).group_by(M.c.list_id).subquery()
        query = (
            select(L, func.coalesce(counts.c.n, 0).label("members"))
            .outerjoin(counts, counts.c.list_id == L.c.id)
            .where(L.c.account_id == principal.account_id)
            .order_by(L.c.name)
        )
        async with self.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        return [list_out(r._mapping, r.members) for r in rows]

    async def update_list(
        self, principal: Principal, list_id: uuid.UUID, data: ListPatch
    ) -> dict[str, Any]:
        values: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
        values["updated_at"] = utcnow()
        try:
            async with self.db.begin() as conn:
                await self._list(conn, principal, list_id)
                await conn.execute(update(L).where(L.c.id == list_id).values(**values))
        except IntegrityError:
            raise _duplicate_list(values.get("name", "")) from None
        return await self.get_list(principal, list_id)

    async def delete_list(self, principal: Principal, list_id: uuid.UUID) -> None:
        async with self.db.begin() as conn:
            await self._list(conn, principal, list_id)
            await conn.execute(delete(M).where(M.c.list_id == list_id))
            await conn.execute(delete(L).where(L.c.id == list_id))

    async def add_members(
        self, principal: Principal, list_id: uuid.UUID, members: Members
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            await self._list(conn, principal, list_id)
            ids = await self.resolve(conn, principal, members)
            before = await conn.scalar(select(func.count()).where(M.c.list_id == list_id)) or 0
            await self._add(conn, [list_id], ids, utcnow())
            after = await conn.scalar(select(func.count()).where(M.c.list_id == list_id)) or 0
        return {"added": after - before, "members": after}

    async def remove_members(
        self, principal: Principal, list_id: uuid.UUID, members: Members
    ) -> dict[str, Any]:
        async with self.db.begin() as conn:
            await self._list(conn, principal, list_id)
            ids: Ids = [*members.contact_ids]
            numbers: builtins.list[str] = []
            for i, raw in enumerate(members.numbers):
                numbers.append(_number(raw, principal.default_region, f"numbers.{i}"))
            if numbers:
                ids += (
                    await conn.execute(
                        select(C.c.id).where(
                            C.c.account_id == principal.account_id, C.c.number.in_(numbers)
                        )
                    )
                ).scalars()
            removed = 0
            if ids:
                result = await conn.execute(
                    delete(M).where(M.c.list_id == list_id, M.c.contact_id.in_(ids))
                )
                removed = result.rowcount or 0
            after = await conn.scalar(select(func.count()).where(M.c.list_id == list_id)) or 0
        return {"removed": removed, "members": after}

    async def _add(
        self,
        conn: AsyncConnection,
        list_ids: Iterable[uuid.UUID],
        contact_ids: Ids,
        now: datetime,
    ) -> None:
        dialect = postgresql if self.db.is_postgres else sqlite
        stmt = dialect.insert(M).on_conflict_do_nothing(index_elements=["list_id", "contact_id"])
        for list_id in list_ids:
            for start in range(0, len(contact_ids), _PAGE):
                page = contact_ids[start : start + _PAGE]
                await conn.execute(
                    stmt, [{"list_id": list_id, "contact_id": c, "created_at": now} for c in page]
                )

    async def check_lists(self, conn: AsyncConnection, principal: Principal, list_ids: Ids) -> None:
        """ValidationFailed naming each list that is not the account's."""
        found = set(
            (
                await conn.execute(
                    select(L.c.id).where(
                        L.c.account_id == principal.account_id, L.c.id.in_(list_ids)
                    )
                )
            ).scalars()
        )
        bad = [
            {"field": f"list_ids.{i}", "code": "unknown_list", "message": str(x)}
            for i, x in enumerate(list_ids)
            if x not in found
        ]
        if bad:
            raise ValidationFailed("Unknown list.", bad)

    async def _list(self, conn: AsyncConnection, principal: Principal, list_id: uuid.UUID) -> Any:
        row = (
            await conn.execute(
                select(L).where(L.c.id == list_id, L.c.account_id == principal.account_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such list.")
        return row


def _duplicate_list(name: str) -> Conflict:
    return Conflict(f"A list named {name!r} already exists.", code="duplicate-name")
