"""Every call is signed; a receiver that knows the secret can tell ours from a forgery."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from smscast.db import utcnow
from smscast.webhooks.outbox import enqueue, enqueue_message_events
from smscast.webhooks.signing import SignatureError, sign, verify
from tests.webhooks.conftest import make_message, running
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio


async def _endpoint(client, tenant, url):
    r = await client.post(
        "/v1/webhooks/endpoints", json={"url": url, "events": ["*"]}, headers=tenant.basic
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_signature_verifies_and_a_tampered_body_does_not(client, services, tenant, receiver):
    secret = (await _endpoint(client, tenant, receiver.url))["secret"]
    async with services.db.begin() as conn:
        await enqueue(
            conn, account_id=tenant.account_id, type="batch.finished", payload={"total": 3}
        )
    async with running(services):
        await wait_until(lambda: len(receiver.delivered()) == 1)
    got = receiver.delivered()[0]
    header = got.headers["smscast-signature"]
    verify(header, got.body, secret)
    # The event id is in the header and the body: receivers deduplicate on it.
    assert got.event["id"] == got.headers["smscast-event-id"]
    assert got.event["type"] == got.headers["smscast-event-type"] == "batch.finished"
    tampered = got.body.replace(b'"total":3', b'"total":4')
    assert tampered != got.body
    with pytest.raises(SignatureError):
        verify(header, tampered, secret)
    with pytest.raises(SignatureError):
        verify(header, got.body, "whsec_not-the-secret")
    with pytest.raises(SignatureError):  # a replayed old signature is refused
        verify(header, got.body, secret, now=time.time() + 3600)


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    client, services, tenant, receiver
):
    endpoint = await _endpoint(client, tenant, receiver.url)
    old = endpoint["secret"]
    r = await client.post(
        f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret",
        json={"overlap_s": 3600},
        headers=tenant.basic,
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != old and r.json()["previous_secret_expires_at"]
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    async with running(services):
        await wait_until(lambda: len(receiver.delivered()) == 1)
    got = receiver.delivered()[0]
    header = got.headers["smscast-signature"]
    assert header.count("v1=") == 2
    verify(header, got.body, old)
    verify(header, got.body, new)
    # The secret is shown at creation and rotation only.
    shown = await client.get(f"/v1/webhooks/endpoints/{endpoint['id']}", headers=tenant.basic)
    assert old not in shown.text and new not in shown.text


async def test_a_callback_url_is_signed_with_the_accounts_callback_secret(
    client, services, tenant, receiver
):
    mid = await make_message(services, tenant.account_id, callback_url=receiver.url)
    async with services.db.begin() as conn:
        await enqueue_message_events(conn, [(mid, "delivered", utcnow(), None, None)])
    async with running(services):
        await wait_until(lambda: len(receiver.delivered()) == 1)
    secret = (await client.get("/v1/webhooks/callback-secret", headers=tenant.basic)).json()
    got = receiver.delivered()[0]
    verify(got.headers["smscast-signature"], got.body, secret["secret"])
    assert got.event["data"]["message_id"] == str(mid)
    assert got.event["data"]["status"] == "delivered"


def test_the_documented_verification_works():
    """Run the few lines docs/webhooks.md gives receivers, so they stay true."""
    doc = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    code = doc.split("## Verifying a signature", 1)[1].split("```python\n", 1)[1]
    scope: dict[str, object] = {}
    exec(code.split("```", 1)[0], scope)
    documented = scope["verify"]
    body = json.dumps({"id": "e1", "type": "batch.finished"}).encode()
    t = int(time.time())
    header = f"t={t},v1={sign('whsec_new', t, body)},v1={sign('whsec_old', t, body)}"
    assert documented(header, body, "whsec_new") and documented(header, body, "whsec_old")
    assert not documented(header, body + b" ", "whsec_new")
    assert not documented(header, body, "whsec_other")
    stale = f"t={t - 600},v1={sign('whsec_new', t - 600, body)}"
    assert not documented(stale, body, "whsec_new")
