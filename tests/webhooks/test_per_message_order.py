"""A message's later event waits while an earlier one to the same endpoint is undelivered."""

from __future__ import annotations

import pytest

from smscast.db import utcnow
from smscast.webhooks.outbox import enqueue_message_events
from tests.webhooks.conftest import make_message, running, states
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio


async def test_delivered_is_not_sent_before_sent_has_arrived(client, services, tenant, receiver):
    await client.post(
        "/v1/webhooks/endpoints",
        json={"url": receiver.url, "events": ["message.sent", "message.delivered"]},
        headers=tenant.basic,
    )
    mids = [await make_message(services, tenant.account_id) for _ in range(3)]
    async with services.db.begin() as conn:
        await enqueue_message_events(conn, [(m, "sent", utcnow(), None, None) for m in mids])
    async with services.db.begin() as conn:
        await enqueue_message_events(conn, [(m, "delivered", utcnow(), None, None) for m in mids])
    receiver.plan = ["fail"] * 6  # the first attempts fail: `sent` events go into backoff
    async with running(services):
        await wait_until(lambda: len(receiver.ids()) == 6)
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["delivered"] * 6))
    for m in mids:
        mine = [r for r in receiver.requests if r.event["data"]["message_id"] == str(m)]
        sent_ok = next(
            r.at for r in mine if r.event["type"] == "message.sent" and r.answered == 200
        )
        assert all(r.at >= sent_ok for r in mine if r.event["type"] == "message.delivered")


async def _equal(got, expected) -> bool:
    return await got == expected
