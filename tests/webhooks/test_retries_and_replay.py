"""Retry-After is honoured; a delivery dies after the retry horizon or on a 4xx; replay sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smscast.webhooks.outbox import enqueue
from smscast.webhooks.sender import retry_after_s
from tests.webhooks.conftest import running, states
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio


async def _setup(client, services, tenant, url, n=1):
    endpoint = (
        await client.post(
            "/v1/webhooks/endpoints", json={"url": url, "events": ["*"]}, headers=tenant.basic
        )
    ).json()
    async with services.db.begin() as conn:
        for i in range(n):
            await enqueue(
                conn, account_id=tenant.account_id, type="batch.finished", payload={"i": i}
            )
    return endpoint


async def test_429_retry_after_is_honoured(client, services, tenant, receiver):
    await _setup(client, services, tenant, receiver.url)
    receiver.plan = ["429:1"]
    async with running(services):
        await wait_until(lambda: len(receiver.delivered()) == 1, timeout=5)
    first, second = receiver.requests
    assert first.answered == 429
    # Our backoff would have retried after ~0.05 s; the receiver asked for 1 s.
    assert second.at - first.at >= 1.0
    assert first.headers["smscast-event-id"] == second.headers["smscast-event-id"]
    assert second.headers["smscast-delivery-attempt"] == "2"


async def test_dead_after_the_retry_horizon_then_replay_delivers(
    client, services, settings, tenant, receiver
):
    await _setup(client, services, tenant, receiver.url)
    receiver.mode = "fail"
    short = settings.model_copy(update={"webhook_retry_horizon_s": 0.6})
    async with running(services, short):
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["dead"]), 5)
    assert len(receiver.requests) >= 3  # retried until the horizon, then gave up
    dead = (await client.get("/v1/webhooks/dead", headers=tenant.basic)).json()["data"]
    assert len(dead) == 1 and dead[0]["last_status"] == 500
    assert "gave up" in dead[0]["last_error"]
    receiver.mode = "ok"
    r = await client.post(f"/v1/webhooks/deliveries/{dead[0]['id']}/replay", headers=tenant.basic)
    assert r.status_code == 202, r.text
    async with running(services, short):
        await wait_until(lambda: len(receiver.delivered()) == 1)
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["delivered"]))
    assert receiver.delivered()[0].headers["smscast-event-id"] == str(dead[0]["event_id"])
    one = await client.get(f"/v1/webhooks/deliveries/{dead[0]['id']}", headers=tenant.basic)
    log = one.json()["attempt_log"]
    assert [a["outcome"] for a in log][-2:] == ["dead", "delivered"]
    assert all(a["latency_ms"] >= 0 for a in log)


async def test_a_4xx_answer_is_dead_at_once_and_dead_ones_replay_together(
    client, services, tenant, receiver
):
    await _setup(client, services, tenant, receiver.url, n=3)
    receiver.mode = "410"
    async with running(services):
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["dead"] * 3))
    assert len(receiver.requests) == 3  # no retry of a 4xx
    receiver.mode = "ok"
    r = await client.post("/v1/webhooks/dead/replay", json={}, headers=tenant.basic)
    assert r.json() == {"replayed": 3}
    async with running(services):
        await wait_until(lambda: len(receiver.ids()) == 3)


async def test_a_pending_delivery_cannot_be_replayed(client, services, tenant):
    await _setup(client, services, tenant, "https://93.184.216.34/h")
    d = (await client.get("/v1/webhooks/deliveries", headers=tenant.basic)).json()["data"][0]
    r = await client.post(f"/v1/webhooks/deliveries/{d['id']}/replay", headers=tenant.basic)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s("120", now) == 120
    assert retry_after_s("Sun, 22 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_s("Sun, 22 Nov 2026 11:00:00 GMT", now) == 0  # past: now
    assert retry_after_s("soon", now) is None and retry_after_s(None, now) is None


async def _equal(got, expected) -> bool:
    return await got == expected
