"""POST /v1/inbound/carrier/{token}: a carrier posts MO messages; the token is the credential."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def _endpoint(client, tenant: Tenant) -> str:
    r = await client.post("/v1/inbound-endpoint", headers=tenant.basic)
    assert r.status_code == 201, r.text
    assert r.json()["url"].endswith(r.json()["token"])
    return r.json()["url"].removeprefix("http://smscast.test")


async def test_a_json_post_is_stored_for_the_tokens_account(client, tenant: Tenant):
    url = await _endpoint(client, tenant)
    r = await client.post(url, json={"from": "+14155550201", "to": "12345", "text": "Hello?"})
    assert r.status_code == 200, r.text
    assert r.json()["duplicate"] is False and r.json()["action"] is None
    got = (await client.get(f"/v1/inbound/{r.json()['id']}", headers=tenant.basic)).json()
    assert (got["from"], got["to"], got["body"], got["connector"]) == (
        "+14155550201",
        "12345",
        "Hello?",
        "http",
    )


async def test_a_form_post_with_other_field_names_works(client, tenant: Tenant):
    url = await _endpoint(client, tenant)
    r = await client.post(
        url,
        data={"msisdn": "14155550202", "destination": "12345", "message": "STOP", "x": "1"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["action"] == "stop"
    status = await client.get("/v1/optouts/+14155550202", headers=tenant.basic)
    assert status.json()["opted_out"] is True
    assert status.json()["history"][0]["source"] == "keyword"


async def test_a_retried_post_with_the_same_id_is_stored_once(client, tenant: Tenant):
    url = await _endpoint(client, tenant)
    body = {"from": "+14155550203", "to": "12345", "text": "HELP", "id": "carrier-42"}
    first = await client.post(url, json=body)
    again = await client.post(url, json=body)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    listed = await client.get("/v1/inbound?from=%2B14155550203", headers=tenant.basic)
    assert len(listed.json()["data"]) == 1


async def test_an_unknown_or_rotated_token_is_404(client, tenant: Tenant):
    old = await _endpoint(client, tenant)
    new = await _endpoint(client, tenant)
    body = {"from": "+14155550204", "to": "12345", "text": "hi"}
    assert (await client.post(old, json=body)).status_code == 404
    assert (await client.post(new, json=body)).status_code == 200
    assert (await client.post("/v1/inbound/carrier/in_nope", json=body)).status_code == 404
    assert (await client.delete("/v1/inbound-endpoint", headers=tenant.basic)).status_code == 204
    assert (await client.post(new, json=body)).status_code == 404
    state = (await client.get("/v1/inbound-endpoint", headers=tenant.basic)).json()
    assert state == {"enabled": False, "created_at": None}


async def test_api_credentials_are_not_an_inbound_token(client, tenant: Tenant):
    body = {"from": "+14155550205", "to": "12345", "text": "hi"}
    r = await client.post(f"/v1/inbound/carrier/{tenant.api_secret}", json=body)
    assert r.status_code == 404


JSON = {"content-type": "application/json"}
GOOD = {"from": "+14155550206", "to": "12345", "text": "x"}


def _json(**changes: object) -> bytes:
    body = {**GOOD, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", JSON, 400, "invalid-json"),
        (b"[1, 2]", JSON, 422, "validation-failed"),
        (b"from=1&to=2", {"content-type": "text/plain"}, 415, "unsupported-media-type"),
        (b"\x00\xff\xfe", {"content-type": "application/octet-stream"}, 415, None),
        (_json(text=None), JSON, 422, None),  # no text
        (_json(**{"from": "hello"}), JSON, 422, None),
        (_json(to="!!"), JSON, 422, None),
        (_json(received_at="2026-01-01T10:00:00"), JSON, 422, None),  # no offset
        (_json(id="x" * 101), JSON, 422, None),
    ],
)
async def test_malformed_posts_are_refused_and_store_nothing(
    client, tenant: Tenant, content, headers, status, code
):
    url = await _endpoint(client, tenant)
    r = await client.post(url, content=content, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if code:
        assert r.json()["type"].endswith(code)
    listed = await client.get("/v1/inbound?from=%2B14155550206", headers=tenant.basic)
    assert listed.json()["data"] == []


async def test_with_sender_scope_a_stop_stops_only_the_number_it_was_sent_to(
    client, tenant: Tenant
):
    r = await client.patch(
        "/v1/optouts/settings", json={"optout_scope": "sender"}, headers=tenant.basic
    )
    assert r.json() == {"optout_scope": "sender", "campaign_check": False}
    url = await _endpoint(client, tenant)
    await client.post(url, json={"from": "+14155550207", "to": "12345", "text": "stop"})
    send = {"to": "+14155550207", "body": "hi"}
    from_stopped = await client.post(
        "/v1/messages", json={**send, "from": "12345"}, headers=tenant.basic
    )
    from_other = await client.post(
        "/v1/messages", json={**send, "from": "67890"}, headers=tenant.basic
    )
    assert from_stopped.status_code == 422
    assert from_stopped.json()["errors"][0]["code"] == "opted_out"
    assert from_other.status_code == 201
    listed = (await client.get("/v1/optouts?number=%2B14155550207", headers=tenant.basic)).json()
    assert [(o["number"], o["sender"]) for o in listed["data"]] == [("+14155550207", "12345")]


async def test_an_mo_is_announced_as_message_received_in_the_webhook_outbox(
    client, services, tenant: Tenant
):
    from sqlalchemy import insert, select

    from smscast.db import new_id
    from smscast.webhooks.models import DELIVERIES, ENDPOINTS

    endpoint = new_id()
    async with services.db.begin() as conn:
        await conn.execute(
            insert(ENDPOINTS).values(
                id=endpoint,
                account_id=tenant.account_id,
                url="https://hooks.example/sms",
                events=["message.received"],
                secret="whsec_test",
            )
        )
    url = await _endpoint(client, tenant)
    mo = await client.post(url, json={"from": "+14155550208", "to": "12345", "text": "Help"})
    async with services.db.begin() as conn:
        rows = (
            await conn.execute(select(DELIVERIES).where(DELIVERIES.c.endpoint_id == endpoint))
        ).all()
    assert [(r.type, r.state) for r in rows] == [("message.received", "pending")]
    payload = rows[0].payload
    assert (payload["id"], payload["from"], payload["body"], payload["action"]) == (
        mo.json()["id"],
        "+14155550208",
        "Help",
        "help",
    )
