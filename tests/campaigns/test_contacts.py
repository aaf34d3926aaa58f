"""Contacts: an E.164 number unique in the account, attributes for personalisation, an
optional IANA time zone."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_contact_is_normalised_read_updated_and_deleted(client, tenant: Tenant):
    r = await client.post(
        "/v1/contacts",
        json={
            "number": "(415) 555-0100",
            "attributes": {"first_name": "Ann", "points": 3, "vip": True},
            "time_zone": "America/Los_Angeles",
        },
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["number"] == "+14155550100"
    assert c["attributes"] == {"first_name": "Ann", "points": 3, "vip": True}
    r = await client.patch(
        f"/v1/contacts/{c['id']}",
        json={"attributes": {"first_name": "Anne"}, "time_zone": None},
        headers=tenant.basic,
    )
    assert r.status_code == 200
    assert (r.json()["attributes"], r.json()["time_zone"]) == ({"first_name": "Anne"}, None)
    found = (await client.get("/v1/contacts?number=4155550100", headers=tenant.basic)).json()
    assert [x["id"] for x in found["data"]] == [c["id"]]
    assert (await client.delete(f"/v1/contacts/{c['id']}", headers=tenant.basic)).status_code == 204
    assert (await client.get(f"/v1/contacts/{c['id']}", headers=tenant.basic)).status_code == 404


async def test_a_number_is_one_contact_per_account(client, tenant: Tenant, other_tenant):
    await client.post("/v1/contacts", json={"number": "+14155550100"}, headers=tenant.basic)
    r = await client.post("/v1/contacts", json={"number": "4155550100"}, headers=tenant.basic)
    assert r.status_code == 409
    r = await client.post(
        "/v1/contacts", json={"number": "+14155550100"}, headers=other_tenant.basic
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"number": "12"}, "number", "invalid_number"),
        ({"number": "+14155550100", "time_zone": "Mars/Olympus"}, "time_zone", "invalid_time_zone"),
        ({"number": "+14155550100", "attributes": {"bad key": 1}}, "attributes.bad key.[key]",
         "string_pattern_mismatch"),
        ({"number": "+14155550100", "attributes": {"k": {"nested": 1}}}, None, None),
        ({"number": "+14155550100", "attributes": {"k": "v" * 501}}, "attributes", "value_error"),
        ({"number": "+14155550100", "list_ids": ["01a20000-0000-7000-8000-000000000000"]},
         "list_ids.0", "unknown_list"),
        ({}, "number", "missing"),
    ],
)  # fmt: skip
async def test_malformed_contacts_are_refused(client, tenant: Tenant, body, field, code):
    r = await client.post("/v1/contacts", json=body, headers=tenant.basic)
    assert r.status_code == 422, r.text
    if field is not None:
        assert (field, code) in {(e["field"], e["code"]) for e in r.json()["errors"]}, r.json()


async def test_contacts_page_newest_first(client, tenant: Tenant):
    for i in range(5):
        await client.post("/v1/contacts", json={"number": f"+1415555010{i}"}, headers=tenant.basic)
    first = (await client.get("/v1/contacts?limit=3", headers=tenant.basic)).json()
    assert [c["number"] for c in first["data"]] == ["+14155550104", "+14155550103", "+14155550102"]
    rest = (
        await client.get(
            f"/v1/contacts?limit=3&cursor={first['next_cursor']}", headers=tenant.basic
        )
    ).json()
    assert [c["number"] for c in rest["data"]] == ["+14155550101", "+14155550100"]
    assert rest["next_cursor"] is None
    assert (await client.get("/v1/contacts?cursor=%%%", headers=tenant.basic)).status_code == 400
