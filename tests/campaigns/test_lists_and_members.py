"""Named recipient lists and their members: bulk add and remove by id or number."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_members_are_added_listed_and_removed_in_bulk(client, tenant: Tenant):
    lst = (await client.post("/v1/lists", json={"name": "VIP"}, headers=tenant.basic)).json()
    c = (
        await client.post("/v1/contacts", json={"number": "+14155550100"}, headers=tenant.basic)
    ).json()
    r = await client.post(
        f"/v1/lists/{lst['id']}/members",
        json={"contact_ids": [c["id"]], "numbers": ["+14155550101", "4155550102", "+14155550100"]},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 3, "members": 3}
    again = await client.post(
        f"/v1/lists/{lst['id']}/members", json={"numbers": ["+14155550101"]}, headers=tenant.basic
    )
    assert again.json() == {"added": 0, "members": 3}
    members = (await client.get(f"/v1/lists/{lst['id']}/members", headers=tenant.basic)).json()
    assert sorted(m["number"] for m in members["data"]) == [
        "+14155550100", "+14155550101", "+14155550102",
    ]  # fmt: skip
    r = await client.post(
        f"/v1/lists/{lst['id']}/members/remove",
        json={"contact_ids": [c["id"]], "numbers": ["+14155550102"]},
        headers=tenant.basic,
    )
    assert r.json() == {"removed": 2, "members": 1}
    got = (await client.get(f"/v1/lists/{lst['id']}", headers=tenant.basic)).json()
    assert got["members"] == 1
    listed = (await client.get("/v1/lists", headers=tenant.basic)).json()["data"]
    assert [(x["name"], x["members"]) for x in listed] == [("VIP", 1)]


async def test_list_names_are_unique_and_case_sensitive(client, tenant: Tenant):
    assert (
        await client.post("/v1/lists", json={"name": "daily"}, headers=tenant.basic)
    ).status_code == 201
    assert (
        await client.post("/v1/lists", json={"name": "Daily"}, headers=tenant.basic)
    ).status_code == 201
    assert (
        await client.post("/v1/lists", json={"name": "daily"}, headers=tenant.basic)
    ).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"numbers": ["nope"]},
        {"contact_ids": ["01a20000-0000-7000-8000-000000000000"]},
        {"contact_ids": ["x"]},
        {"numbers": ["+14155550100"] * 1001},
    ],
)
async def test_malformed_member_changes_are_refused(client, tenant: Tenant, body):
    lst = (await client.post("/v1/lists", json={"name": "L"}, headers=tenant.basic)).json()
    r = await client.post(f"/v1/lists/{lst['id']}/members", json=body, headers=tenant.basic)
    assert r.status_code == 422, r.text


async def test_deleting_a_list_keeps_its_contacts(client, tenant: Tenant):
    lst = (await client.post("/v1/lists", json={"name": "tmp"}, headers=tenant.basic)).json()
    await client.post(
        f"/v1/lists/{lst['id']}/members", json={"numbers": ["+14155550100"]}, headers=tenant.basic
    )
    assert (await client.delete(f"/v1/lists/{lst['id']}", headers=tenant.basic)).status_code == 204
    assert len((await client.get("/v1/contacts", headers=tenant.basic)).json()["data"]) == 1
