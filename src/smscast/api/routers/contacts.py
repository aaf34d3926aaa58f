"""Native /v1 contacts: numbers with attributes and a time zone; CSV import."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.api.routers.batches import form_body
from smscast.contacts.schemas import ContactIn, ContactPatch
from smscast.errors import ValidationFailed

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_contact(
    data: ContactIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create a contact (its number unique in the account), optionally in lists."""
    return json_response(201, await services.contacts.create(principal, data))


@router.get("")
async def list_contacts(
    principal: PrincipalDep,
    services: ServicesDep,
    number: Annotated[str | None, Query(max_length=32)] = None,
    list_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Contacts, newest first; filter by number or list; follow `next_cursor`."""
    items, next_cursor = await services.contacts.list(
        principal, cursor=cursor, limit=limit, number=number, list_id=list_id
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post("/import")
async def import_contacts(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create or update contacts from a CSV `file` with a header: `number` (required),
    `time_zone`, and any other column as an attribute; `list_id` adds them to a list."""
    async with form_body(request, raw_file=True) as (fields, upload):
        if upload is None:
            raise ValidationFailed(
                "Send a file.", [{"field": "file", "code": "missing", "message": "no file"}]
            )
        list_id = None
        if fields.get("list_id"):
            try:
                list_id = uuid.UUID(str(fields["list_id"]))
            except ValueError:
                raise ValidationFailed(
                    "Invalid list id.",
                    [{"field": "list_id", "code": "uuid_parsing", "message": "not a UUID"}],
                ) from None
        out = await services.contacts.import_csv(principal, upload.stream, list_id)
    return json_response(200, out)


@router.get("/{contact_id}")
async def get_contact(
    contact_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.contacts.get(principal, contact_id))


@router.patch("/{contact_id}", dependencies=[JsonBody])
async def update_contact(
    contact_id: uuid.UUID, data: ContactPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change attributes (the whole set) or the time zone (null clears it)."""
    return json_response(200, await services.contacts.update(principal, contact_id, data))


@router.delete("/{contact_id}", status_code=204)
async def delete_contact(
    contact_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    await services.contacts.delete(principal, contact_id)
    return Response(status_code=204)
