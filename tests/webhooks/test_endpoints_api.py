"""/v1/webhooks: endpoints, the delivery log and secrets, each account seeing only its own."""

from __future__ import annotations

import pytest

from smscast.webhooks.outbox import enqueue
from tests.conftest import Tenant
from tests.webhooks.conftest import running
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio

URL = "https://93.184.216.34/hooks"


async def test_endpoint_lifecycle_and_the_secret_is_shown_once(client, tenant: Tenant):
    h = tenant.basic
    r = await client.post(
        "/v1/webhooks/endpoints",
        json={"url": URL, "events": ["delivered", "message.failed"], "description": "CRM"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    ep = r.json()
    assert ep["secret"].startswith("whsec_")
    assert ep["events"] == ["message.delivered", "message.failed"]  # short names normalised
    got = (await client.get(f"/v1/webhooks/endpoints/{ep['id']}", headers=h)).json()
    assert "secret" not in got and got["enabled"] is True
    listed = (await client.get("/v1/webhooks/endpoints", headers=h)).json()["data"]
    assert [e["id"] for e in listed] == [ep["id"]] and ep["secret"] not in str(listed)
    r = await client.patch(
        f"/v1/webhooks/endpoints/{ep['id']}", json={"events": ["*"], "enabled": False}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["events"], r.json()["enabled"]) == (["*"], False)
    assert (await client.delete(f"/v1/webhooks/endpoints/{ep['id']}", headers=h)).status_code == 204
    assert (await client.get(f"/v1/webhooks/endpoints/{ep['id']}", headers=h)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": URL, "events": ["message.teleported"]}, "events", "unknown_event"),
        ({"url": URL, "events": []}, "events", "too_short"),
        ({"url": "ftp://93.184.216.34/", "events": ["*"]}, "url", "invalid_url"),
        ({"url": URL}, "events", "missing"),
        ({"url": URL, "events": ["*"], "secret": "mine"}, "secret", "extra_forbidden"),
    ],
)
async def test_invalid_endpoints_are_422_problems(client, tenant, body, field, code):
    r = await client.post("/v1/webhooks/endpoints", json=body, headers=tenant.basic)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field and e["code"] == code for e in r.json()["errors"]), r.json()


async def test_the_delivery_log_lists_attempts_with_status_latency_and_error(
    client, services, tenant, receiver
):
    h = tenant.basic
    ep = (
        await client.post(
            "/v1/webhooks/endpoints", json={"url": receiver.url, "events": ["*"]}, headers=h
        )
    ).json()
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    receiver.plan = ["fail"]
    async with running(services):
        await wait_until(lambda: len(receiver.delivered()) == 1)
        await wait_until(lambda: _log(client, ep["id"], h, 2))
    log = (await client.get(f"/v1/webhooks/endpoints/{ep['id']}/attempts", headers=h)).json()
    assert [(a["status_code"], a["outcome"]) for a in log["data"]] == [
        (200, "delivered"),
        (500, "retry"),
    ]
    assert log["data"][1]["error"] == "HTTP 500"
    assert all(isinstance(a["latency_ms"], int) for a in log["data"])
    page = (
        await client.get(f"/v1/webhooks/endpoints/{ep['id']}/attempts?limit=1", headers=h)
    ).json()
    assert len(page["data"]) == 1 and page["next_cursor"]
    rest = await client.get(
        f"/v1/webhooks/endpoints/{ep['id']}/attempts?cursor={page['next_cursor']}", headers=h
    )
    assert [a["status_code"] for a in rest.json()["data"]] == [500]


async def test_disabling_an_endpoint_ends_its_pending_deliveries(client, services, tenant):
    h = tenant.basic
    ep = (
        await client.post("/v1/webhooks/endpoints", json={"url": URL, "events": ["*"]}, headers=h)
    ).json()
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    await client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={"enabled": False}, headers=h)
    dead = (await client.get("/v1/webhooks/dead", headers=h)).json()["data"]
    assert [d["last_error"] for d in dead] == ["the endpoint was disabled"]
    r = await client.post(f"/v1/webhooks/deliveries/{dead[0]['id']}/replay", headers=h)
    assert r.status_code == 409  # not while it is disabled


async def test_another_accounts_webhooks_are_404_and_never_listed(
    client, services, tenant: Tenant, other_tenant: Tenant
):
    ep = (
        await client.post(
            "/v1/webhooks/endpoints", json={"url": URL, "events": ["*"]}, headers=tenant.basic
        )
    ).json()
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    mine = (await client.get("/v1/webhooks/deliveries", headers=tenant.basic)).json()["data"]
    assert len(mine) == 1
    other = other_tenant.basic
    for method, path in [
        ("GET", f"/v1/webhooks/endpoints/{ep['id']}"),
        ("PATCH", f"/v1/webhooks/endpoints/{ep['id']}"),
        ("DELETE", f"/v1/webhooks/endpoints/{ep['id']}"),
        ("POST", f"/v1/webhooks/endpoints/{ep['id']}/rotate-secret"),
        ("GET", f"/v1/webhooks/endpoints/{ep['id']}/attempts"),
        ("GET", f"/v1/webhooks/deliveries/{mine[0]['id']}"),
        ("POST", f"/v1/webhooks/deliveries/{mine[0]['id']}/replay"),
    ]:
        r = await client.request(method, path, json={}, headers=other)
        assert r.status_code == 404, (method, path, r.status_code)
    assert (await client.get("/v1/webhooks/deliveries", headers=other)).json()["data"] == []
    assert (await client.get("/v1/webhooks/endpoints", headers=other)).json()["data"] == []
    r = await client.post("/v1/webhooks/dead/replay", json={"endpoint_id": ep["id"]}, headers=other)
    assert r.status_code == 404
    a = (await client.get("/v1/webhooks/callback-secret", headers=tenant.basic)).json()
    b = (await client.get("/v1/webhooks/callback-secret", headers=other)).json()
    assert a["secret"] != b["secret"]
    rotated = await client.post(
        "/v1/webhooks/callback-secret/rotate", json={"overlap_s": 0}, headers=tenant.basic
    )
    assert rotated.json()["previous_secret_expires_at"] is None
    again = (await client.get("/v1/webhooks/callback-secret", headers=tenant.basic)).json()
    assert again["secret"] == rotated.json()["secret"] != a["secret"]


async def _log(client, endpoint_id, headers, n) -> bool:
    r = await client.get(f"/v1/webhooks/endpoints/{endpoint_id}/attempts", headers=headers)
    return len(r.json()["data"]) == n
