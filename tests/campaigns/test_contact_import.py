"""Contacts from CSV: a header names the columns; rows create or update contacts; bad rows
are reported, not imported."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

CSV = (
    "Phone,First Name,last_name,time_zone,plan\n"
    "+14155550100,Ann,Lee,America/New_York,gold\n"
    "4155550101,Bob,,,\n"
    "junk,Cy,,,\n"
    "+14155550102,Di,,Nowhere/Zone,\n"
    "+14155550100,,Lee-Smith,,\n"
)


async def test_a_csv_creates_and_updates_contacts_in_a_list(client, tenant: Tenant):
    lst = (await client.post("/v1/lists", json={"name": "import"}, headers=tenant.basic)).json()
    r = await client.post(
        f"/v1/lists/{lst['id']}/import",
        files={"file": ("c.csv", CSV.encode())},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["total"], out["created"], out["invalid"]) == (5, 2, 2)
    assert {(e["row"], e["code"]) for e in out["errors"]} == {
        (4, "invalid_number"), (5, "invalid_time_zone"),
    }  # fmt: skip
    members = (await client.get(f"/v1/lists/{lst['id']}/members", headers=tenant.basic)).json()
    by_number = {m["number"]: m for m in members["data"]}
    ann = by_number["+14155550100"]
    assert ann["attributes"] == {"first_name": "Ann", "last_name": "Lee-Smith", "plan": "gold"}
    assert ann["time_zone"] == "America/New_York"
    assert by_number["+14155550101"]["attributes"] == {"first_name": "Bob"}


async def test_importing_again_updates_instead_of_duplicating(client, tenant: Tenant):
    for _ in range(2):
        r = await client.post(
            "/v1/contacts/import", files={"file": ("c.csv", CSV.encode())}, headers=tenant.basic
        )
        assert r.status_code == 200
    assert r.json()["created"] == 0
    assert len((await client.get("/v1/contacts", headers=tenant.basic)).json()["data"]) == 2


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"name,email\nAnn,a@x\n", 422),  # no number column
        (b"number,bad col!\n+14155550100,x\n", 422),
        (b"\x00\x01\x02", 400),
        (b"", 400),
    ],
)
async def test_files_that_cannot_be_imported_are_refused(client, tenant: Tenant, raw, status):
    r = await client.post(
        "/v1/contacts/import", files={"file": ("c.csv", raw)}, headers=tenant.basic
    )
    assert r.status_code == status, r.text


async def test_an_import_needs_a_file(client, tenant: Tenant):
    r = await client.post("/v1/contacts/import", data={"x": "y"}, headers=tenant.basic)
    assert r.status_code == 422
    r = await client.post(
        "/v1/contacts/import",
        files={"file": ("c.csv", CSV.encode())},
        data={"list_id": "nope"},
        headers=tenant.basic,
    )
    assert r.status_code == 422
