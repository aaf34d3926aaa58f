"""Native /v1 lists: named recipient lists (groups) and their members."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.api.routers.batches import form_body
from smscast.contacts.schemas import ListIn, ListPatch, Members
from smscast.errors import ValidationFailed

router = APIRouter(prefix="/v1/lists", tags=["lists"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_list(data: ListIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Create a list; its name (case-sensitive) is unique in the account."""
    return json_response(201, await services.contacts.create_list(principal, data))


@router.get("")
async def list_lists(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, {"data": await services.contacts.list_lists(principal)})


@router.get("/{list_id}")
async def get_list(list_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, await services.contacts.get_list(principal, list_id))


@router.patch("/{list_id}", dependencies=[JsonBody])
async def update_list(
    list_id: uuid.UUID, data: ListPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.contacts.update_list(principal, list_id, data))


@router.delete("/{list_id}", status_code=204)
async def delete_list(
    list_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Delete the list (its contacts stay)."""
    await services.contacts.delete_list(principal, list_id)
    return Response(status_code=204)


@router.get("/{list_id}/members")
async def list_members(
    list_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    items, next_cursor = await services.contacts.list(
        principal, cursor=cursor, limit=limit, list_id=list_id
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post("/{list_id}/members", dependencies=[JsonBody])
async def add_members(
    list_id: uuid.UUID, data: Members, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Add up to 1,000 contacts by id and 1,000 by number (new numbers become contacts)."""
    return json_response(200, await services.contacts.add_members(principal, list_id, data))


@router.post("/{list_id}/members/remove", dependencies=[JsonBody])
async def remove_members(
    list_id: uuid.UUID, data: Members, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Remove contacts from the list by id or number (they stay contacts)."""
    return json_response(200, await services.contacts.remove_members(principal, list_id, data))


@router.post("/{list_id}/import")
async def import_members(
    list_id: uuid.UUID, request: Request, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Import contacts from a CSV `file` (as /v1/contacts/import) into this list."""
    await services.contacts.get_list(principal, list_id)  # 404 before reading the body
    async with form_body(request, raw_file=True) as (_, upload):
        if upload is None:
            raise ValidationFailed(
                "Send a file.", [{"field": "file", "code": "missing", "message": "no file"}]
            )
        out = await services.contacts.import_csv(principal, upload.stream, list_id)
    return json_response(200, out)
