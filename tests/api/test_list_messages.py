"""GET /v1/messages: newest first, cursor pagination, filters."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_cursor_walks_every_message_once(client, tenant: Tenant):
    items = [{"to": f"+1415555{i:04d}", "body": f"m{i}"} for i in range(7)]
    await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/messages", params=params, headers=tenant.basic)).json()
        seen += [m["body"] for m in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(f"m{i}" for i in range(7))
    assert len(seen) == 7


async def test_filters_by_to_and_status(client, tenant: Tenant):
    await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "a"}, headers=tenant.basic
    )
    await client.post(
        "/v1/messages", json={"to": "+14155550101", "body": "b"}, headers=tenant.basic
    )
    r = await client.get("/v1/messages", params={"to": "4155550101"}, headers=tenant.basic)
    assert [m["body"] for m in r.json()["data"]] == ["b"]
    r = await client.get("/v1/messages", params={"status": "delivered"}, headers=tenant.basic)
    assert r.json()["data"] == []
    r = await client.get(
        "/v1/messages", params={"status": "queued,delivered"}, headers=tenant.basic
    )
    assert len(r.json()["data"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"cursor": "!!!"},
        {"limit": 0},
        {"limit": 1000},
        {"to": "abc"},
        {"created_after": "yesterday"},
        {"created_after": "2026-01-01T00:00:00"},
        {"campaign_id": "nope"},
    ],
)
async def test_bad_filters_are_client_errors(client, tenant: Tenant, params):
    r = await client.get("/v1/messages", params=params, headers=tenant.basic)
    assert r.status_code in (400, 422), r.text
