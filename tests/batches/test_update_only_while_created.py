"""A CREATED batch can be updated and its file replaced; nothing else can (409)."""

from __future__ import annotations

import pytest

from tests.batches.helpers import campaign, created, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_created_batch_takes_new_fields_and_a_new_file(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n", action="VALIDATE")
    r = await client.patch(
        f"/v1/batches/{batch['id']}",
        data={"description": "Spring Sale", "external_id": "a7896", "action": "VALIDATE"},
        files={"file": ("new.csv", b"+14155550100,one\n+14155550101,two\nbad,x\n")},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["description"], got["external_id"]) == ("Spring Sale", "a7896")
    assert got["file"]["name"] == "new.csv"
    assert (got["counts"]["total"], got["counts"]["valid"]) == (3, 2)
    assert got["status"] == "CREATED"


async def test_the_file_alone_can_be_replaced(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n")
    r = await client.put(
        f"/v1/batches/{batch['id']}/file",
        files={"file": ("b.csv", b"+14155550100,a\n+14155550101,b\n")},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    assert r.json()["file"]["rows"] == 2
    raw = await client.put(
        f"/v1/batches/{batch['id']}/file",
        content=b"+14155550102,c\n",
        headers={**tenant.basic, "content-type": "text/csv"},
    )
    assert raw.status_code == 200, raw.text
    assert raw.json()["file"]["rows"] == 1


async def test_a_patch_in_json_changes_fields(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n")
    r = await client.patch(
        f"/v1/batches/{batch['id']}", json={"description": "json"}, headers=tenant.basic
    )
    assert r.status_code == 200, r.text
    assert r.json()["description"] == "json"


async def test_a_scheduled_batch_cannot_be_updated(client, services, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n")
    await scheduled(client, services, tenant, batch["id"])
    patch = await client.patch(
        f"/v1/batches/{batch['id']}", data={"description": "late"}, headers=tenant.basic
    )
    assert patch.status_code == 409
    assert patch.json()["type"].endswith("/batch-not-updatable")
    put = await client.put(
        f"/v1/batches/{batch['id']}/file",
        files={"file": ("b.csv", b"+14155550101,b\n")},
        headers=tenant.basic,
    )
    assert put.status_code == 409
    again = await client.post(f"/v1/batches/{batch['id']}/schedule", headers=tenant.basic)
    assert again.status_code == 409
    validate = await client.post(f"/v1/batches/{batch['id']}/validate", headers=tenant.basic)
    assert validate.status_code == 409


async def test_a_cancelled_batch_cannot_be_updated(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n")
    assert (await client.post(f"/v1/batches/{batch['id']}/cancel", headers=tenant.basic)).json()[
        "status"
    ] == "CANCELLED"
    r = await client.patch(
        f"/v1/batches/{batch['id']}", json={"description": "x"}, headers=tenant.basic
    )
    assert r.status_code == 409


async def test_an_update_is_checked_like_a_create(client, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,one\n")
    other = await campaign(client, tenant)
    r = await client.patch(
        f"/v1/batches/{batch['id']}",
        json={"start_date": "2001-01-01", "campaign_id": other["id"]},
        headers=tenant.basic,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "start_date"
