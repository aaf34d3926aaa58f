"""A receiver that refuses connections, answers 500, then hangs, then recovers: nothing lost."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from smscast.db import utcnow
from smscast.webhooks.models import ATTEMPTS
from smscast.webhooks.outbox import enqueue
from smscast.webhooks.store import DeliveryStore
from tests.webhooks.conftest import running, states
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio


async def test_every_event_arrives_after_refusals_errors_and_timeouts(
    client, services, tenant, receiver
):
    r = await client.post(
        "/v1/webhooks/endpoints",
        json={"url": receiver.url, "events": ["batch.finished"]},
        headers=tenant.basic,
    )
    endpoint = r.json()
    await receiver.down()  # connection refused
    async with services.db.begin() as conn:
        for n in range(30):
            await enqueue(
                conn, account_id=tenant.account_id, type="batch.finished", payload={"n": n}
            )
    async with running(services):
        await asyncio.sleep(0.6)
        receiver.mode = "fail"  # 500
        await receiver.start()
        await wait_until(lambda: len(receiver.requests) >= 10)
        receiver.mode = "hang"  # accepts, never answers: timeouts
        await asyncio.sleep(1.2)
        receiver.mode = "ok"
        await wait_until(lambda: len(receiver.ids()) == 30, timeout=15)
        done = ["delivered"] * 30
        await wait_until(lambda: _is(states(services, tenant.account_id), done))
    async with services.db.begin() as conn:
        errors = (
            await conn.execute(
                select(ATTEMPTS.c.status_code, ATTEMPTS.c.error).where(
                    ATTEMPTS.c.endpoint_id == uuid.UUID(endpoint["id"])
                )
            )
        ).all()
    got = {r.event["data"]["n"] for r in receiver.delivered()}
    assert got == set(range(30))
    assert any(e.status_code == 500 for e in errors)
    assert any(e.error and "Connect" in e.error for e in errors)
    assert any(e.error and "timed out" in e.error for e in errors)


async def test_a_sender_that_dies_mid_delivery_is_replaced_after_its_lease(
    client, services, tenant, receiver
):
    await client.post(
        "/v1/webhooks/endpoints",
        json={"url": receiver.url, "events": ["*"]},
        headers=tenant.basic,
    )
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    store = DeliveryStore(services.db)
    # A sender claims it and dies before sending: the row is leased, not lost.
    dead_sender = await store.claim(10, timedelta(milliseconds=200), utcnow())
    assert len(dead_sender) == 1
    async with running(services):
        await wait_until(lambda: len(receiver.ids()) == 1)
    assert receiver.delivered()[0].headers["smscast-delivery-attempt"] == "2"


async def _is(got, expected) -> bool:
    return await got == expected
