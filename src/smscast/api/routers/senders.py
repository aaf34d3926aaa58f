"""Native /v1 senders: long codes, short codes, toll-free numbers and alphanumeric names,
their approval and validity, and the contacts assigned to each (sender codes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.contacts.schemas import Members
from smscast.senders.schemas import SenderIn, SenderPatch

router = APIRouter(prefix="/v1/senders", tags=["senders"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_sender(data: SenderIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Register a sender; its kind (long_code, short_code, toll_free, alphanumeric) is
    read from the address. Alphanumeric senders cannot send to the US or Canada."""
    return json_response(201, await services.senders.create(principal, data))


@router.get("")
async def list_senders(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, {"data": await services.senders.list(principal)})


@router.get("/{sender_id}")
async def get_sender(
    sender_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.senders.get(principal, sender_id))


@router.patch("/{sender_id}", dependencies=[JsonBody])
async def update_sender(
    sender_id: uuid.UUID, data: SenderPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change the brand, approval status or validity window."""
    return json_response(200, await services.senders.update(principal, sender_id, data))


@router.delete("/{sender_id}", status_code=204)
async def delete_sender(
    sender_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    await services.senders.delete(principal, sender_id)
    return Response(status_code=204)


@router.get("/{sender_id}/contacts")
async def sender_contacts(
    sender_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The contacts assigned to this sender (a sender code sends to them)."""
    items, next_cursor = await services.senders.assigned(
        principal, sender_id, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": next_cursor})


@router.post("/{sender_id}/contacts", dependencies=[JsonBody])
async def assign_contacts(
    sender_id: uuid.UUID, data: Members, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.senders.assign(principal, sender_id, data))


@router.post("/{sender_id}/contacts/remove", dependencies=[JsonBody])
async def unassign_contacts(
    sender_id: uuid.UUID, data: Members, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.senders.unassign(principal, sender_id, data))
