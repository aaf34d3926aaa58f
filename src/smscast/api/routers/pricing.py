"""Native /v1 pricing: the price of a segment by connector and destination country."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.senders.schemas import PriceIn

router = APIRouter(prefix="/v1/pricing", tags=["pricing"])


@router.get("")
async def list_prices(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, {"data": await services.pricing.list(principal)})


@router.put("", dependencies=[JsonBody])
async def put_price(data: PriceIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Set the price of one (connector, country) pair; "*" matches any. Lookup prefers
    (connector, country), then (connector, *), (*, country), (*, *)."""
    return json_response(200, await services.pricing.put(principal, data))


@router.delete("/{price_id}", status_code=204)
async def delete_price(
    price_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    await services.pricing.delete(principal, price_id)
    return Response(status_code=204)
