"""Templates: create (placeholders checked), read, list, update, delete, preview."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.accounts.service import Principal
from smscast.contacts.models import CONTACTS
from smscast.db import Database, new_id, utcnow
from smscast.encoding import analyze
from smscast.errors import Conflict, NotFound, ValidationFailed
from smscast.numbers import InvalidNumber, normalise
from smscast.templates.models import TEMPLATES
from smscast.templates.render import Compiled, compile_body, render
from smscast.templates.schemas import PreviewIn, TemplateIn, TemplatePatch

__all__ = ["TemplateService", "compiled_or_422", "template_out"]

T = TEMPLATES


def template_out(r: Any) -> dict[str, Any]:
    """A template row (anything with attribute access) as the API shows it."""
    compiled, _ = compile_body(r.body, r.attributes or [])
    return {
        "id": r.id,
        "name": r.name,
        "body": r.body,
        "attributes": r.attributes or [],
        "placeholders": [{"name": p.name, "default": p.default} for p in compiled.placeholders],
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def compiled_or_422(body: str, declared: list[str]) -> Compiled:
    compiled, problems = compile_body(body, declared)
    if problems:
        raise ValidationFailed(
            "The template is not valid.",
            [{"field": "body", "code": p.code, "message": p.message} for p in problems],
        )
    return compiled


class TemplateService:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, principal: Principal, data: TemplateIn) -> dict[str, Any]:
        compiled_or_422(data.body, data.attributes)
        now = utcnow()
        row = {
            "id": new_id(),
            "account_id": principal.account_id,
            "name": data.name,
            "body": data.body,
            "attributes": data.attributes,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.db.begin() as conn:
                await conn.execute(T.insert(), row)
        except IntegrityError:
            raise _duplicate(data.name) from None
        return await self.get(principal, cast(uuid.UUID, row["id"]))

    async def get(self, principal: Principal, template_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            return template_out(await self.row(conn, principal, template_id))

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        query = select(T).where(T.c.account_id == principal.account_id).order_by(T.c.name)
        async with self.db.begin() as conn:
            return [template_out(r) for r in (await conn.execute(query)).all()]

    async def update(
        self, principal: Principal, template_id: uuid.UUID, data: TemplatePatch
    ) -> dict[str, Any]:
        values = data.model_dump(exclude_unset=True, exclude_none=True)
        try:
            async with self.db.begin() as conn:
                old = await self.row(conn, principal, template_id)
                compiled_or_422(
                    values.get("body", old.body), values.get("attributes", old.attributes or [])
                )
                values["updated_at"] = utcnow()
                await conn.execute(update(T).where(T.c.id == template_id).values(**values))
        except IntegrityError:
            raise _duplicate(values.get("name", "")) from None
        return await self.get(principal, template_id)

    async def delete(self, principal: Principal, template_id: uuid.UUID) -> None:
        from smscast.batches.models import BATCHES

        async with self.db.begin() as conn:
            await self.row(conn, principal, template_id)
            if await conn.scalar(select(exists().where(BATCHES.c.template_id == template_id))):
                raise Conflict("Batches use this template.", code="template-in-use")
            await conn.execute(delete(T).where(T.c.id == template_id))

    async def preview(
        self, principal: Principal, template_id: uuid.UUID, data: PreviewIn
    ) -> dict[str, Any]:
        """Render the template for one contact; `missing` lists what it lacked."""
        async with self.db.begin() as conn:
            tpl = await self.row(conn, principal, template_id)
            values: dict[str, Any] = {}
            contact = None
            if data.contact_id is not None or data.number is not None:
                contact, values = await self._contact(conn, principal, data)
        values.update(data.values())
        compiled, _ = compile_body(tpl.body, tpl.attributes or [])
        body, missing = render(compiled, values)
        info = analyze(body)
        return {
            "template_id": tpl.id,
            "contact_id": contact.id if contact is not None else None,
            "body": body,
            "missing": missing,
            "encoding": info.encoding,
            "characters": info.characters,
            "segments": info.segments,
        }

    async def _contact(
        self, conn: AsyncConnection, principal: Principal, data: PreviewIn
    ) -> tuple[Any, dict[str, Any]]:
        """The contact to render for and its values; a number that is no contact's renders
        with the number alone."""
        C = CONTACTS
        if data.contact_id is not None:
            row = (
                await conn.execute(
                    select(C).where(
                        C.c.account_id == principal.account_id, C.c.id == data.contact_id
                    )
                )
            ).first()
            if row is None:
                raise ValidationFailed(
                    "No such contact.",
                    [{"field": "contact_id", "code": "unknown_contact", "message": "not found"}],
                )
            return row, {**(row.attributes or {}), "number": row.number}
        assert data.number is not None
        try:
            number = normalise(data.number, principal.default_region)
        except InvalidNumber as exc:
            raise ValidationFailed(
                "Invalid number.",
                [{"field": "number", "code": "invalid_number", "message": str(exc)}],
            ) from None
        row = (
            await conn.execute(
                select(C).where(C.c.account_id == principal.account_id, C.c.number == number)
            )
        ).first()
        if row is None:
            return None, {"number": number}
        return row, {**(row.attributes or {}), "number": row.number}

    async def row(self, conn: AsyncConnection, principal: Principal, template_id: uuid.UUID) -> Any:
        row = (
            await conn.execute(
                select(T).where(T.c.id == template_id, T.c.account_id == principal.account_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such template.")
        return row


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A template named {name!r} already exists.", code="duplicate-name")
