"""Helpers of the campaign, contact, template and batch tests: a few HTTP calls each."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from smscast.services import Services
from tests.conftest import Tenant


async def campaign(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": f"c-{uuid.uuid4().hex[:8]}", **fields}
    r = await client.post("/v1/campaigns", json=body, headers=tenant.basic)
    assert r.status_code == 201, r.text
    return r.json()


async def upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    content: bytes | str,
    *,
    campaign_id: str | None = None,
    action: str | None = None,
    **fields: Any,
) -> httpx.Response:
    """POST /v1/batches with a CSV file (a new campaign unless one is given)."""
    if campaign_id is None:
        campaign_id = (await campaign(client, tenant))["id"]
    data = {"campaign_id": campaign_id, **fields}
    if action:
        data["action"] = action
    raw = content.encode() if isinstance(content, str) else content
    return await client.post(
        "/v1/batches", data=data, files={"file": ("batch.csv", raw)}, headers=tenant.basic
    )


async def created(
    client: httpx.AsyncClient, tenant: Tenant, content: bytes | str, **kw: Any
) -> dict[str, Any]:
    r = await upload(client, tenant, content, **kw)
    assert r.status_code == 201, r.text
    return r.json()


async def scheduled(
    client: httpx.AsyncClient,
    services: Services,
    tenant: Tenant,
    batch_id: str,
) -> dict[str, Any]:
    """SCHEDULE and wait for the batch's messages to be written."""
    r = await client.post(f"/v1/batches/{batch_id}/schedule", headers=tenant.basic)
    assert r.status_code == 200, r.text
    await services.batches.wait(uuid.UUID(batch_id))
    got = await client.get(f"/v1/batches/{batch_id}", headers=tenant.basic)
    return got.json()


async def errors(client: httpx.AsyncClient, tenant: Tenant, batch_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/batches/{batch_id}/errors?limit=1000", headers=tenant.basic)
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def messages(
    client: httpx.AsyncClient, tenant: Tenant, batch_id: str
) -> list[dict[str, Any]]:
    """Every message of the batch (all pages)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/v1/messages?batch_id={batch_id}&limit=200"
        r = await client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=tenant.basic)
        assert r.status_code == 200, r.text
        out += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return out


def adds_up(counts: dict[str, Any]) -> bool:
    return counts["total"] == (
        counts["valid"] + counts["invalid"] + counts["duplicates"] + counts["opted_out"]
    )
