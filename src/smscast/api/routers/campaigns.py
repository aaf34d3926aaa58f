"""Native /v1 campaigns: create, read (with counters), list, update, change status."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.campaigns.schemas import CampaignIn, CampaignPatch, Status

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])


@router.post("", status_code=201, dependencies=[JsonBody])
async def create_campaign(
    data: CampaignIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Create a campaign (draft unless `status: active`); name and reference are unique."""
    return json_response(201, await services.campaigns.create(principal, data))


@router.get("")
async def list_campaigns(
    principal: PrincipalDep, services: ServicesDep, status: Status | None = None
) -> Response:
    return json_response(200, {"data": await services.campaigns.list(principal, status=status)})


@router.get("/{campaign_id}")
async def get_campaign(
    campaign_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """The campaign and its counters: rows of its batches, outcomes of its messages."""
    return json_response(200, await services.campaigns.get(principal, campaign_id))


@router.patch("/{campaign_id}", dependencies=[JsonBody])
async def update_campaign(
    campaign_id: uuid.UUID, data: CampaignPatch, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Change fields; a new `status` must be allowed from the current one (409 otherwise)."""
    return json_response(200, await services.campaigns.update(principal, campaign_id, data))
