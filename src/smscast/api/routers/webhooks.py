"""Native /v1 webhooks: endpoints and their secrets, deliveries, the dead list, replays."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.webhooks.events import EVENT_TYPES
from smscast.webhooks.schemas import EndpointIn, EndpointPatch, ReplayIn, RotateIn
from smscast.webhooks.service import DeliveryFilters

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Cursor = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/events")
async def list_event_types(principal: PrincipalDep) -> Response:
    """Every event type an endpoint can subscribe to."""
    return json_response(200, {"data": list(EVENT_TYPES)})


@router.post("/endpoints", status_code=201, dependencies=[JsonBody])
async def create_endpoint(
    body: EndpointIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create an endpoint. The answer holds its signing `secret`: it is shown only once."""
    out = await services.webhooks.create_endpoint(
        principal.account_id, url=body.url, events=body.events, description=body.description
    )
    return json_response(201, out)


@router.get("/endpoints")
async def list_endpoints(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(
        200, {"data": await services.webhooks.list_endpoints(principal.account_id)}
    )


@router.get("/endpoints/{endpoint_id}")
async def get_endpoint(
    endpoint_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(
        200, await services.webhooks.get_endpoint(principal.account_id, endpoint_id)
    )


@router.patch("/endpoints/{endpoint_id}", dependencies=[JsonBody])
async def update_endpoint(
    endpoint_id: uuid.UUID, body: EndpointPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change the URL, events, description; `enabled: false` ends its pending deliveries."""
    out = await services.webhooks.update_endpoint(
        principal.account_id,
        endpoint_id,
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
    )
    return json_response(200, out)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
async def delete_endpoint(
    endpoint_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    await services.webhooks.delete_endpoint(principal.account_id, endpoint_id)
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/rotate-secret")
async def rotate_endpoint_secret(
    endpoint_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    body: RotateIn | None = None,
) -> Response:
    """A new secret (shown once); the old one also signs until `previous_secret_expires_at`."""
    out = await services.webhooks.rotate_endpoint_secret(
        principal.account_id, endpoint_id, overlap_s=body.overlap_s if body else None
    )
    return json_response(200, out)


@router.get("/endpoints/{endpoint_id}/attempts")
async def list_endpoint_attempts(
    endpoint_id: uuid.UUID,
    principal: PrincipalDep,
    services: ServicesDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """The endpoint's delivery log: each attempt's status code, latency and error."""
    items, nxt = await services.webhooks.list_attempts(
        principal.account_id, endpoint_id, cursor=cursor, limit=limit
    )
    return json_response(200, {"data": items, "next_cursor": nxt})


@router.get("/deliveries")
async def list_deliveries(
    principal: PrincipalDep,
    services: ServicesDep,
    state: Annotated[str | None, Query(max_length=16)] = None,
    endpoint_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """Deliveries (one event to one destination), newest first."""
    items, nxt = await services.webhooks.list_deliveries(
        principal.account_id,
        DeliveryFilters(state, endpoint_id, message_id, type),
        cursor=cursor,
        limit=limit,
    )
    return json_response(200, {"data": items, "next_cursor": nxt})


@router.get("/deliveries/{delivery_id}")
async def get_delivery(
    delivery_id: int, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """One delivery, its payload and every attempt."""
    return json_response(
        200, await services.webhooks.get_delivery(principal.account_id, delivery_id)
    )


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
async def replay_delivery(
    delivery_id: int, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Send a dead or delivered delivery again (same event id; receivers deduplicate)."""
    return json_response(202, await services.webhooks.replay(principal.account_id, delivery_id))


@router.get("/dead")
async def list_dead(
    principal: PrincipalDep,
    services: ServicesDep,
    endpoint_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    """Deliveries that gave up (retry horizon passed, or a permanent refusal)."""
    items, nxt = await services.webhooks.list_deliveries(
        principal.account_id,
        DeliveryFilters("dead", endpoint_id),
        cursor=cursor,
        limit=limit,
    )
    return json_response(200, {"data": items, "next_cursor": nxt})


@router.post("/dead/replay", status_code=202)
async def replay_dead(
    principal: PrincipalDep, services: ServicesDep, body: ReplayIn | None = None
) -> Response:
    """Replay dead deliveries: all, an endpoint's, some ids, or those since a time."""
    body = body or ReplayIn()
    count = await services.webhooks.replay_dead(
        principal.account_id, endpoint_id=body.endpoint_id, ids=body.ids, since=body.since
    )
    return json_response(202, {"replayed": count})


@router.get("/callback-secret")
async def get_callback_secret(principal: PrincipalDep, services: ServicesDep) -> Response:
    """The secret that signs per-message callback_url calls (made on first use)."""
    return json_response(200, await services.webhooks.callback_secret(principal.account_id))


@router.post("/callback-secret/rotate")
async def rotate_callback_secret(
    principal: PrincipalDep, services: ServicesDep, body: RotateIn | None = None
) -> Response:
    out = await services.webhooks.rotate_callback_secret(
        principal.account_id, overlap_s=body.overlap_s if body else None
    )
    return json_response(200, out)
