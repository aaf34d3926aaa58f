"""Brands: an account runs several, each with its help text and opt-out scope."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_brand_is_created_read_updated_and_deleted(client, tenant: Tenant):
    r = await client.post(
        "/v1/brands",
        json={"name": "Acme Shoes", "help_text": "Reply STOP to end", "optout_scope": "brand"},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    brand = r.json()
    assert brand["optout_scope"] == "brand"
    r = await client.patch(
        f"/v1/brands/{brand['id']}", json={"help_text": "Call 555"}, headers=tenant.basic
    )
    assert r.json()["help_text"] == "Call 555"
    assert r.json()["optout_scope"] == "brand"
    listed = (await client.get("/v1/brands", headers=tenant.basic)).json()["data"]
    assert [b["name"] for b in listed] == ["Acme Shoes"]
    assert (
        await client.delete(f"/v1/brands/{brand['id']}", headers=tenant.basic)
    ).status_code == 204
    assert (await client.get(f"/v1/brands/{brand['id']}", headers=tenant.basic)).status_code == 404


async def test_each_brand_has_its_own_senders_and_campaigns(client, tenant: Tenant):
    brand = (await client.post("/v1/brands", json={"name": "B"}, headers=tenant.basic)).json()
    s = await client.post(
        "/v1/senders", json={"address": "BSHOES", "brand_id": brand["id"]}, headers=tenant.basic
    )
    assert s.json()["brand_id"] == brand["id"]
    c = await client.post(
        "/v1/campaigns", json={"name": "b1", "brand_id": brand["id"]}, headers=tenant.basic
    )
    assert c.json()["brand_id"] == brand["id"]
    r = await client.delete(f"/v1/brands/{brand['id']}", headers=tenant.basic)
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "x", "optout_scope": "world"}, "optout_scope"),
        ({"name": "x", "help_text": "h" * 1001}, "help_text"),
        ({"name": "x", "extra": True}, "extra"),
    ],
)
async def test_malformed_brands_are_refused(client, tenant: Tenant, body, field):
    r = await client.post("/v1/brands", json=body, headers=tenant.basic)
    assert r.status_code == 422
    assert field in {e["field"] for e in r.json()["errors"]}


async def test_brand_names_are_unique(client, tenant: Tenant):
    await client.post("/v1/brands", json={"name": "Same"}, headers=tenant.basic)
    r = await client.post("/v1/brands", json={"name": "Same"}, headers=tenant.basic)
    assert r.status_code == 409
