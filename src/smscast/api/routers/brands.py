"""Native /v1 brands: an account's brands, each with its help text and opt-out scope."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.brands.schemas import BrandIn, BrandPatch

router = APIRouter(prefix="/v1/brands", tags=["brands"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_brand(data: BrandIn, principal: PrincipalDep, services: ServicesDep) -> Response:
    """Create a brand; its name is unique in the account."""
    return json_response(201, await services.brands.create(principal, data))


@router.get("")
async def list_brands(principal: PrincipalDep, services: ServicesDep) -> Response:
    return json_response(200, {"data": await services.brands.list(principal)})


@router.get("/{brand_id}")
async def get_brand(
    brand_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.brands.get(principal, brand_id))


@router.patch("/{brand_id}", dependencies=[JsonBody])
async def update_brand(
    brand_id: uuid.UUID, data: BrandPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    return json_response(200, await services.brands.update(principal, brand_id, data))


@router.delete("/{brand_id}", status_code=204)
async def delete_brand(
    brand_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Delete a brand no campaign or sender uses (409 otherwise)."""
    await services.brands.delete(principal, brand_id)
    return Response(status_code=204)
