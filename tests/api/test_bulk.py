"""POST /v1/messages/bulk: 1 to 1,000 messages, each validated on its own, one transaction."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_results_come_in_request_order_with_each_item_judged_alone(client, tenant: Tenant):
    items = [
        {"to": "+14155550100", "body": "one"},
        {"to": "not a number", "body": "two"},
        {"to": "+14155550102", "body": "three"},
        {"body": "four"},
        "not an object",
    ]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    assert [x["status"] for x in body["results"]] == [
        "accepted",
        "rejected",
        "accepted",
        "rejected",
        "rejected",
    ]
    assert [x["index"] for x in body["results"]] == [0, 1, 2, 3, 4]
    assert body["results"][1]["errors"][0]["field"] == "to"
    assert body["results"][2]["message"]["body"] == "three"
    listed = (await client.get("/v1/messages", headers=tenant.basic)).json()["data"]
    assert sorted(m["body"] for m in listed) == ["one", "three"]


async def test_all_invalid_is_422_naming_each_item(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages/bulk", json={"messages": [{"to": "x", "body": "a"}]}, headers=tenant.basic
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "messages[0].to"


@pytest.mark.parametrize("count", [0, 1001])
async def test_bulk_size_is_1_to_1000(client, tenant: Tenant, count):
    items = [{"to": "+14155550100", "body": "x"}] * count
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 422


async def test_a_thousand_messages_are_accepted_together(client, tenant: Tenant):
    items = [{"to": f"+1415555{i:04d}", "body": f"m{i}"} for i in range(1000)]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 201
    assert r.json()["accepted"] == 1000
