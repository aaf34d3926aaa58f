"""Native /v1 campaigns: create, read with counters, list, update; names and references are
unique in an account; malformed requests are refused."""

from __future__ import annotations

import pytest

from tests.batches.helpers import campaign, created, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_campaign_has_its_fields_and_defaults(client, tenant: Tenant):
    c = await campaign(client, tenant, reference="spring-2024", description="Spring")
    assert c["traffic"] == "marketing"
    assert c["status"] == "draft"
    assert c["subscription_required"] is False
    got = (await client.get(f"/v1/campaigns/{c['id']}", headers=tenant.basic)).json()
    assert got["reference"] == "spring-2024"
    assert got["counts"]["batches"] == 0
    listed = (await client.get("/v1/campaigns", headers=tenant.basic)).json()["data"]
    assert c["id"] in [x["id"] for x in listed]
    drafts = (await client.get("/v1/campaigns?status=active", headers=tenant.basic)).json()
    assert c["id"] not in [x["id"] for x in drafts["data"]]


async def test_names_and_references_are_unique_per_account(client, tenant: Tenant, other_tenant):
    await campaign(client, tenant, name="Welcome", reference="ref-1")
    for body in ({"name": "Welcome"}, {"name": "Other", "reference": "ref-1"}):
        r = await client.post("/v1/campaigns", json=body, headers=tenant.basic)
        assert r.status_code == 409
    r = await client.post(
        "/v1/campaigns", json={"name": "Welcome", "reference": "ref-1"}, headers=other_tenant.basic
    )
    assert r.status_code == 201


async def test_the_counters_sum_its_batches_and_messages(client, services, tenant: Tenant):
    c = await campaign(client, tenant)
    for csv in ("+14155550100,a\nbad,b\n", "+14155550101,c\n+14155550101,d\n"):
        batch = await created(client, tenant, csv, campaign_id=c["id"])
        await scheduled(client, services, tenant, batch["id"])
    counts = (await client.get(f"/v1/campaigns/{c['id']}", headers=tenant.basic)).json()["counts"]
    assert counts["batches"] == 2
    assert (counts["total"], counts["valid"], counts["invalid"], counts["duplicates"]) == (
        4,
        2,
        1,
        1,
    )
    assert (counts["messages"], counts["queued"]) == (2, 2)


async def test_a_campaign_can_be_updated(client, tenant: Tenant):
    c = await campaign(client, tenant)
    r = await client.patch(
        f"/v1/campaigns/{c['id']}",
        json={"description": "new", "traffic": "transactional", "subscription_required": True},
        headers=tenant.basic,
    )
    assert r.status_code == 200
    got = r.json()
    assert (got["description"], got["traffic"], got["subscription_required"]) == (
        "new", "transactional", True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 201}, 422, "name"),
        ({"name": "a", "reference": "has spaces"}, 422, "reference"),
        ({"name": "a", "traffic": "spam"}, 422, "traffic"),
        ({"name": "a", "status": "paused"}, 422, "status"),
        ({"name": "a", "brand_id": "not-a-uuid"}, 422, "brand_id"),
        ({"name": "a", "brand_id": "01a20000-0000-7000-8000-000000000000"}, 422, "brand_id"),
        ({"name": "a", "default_sender_id": "01a20000-0000-7000-8000-000000000000"}, 422,
         "default_sender_id"),
        ({"name": "a", "surprise": 1}, 422, "surprise"),
        ({"name": 5}, 422, "name"),
    ],
)  # fmt: skip
async def test_malformed_campaigns_are_refused(client, tenant: Tenant, body, status, field):
    r = await client.post("/v1/campaigns", json=body, headers=tenant.basic)
    assert r.status_code == status, r.text
    assert field in {e["field"] for e in r.json()["errors"]}


async def test_malformed_bodies(client, tenant: Tenant):
    r = await client.post(
        "/v1/campaigns", content=b"{", headers={**tenant.basic, "content-type": "application/json"}
    )
    assert r.status_code == 400
    r = await client.post(
        "/v1/campaigns", content=b"name=x", headers={**tenant.basic, "content-type": "text/plain"}
    )
    assert r.status_code == 415
    assert (await client.get("/v1/campaigns/nope", headers=tenant.basic)).status_code == 422
    r = await client.patch(
        "/v1/campaigns/01a20000-0000-7000-8000-000000000000", json={}, headers=tenant.basic
    )
    assert r.status_code == 404
    assert (await client.get("/v1/campaigns")).status_code == 401
    r = await client.get("/v1/campaigns?status=bogus", headers=tenant.basic)
    assert r.status_code == 422
