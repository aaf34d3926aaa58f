"""Senders: their kind is read from the address; approval and validity decide whether a
batch may use one; contacts are assigned to a sender (WhatCounts sender codes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.batches.helpers import campaign, created
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("address", "stored", "kind"),
    [
        ("+14155550100", "+14155550100", "long_code"),
        ("(415) 555-0101", "+14155550101", "long_code"),
        ("+18005550100", "+18005550100", "toll_free"),
        ("12345", "12345", "short_code"),
        ("ACME", "ACME", "alphanumeric"),
    ],
)
async def test_the_kind_is_read_from_the_address(client, tenant: Tenant, address, stored, kind):
    r = await client.post("/v1/senders", json={"address": address}, headers=tenant.basic)
    assert r.status_code == 201, r.text
    assert (r.json()["address"], r.json()["kind"], r.json()["status"]) == (stored, kind, "approved")


@pytest.mark.parametrize(
    "body",
    [
        {"address": "!!!"},
        {"address": "Way Too Long Name"},
        {"address": ""},
        {"address": "ACME", "status": "maybe"},
        {"address": "ACME", "valid_from": "2030-01-01T00:00:00"},
        {
            "address": "ACME",
            "valid_from": "2030-01-02T00:00:00Z",
            "valid_until": "2030-01-01T00:00:00Z",
        },
    ],
)
async def test_malformed_senders_are_refused(client, tenant: Tenant, body):
    r = await client.post("/v1/senders", json=body, headers=tenant.basic)
    assert r.status_code == 422, r.text


async def test_a_sender_is_unique_in_an_account(client, tenant: Tenant):
    await client.post("/v1/senders", json={"address": "ACME"}, headers=tenant.basic)
    r = await client.post("/v1/senders", json={"address": "ACME"}, headers=tenant.basic)
    assert r.status_code == 409


@pytest.mark.parametrize(
    "patch",
    [
        {"status": "pending"},
        {"valid_from": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        {"valid_until": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
         "valid_from": (datetime.now(UTC) - timedelta(days=2)).isoformat()},
    ],
)  # fmt: skip
async def test_a_sender_not_approved_or_out_of_validity_cannot_schedule(
    client, tenant: Tenant, patch
):
    s = (
        await client.post("/v1/senders", json={"address": "+14155550199"}, headers=tenant.basic)
    ).json()
    r = await client.patch(f"/v1/senders/{s['id']}", json=patch, headers=tenant.basic)
    assert r.status_code == 200, r.text
    batch = await created(client, tenant, "+14155550100,x\n", sender_id=s["id"])
    r = await client.post(f"/v1/batches/{batch['id']}/schedule", headers=tenant.basic)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "sender_not_usable"


async def test_contacts_are_assigned_and_removed(client, tenant: Tenant):
    s = (await client.post("/v1/senders", json={"address": "55555"}, headers=tenant.basic)).json()
    r = await client.post(
        f"/v1/senders/{s['id']}/contacts",
        json={"numbers": ["+14155550100", "4155550101"]},
        headers=tenant.basic,
    )
    assert r.json() == {"contacts": 2}
    listed = (await client.get(f"/v1/senders/{s['id']}/contacts", headers=tenant.basic)).json()
    assert sorted(c["number"] for c in listed["data"]) == ["+14155550100", "+14155550101"]
    r = await client.post(
        f"/v1/senders/{s['id']}/contacts/remove",
        json={"numbers": ["+14155550100"]},
        headers=tenant.basic,
    )
    assert r.json() == {"removed": 1, "contacts": 1}


async def test_a_sender_in_use_cannot_be_deleted(client, tenant: Tenant):
    s = (await client.post("/v1/senders", json={"address": "ACME2"}, headers=tenant.basic)).json()
    await campaign(client, tenant, default_sender_id=s["id"])
    assert (await client.delete(f"/v1/senders/{s['id']}", headers=tenant.basic)).status_code == 409
