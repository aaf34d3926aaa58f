"""An account's own connectors (bring your own carrier), over the API."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from smscast.api.deps import JsonBody, PrincipalDep, ServicesDep, json_response
from smscast.connectors.service import ConnectorService, public_view

router = APIRouter(prefix="/v1/connectors", tags=["connectors"])


class ConnectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    kind: str = "smpp"
    options: dict[str, Any] = Field(default_factory=dict, max_length=40)
    tps: float | None = None
    sps: float | None = None
    default: bool = False
    rules: list[dict[str, str]] = Field(default_factory=list, max_length=100)
    priority: int = Field(100, ge=0, le=10_000)


@router.post("", status_code=201, dependencies=[JsonBody])
async def add_connector(
    body: ConnectorIn, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Add a connector that carries only this account's messages."""
    row = await ConnectorService(services.db).add(
        body.name,
        body.kind,
        body.options,
        account_id=principal.account_id,
        tps=body.tps,
        sps=body.sps,
        default=body.default,
        rules=body.rules,
        priority=body.priority,
    )
    return json_response(201, public_view(row))


@router.get("")
async def list_connectors(principal: PrincipalDep, services: ServicesDep) -> Response:
    """This account's connectors (passwords hidden)."""
    rows = await ConnectorService(services.db).list(account_id=principal.account_id)
    return json_response(200, {"data": [public_view(r) for r in rows]})


@router.get("/{connector_id}")
async def get_connector(
    connector_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    row = await ConnectorService(services.db).get(connector_id, account_id=principal.account_id)
    return json_response(200, public_view(row))


@router.delete("/{connector_id}", status_code=204)
async def remove_connector(
    connector_id: uuid.UUID, principal: PrincipalDep, services: ServicesDep
) -> Response:
    """Disable one of this account's connectors."""
    await ConnectorService(services.db).remove(str(connector_id), account_id=principal.account_id)
    return Response(status_code=204)
