"""Prices per segment by connector and destination country; every message carries its
cost; a batch shows its estimated cost at VALIDATE and its actual cost as it sends."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import update

from smscast.messages.models import MESSAGES
from smscast.senders.prices import PriceTable
from tests.batches.helpers import created, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


def test_the_most_specific_price_wins():
    table = PriceTable(
        {
            ("*", "*"): Decimal("0.05"),
            ("*", "US"): Decimal("0.01"),
            ("smpp-a", "*"): Decimal("0.03"),
            ("smpp-a", "US"): Decimal("0.007"),
        }
    )
    assert table.per_segment("smpp-a", "US") == Decimal("0.007")
    assert table.per_segment("smpp-a", "GB") == Decimal("0.03")
    assert table.per_segment(None, "US") == Decimal("0.01")
    assert table.per_segment("other", "GB") == Decimal("0.05")
    assert PriceTable({}).per_segment(None, "US") is None


async def test_prices_are_set_listed_and_deleted(client, tenant: Tenant):
    r = await client.put(
        "/v1/pricing", json={"country": "US", "price_per_segment": "0.0079"}, headers=tenant.basic
    )
    assert r.status_code == 200, r.text
    again = await client.put(
        "/v1/pricing", json={"country": "US", "price_per_segment": "0.008"}, headers=tenant.basic
    )
    listed = (await client.get("/v1/pricing", headers=tenant.basic)).json()["data"]
    assert [(p["connector"], p["country"], p["price_per_segment"]) for p in listed] == [
        ("*", "US", "0.008000")
    ]
    r = await client.delete(f"/v1/pricing/{again.json()['id']}", headers=tenant.basic)
    assert r.status_code == 204
    assert (await client.get("/v1/pricing", headers=tenant.basic)).json()["data"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"country": "USA", "price_per_segment": "1"},
        {"country": "US", "price_per_segment": "-1"},
        {"country": "US", "price_per_segment": "0.0000001"},
        {"country": "US"},
        {"country": "US", "price_per_segment": "1", "currency": "usd"},
    ],
)
async def test_malformed_prices_are_refused(client, tenant: Tenant, body):
    assert (await client.put("/v1/pricing", json=body, headers=tenant.basic)).status_code == 422


async def test_one_currency_per_account(client, tenant: Tenant):
    await client.put("/v1/pricing", json={"price_per_segment": "1"}, headers=tenant.basic)
    r = await client.put(
        "/v1/pricing",
        json={"country": "GB", "price_per_segment": "1", "currency": "EUR"},
        headers=tenant.basic,
    )
    assert r.status_code == 422


async def test_messages_carry_their_cost_and_the_batch_its_estimate_and_spend(
    client, services, tenant: Tenant
):
    await client.put(
        "/v1/pricing", json={"country": "US", "price_per_segment": "0.01"}, headers=tenant.basic
    )
    await client.put("/v1/pricing", json={"price_per_segment": "0.05"}, headers=tenant.basic)
    csv = "+14155550100,short\n+14155550101," + "z" * 200 + "\n+447400123456,uk\n"
    batch = await created(client, tenant, csv, action="VALIDATE")
    assert batch["counts"]["estimated_cost"] == "0.080000"  # 0.01 + 2 x 0.01 + 0.05
    done = await scheduled(client, services, tenant, batch["id"])
    assert done["counts"]["cost"] is None  # nothing sent yet
    async with services.db.begin() as conn:
        await conn.execute(
            update(MESSAGES)
            .where(MESSAGES.c.batch_id == uuid.UUID(batch["id"]), MESSAGES.c.to != "+447400123456")
            .values(status="sent", sent_at=MESSAGES.c.created_at)
        )
    got = (await client.get(f"/v1/batches/{batch['id']}", headers=tenant.basic)).json()
    assert Decimal(got["counts"]["cost"]) == Decimal("0.03")
    assert got["counts"]["sent"] == 2
