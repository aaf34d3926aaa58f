"""Another account's resource is 404 on every route that names one."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_another_accounts_message_is_404_and_never_listed(client, tenant, other_tenant):
    m = (
        await client.post(
            "/v1/messages", json={"to": "+14155550100", "body": "mine"}, headers=tenant.basic
        )
    ).json()
    r = await client.get(f"/v1/messages/{m['id']}", headers=other_tenant.basic)
    assert r.status_code == 404
    listed = (await client.get("/v1/messages", headers=other_tenant.basic)).json()["data"]
    assert m["id"] not in [x["id"] for x in listed]


async def test_another_accounts_key_cannot_be_revoked_or_rotated(
    client, tenant: Tenant, other_tenant: Tenant
):
    key_id = (await client.get("/v1/keys", headers=tenant.basic)).json()["data"][0]["id"]
    for action in ("revoke", "rotate"):
        r = await client.post(f"/v1/keys/{key_id}/{action}", headers=other_tenant.basic)
        assert r.status_code == 404
    assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200


def all_routes(routes):
    """Routes of the app, including those of included routers (FastAPI nests them)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from all_routes(route.original_router.routes)
        elif hasattr(route, "methods") and hasattr(route, "path"):
            yield route


async def test_every_route_with_an_id_is_checked(client, tenant: Tenant, other_tenant: Tenant):
    """Enumerate the app's routes so a new route with an id cannot be forgotten."""
    from smscast.api.app import create_app

    m = (
        await client.post(
            "/v1/messages", json={"to": "+14155550100", "body": "x"}, headers=tenant.basic
        )
    ).json()
    key_id = (await client.get("/v1/keys", headers=tenant.basic)).json()["data"][0]["id"]
    conn = (
        await client.post(
            "/v1/connectors",
            json={
                "name": "mine",
                "kind": "smpp",
                "options": {"host": "127.0.0.1", "port": 2775, "system_id": "a", "password": "b"},
            },
            headers=tenant.basic,
        )
    ).json()
    ids = {"message_id": m["id"], "key_id": key_id, "connector_id": conn["id"]}
    # Short URLs are public (the code is the capability): an unknown one is 404 for anyone.
    ids["short_code"] = "NoSuchCode1"
    # Opt-outs, keywords and inbound messages (issue 9). The carrier endpoint's token is the
    # credential itself, like a short code: an unknown one is 404 for anyone.
    h = tenant.basic
    await client.post("/v1/optouts", json={"number": "+14155550100"}, headers=h)
    await client.post("/v1/keywords", json={"keyword": "ARRET", "action": "stop"}, headers=h)
    url = (await client.post("/v1/inbound-endpoint", headers=h)).json()["url"]
    mo = (await client.post(url, json={"from": "+14155550100", "to": "12345", "text": "x"})).json()
    ids |= {"number": "+14155550100", "keyword": "ARRET", "inbound_id": mo["id"]}
    ids["token"] = "in_NoSuchToken"
    # Webhooks (issue 8): an endpoint, and a delivery of an event to it.
    from smscast.webhooks.outbox import enqueue

    hook = {"url": "https://93.184.216.34/hook", "events": ["*"]}
    ep = (await client.post("/v1/webhooks/endpoints", json=hook, headers=h)).json()
    async with client._transport.app.state.services.db.begin() as db:
        await enqueue(db, account_id=tenant.account_id, type="batch.finished", payload={})
    delivery = (await client.get("/v1/webhooks/deliveries", headers=h)).json()["data"][0]
    ids |= {"endpoint_id": ep["id"], "delivery_id": str(delivery["id"])}
    # Campaigns, contacts, lists, templates, senders, brands, prices, batches (issue 5).
    brand = (await client.post("/v1/brands", json={"name": "b"}, headers=h)).json()
    camp = (await client.post("/v1/campaigns", json={"name": "c"}, headers=h)).json()
    contact = (await client.post("/v1/contacts", json={"number": "+14155550101"}, headers=h)).json()
    lst = (await client.post("/v1/lists", json={"name": "l"}, headers=h)).json()
    sender = (await client.post("/v1/senders", json={"address": "ACME"}, headers=h)).json()
    tpl = (await client.post("/v1/templates", json={"name": "t", "body": "x"}, headers=h)).json()
    price = (await client.put("/v1/pricing", json={"price_per_segment": "1"}, headers=h)).json()
    batch = (
        await client.post(
            "/v1/batches",
            data={"campaign_id": camp["id"]},
            files={"file": ("b.csv", b"+14155550100,x\n")},
            headers=h,
        )
    ).json()
    ids |= {
        "brand_id": brand["id"],
        "campaign_id": camp["id"],
        "contact_id": contact["id"],
        "list_id": lst["id"],
        "sender_id": sender["id"],
        "template_id": tpl["id"],
        "price_id": price["id"],
        "batch_id": batch["id"],
    }
    app = create_app(client._transport.app.state.services.settings)
    checked = 0
    for route in all_routes(app.routes):
        path = route.path
        params = [p for p in ids if "{" + p + "}" in path]
        if "{" not in path:
            continue
        assert params, f"route {path} has an id this test does not know: add it"
        url = path
        for p in params:
            url = url.replace("{" + p + "}", ids[p])
        for method in route.methods - {"HEAD", "OPTIONS"}:
            r = await client.request(method, url, headers=other_tenant.basic, json={})
            assert r.status_code == 404, (method, path, r.status_code)
            checked += 1
    assert checked >= 3
