"""With the campaign check on, a campaign's message goes only to its active subscribers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert

from smscast.campaigns.models import CAMPAIGNS
from smscast.db import new_id
from tests.conftest import Tenant, make_tenant

pytestmark = pytest.mark.anyio


async def _campaign(services, tenant: Tenant, *, required: bool = False) -> uuid.UUID:
    cid = new_id()
    async with services.db.begin() as conn:
        await conn.execute(
            insert(CAMPAIGNS).values(
                id=cid,
                account_id=tenant.account_id,
                name=f"Spring {cid.hex}",
                subscription_required=required,
            )
        )
    return cid


async def _send(client, tenant, to, campaign_id):
    return await client.post(
        "/v1/messages",
        json={"to": to, "body": "Sale", "campaign_id": str(campaign_id)},
        headers=tenant.basic,
    )


async def test_with_the_check_on_only_subscribers_get_campaign_messages(client, services):
    t = await make_tenant(services, "Checked")
    cid = await _campaign(services, t)
    h = t.basic
    r = await client.patch("/v1/optouts/settings", json={"campaign_check": True}, headers=h)
    assert r.json() == {"optout_scope": "account", "campaign_check": True}
    sub = await client.post(
        "/v1/subscriptions",
        json={"campaign_id": str(cid), "numbers": ["+14155550801", "415 555 0801"]},
        headers=h,
    )
    assert sub.json() == {"campaign_id": str(cid), "changed": 1}
    assert (await _send(client, t, "+14155550801", cid)).status_code == 201
    refused = await _send(client, t, "+14155550802", cid)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "field": "campaign_id",
            "code": "not_subscribed",
            "message": "the recipient is not an active subscriber of this campaign",
        }
    ]
    # Not a campaign message: not checked.
    plain = await client.post(
        "/v1/messages", json={"to": "+14155550802", "body": "Receipt"}, headers=h
    )
    assert plain.status_code == 201
    removed = await client.post(
        "/v1/subscriptions/remove",
        json={"campaign_id": str(cid), "numbers": ["+14155550801"]},
        headers=h,
    )
    assert removed.json()["changed"] == 1
    assert (await _send(client, t, "+14155550801", cid)).status_code == 422


async def test_with_the_check_off_campaigns_go_to_anyone_unless_they_require_it(client, services):
    t = await make_tenant(services, "Unchecked")
    free, strict = await _campaign(services, t), await _campaign(services, t, required=True)
    assert (await _send(client, t, "+14155550811", free)).status_code == 201
    assert (await _send(client, t, "+14155550811", strict)).status_code == 422


async def test_bulk_rejects_non_subscribers_item_by_item(client, services):
    t = await make_tenant(services, "Bulk checked")
    cid = await _campaign(services, t)
    await client.patch("/v1/optouts/settings", json={"campaign_check": True}, headers=t.basic)
    await client.post(
        "/v1/subscriptions",
        json={"campaign_id": str(cid), "numbers": ["+14155550821"]},
        headers=t.basic,
    )
    items = [
        {"to": to, "body": "x", "campaign_id": str(cid)} for to in ("+14155550821", "+14155550822")
    ]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=t.basic)
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected"]
    assert r.json()["results"][1]["errors"][0]["code"] == "not_subscribed"


async def test_subscriptions_are_listed_and_another_accounts_campaign_is_404(
    client, services, tenant: Tenant, other_tenant: Tenant
):
    cid = await _campaign(services, tenant)
    body = {"campaign_id": str(cid), "numbers": ["+14155550831", "+14155550832"]}
    await client.post("/v1/subscriptions", json=body, headers=tenant.basic)
    listed = await client.get(f"/v1/subscriptions?campaign_id={cid}&limit=1", headers=tenant.basic)
    page = listed.json()
    assert [s["number"] for s in page["data"]] == ["+14155550831"]
    more = await client.get(
        f"/v1/subscriptions?campaign_id={cid}&cursor={page['next_cursor']}",
        headers=tenant.basic,
    )
    assert [s["number"] for s in more.json()["data"]] == ["+14155550832"]
    other = other_tenant.basic
    assert (await client.post("/v1/subscriptions", json=body, headers=other)).status_code == 404
    assert (
        await client.post("/v1/subscriptions/remove", json=body, headers=other)
    ).status_code == 404
    assert (
        await client.get(f"/v1/subscriptions?campaign_id={cid}", headers=other)
    ).status_code == 404
