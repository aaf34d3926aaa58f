"""POST /v1/messages: a campaign_id must be one of the account's campaigns (422 otherwise);
every message carries its cost."""

from __future__ import annotations

import pytest

from tests.batches.helpers import campaign
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

NOBODY = "01a20000-0000-7000-8000-000000000000"


async def test_an_unknown_or_foreign_campaign_is_a_field_error(
    client, tenant: Tenant, other_tenant
):
    theirs = await campaign(client, other_tenant)
    for cid in (NOBODY, theirs["id"]):
        r = await client.post(
            "/v1/messages",
            json={"to": "+14155550100", "body": "x", "campaign_id": cid},
            headers=tenant.basic,
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [
            {
                "field": "campaign_id",
                "code": "unknown_campaign",
                "message": "no such campaign in this account",
            }
        ]


async def test_a_known_campaign_is_accepted(client, tenant: Tenant):
    mine = await campaign(client, tenant)
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "x", "campaign_id": mine["id"]},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    assert r.json()["campaign_id"] == mine["id"]


async def test_in_bulk_only_the_items_of_unknown_campaigns_are_rejected(client, tenant: Tenant):
    mine = await campaign(client, tenant)
    items = [
        {"to": "+14155550100", "body": "a", "campaign_id": mine["id"]},
        {"to": "+14155550101", "body": "b", "campaign_id": NOBODY},
        {"to": "+14155550102", "body": "c"},
    ]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 201, r.text
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected", "accepted"]
    assert r.json()["results"][1]["errors"][0]["code"] == "unknown_campaign"


async def test_a_message_carries_its_cost(client, services, tenant: Tenant):
    await client.put(
        "/v1/pricing", json={"country": "US", "price_per_segment": "0.01"}, headers=tenant.basic
    )
    services.messages._books.clear()
    r = await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "y" * 200}, headers=tenant.basic
    )
    assert r.json()["cost"] == "0.020000"
    got = (await client.get(f"/v1/messages/{r.json()['id']}", headers=tenant.basic)).json()
    assert got["cost"] == "0.020000"


async def test_priced_and_unpriced_messages_share_a_group_commit(
    client, services, tenant: Tenant, other_tenant
):
    """The group writer writes many requests' rows at once (COPY with the first row's
    columns): a priced message beside an unpriced one keeps both costs right."""
    import uuid

    from sqlalchemy import select

    from smscast.db import utcnow
    from smscast.messages.models import MESSAGES
    from smscast.messages.schemas import MessageIn
    from smscast.messages.writer import write_sets

    await client.put("/v1/pricing", json={"price_per_segment": "0.5"}, headers=tenant.basic)
    services.messages._books.clear()
    sets = []
    for t in (other_tenant, tenant):  # the unpriced one first
        principal = await services.credentials.verify_secret(t.api_key, t.api_secret)
        ws = services.messages.prepare(principal, MessageIn(to="+14155550100", body="x"), utcnow())
        await services.messages.complete(principal, ws)
        sets.append(ws)
    async with services.db.begin() as conn:
        await write_sets(conn, sets)
        ids = [uuid.UUID(str(ws.messages[0]["id"])) for ws in sets]
        costs = dict(
            (
                await conn.execute(
                    select(MESSAGES.c.id, MESSAGES.c.cost).where(MESSAGES.c.id.in_(ids))
                )
            ).all()
        )
    assert costs[ids[0]] is None
    assert str(costs[ids[1]]) in ("0.500000", "0.5")
