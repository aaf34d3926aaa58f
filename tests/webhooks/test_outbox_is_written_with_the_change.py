"""The outbox row exists if and only if the change that caused it committed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smscast.connectors.base import Receipt
from smscast.db import utcnow
from smscast.dispatch.store import Outcome, SqlStore
from smscast.services import Services
from smscast.webhooks.models import DELIVERIES
from smscast.webhooks.outbox import enqueue, enqueue_message_events
from tests.conftest import make_tenant
from tests.webhooks.conftest import make_message

pytestmark = pytest.mark.anyio

URL = "https://93.184.216.34/hooks"  # a public literal: no DNS needed


async def _endpoint(client, tenant, events):
    r = await client.post(
        "/v1/webhooks/endpoints", json={"url": URL, "events": events}, headers=tenant.basic
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _rows(services: Services, account_id):
    d = DELIVERIES
    async with services.db.begin() as conn:
        rows = await conn.execute(
            select(d.c.type, d.c.endpoint_id, d.c.url, d.c.payload)
            .where(d.c.account_id == account_id)
            .order_by(d.c.id)
        )
        return rows.all()


async def test_a_rolled_back_transaction_leaves_no_outbox_row(client, services, tenant):
    await _endpoint(client, tenant, ["*"])
    mid = await make_message(services, tenant.account_id)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with services.db.begin() as conn:
            await enqueue_message_events(conn, [(mid, "delivered", utcnow(), None, None)])
            await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
            inside = await conn.execute(
                select(func.count()).where(DELIVERIES.c.account_id == tenant.account_id)
            )
            assert inside.scalar_one() == 2  # written, in the transaction
            raise Boom
    assert await _rows(services, tenant.account_id) == []


async def test_dispatch_status_changes_write_their_events_in_the_same_transaction(
    fresh_settings,
):
    """Through the real dispatch store: claim, sent, delivery receipt."""
    services = Services.build(fresh_settings, pool_size=3)
    try:
        tenant = await make_tenant(services)
        hooked = await services.webhooks.create_endpoint(
            tenant.account_id, url=URL, events=["message.sent", "message.delivered"]
        )
        plain = await make_message(services, tenant.account_id)
        called = await make_message(services, tenant.account_id, callback_url=URL + "/cb")
        store = SqlStore(services.db)
        claimed = await store.claim("w1", 10, timedelta(minutes=1), utcnow())
        assert {c.id for c in claimed} == {plain, called}
        assert await _rows(services, tenant.account_id) == []  # `sending` raises no event
        await store.record(
            "w1",
            [Outcome(c.id, "sent", connector="sim", carrier_ids=[f"c-{c.id}"]) for c in claimed],
            utcnow(),
        )
        await store.apply_receipts(
            "sim", [Receipt(f"c-{c.id}", "delivered") for c in claimed], utcnow()
        )
        rows = await _rows(services, tenant.account_id)
        by = sorted((r.type, r.payload["message_id"], str(r.endpoint_id), r.url) for r in rows)
        eid = str(hooked["id"])
        assert by == sorted(
            [
                ("message.sent", str(plain), eid, None),
                ("message.sent", str(called), eid, None),
                ("message.delivered", str(plain), eid, None),
                ("message.delivered", str(called), eid, None),
                # A callback_url without events hears of delivery only.
                ("message.delivered", str(called), "None", URL + "/cb"),
            ]
        )
        data = next(r.payload for r in rows if r.type == "message.delivered")
        assert data["status"] == "delivered" and data["to"] == "+14155550100"
        assert data["tags"] == ["otp"] and data["metadata"] == {"order": 42}
    finally:
        await services.close()


async def test_nobody_subscribed_means_no_rows(client, services, tenant):
    mid = await make_message(services, tenant.account_id)
    async with services.db.begin() as conn:
        await enqueue_message_events(
            conn,
            [(mid, s, utcnow(), None, None) for s in ("queued", "sending", "sent", "delivered")],
        )
    assert await _rows(services, tenant.account_id) == []


async def test_callback_events_choose_what_a_callback_url_hears(client, services, tenant):
    await _endpoint(client, tenant, ["message.failed"])
    mid = await make_message(
        services, tenant.account_id, callback_url=URL, callback_events=["message.sent"]
    )
    async with services.db.begin() as conn:
        await enqueue_message_events(
            conn,
            [
                (mid, "sent", utcnow(), None, None),
                (mid, "failed", utcnow(), "rejected by the carrier", "rejected"),
            ],
        )
    rows = await _rows(services, tenant.account_id)
    assert [(r.type, r.url is not None) for r in rows] == [
        ("message.sent", True),
        ("message.failed", False),
    ]
    assert rows[1].payload["error"] == {"code": "rejected", "reason": "rejected by the carrier"}


async def test_enqueue_reaches_endpoints_the_message_callback_and_a_given_url(
    client, services, tenant
):
    await _endpoint(client, tenant, ["message.clicked"])
    await _endpoint(client, tenant, ["message.delivered"])  # not this event
    mid = await make_message(
        services, tenant.account_id, callback_url=URL, callback_events=["message.clicked"]
    )
    quiet = await make_message(services, tenant.account_id, callback_url=URL)
    async with services.db.begin() as conn:
        n = await enqueue(
            conn,
            account_id=tenant.account_id,
            type="message.clicked",
            payload={"url": "https://shop.example/sale"},
            message_id=mid,
        )
        assert n == 2  # the endpoint and the message's callback_url
        # Its callback_url asked for nothing but delivery: the click goes to the endpoint only.
        assert (
            await enqueue(
                conn,
                account_id=tenant.account_id,
                type="message.clicked",
                payload={},
                message_id=quiet,
                callback_url=URL + "/batch",
            )
            == 2
        )
    rows = await _rows(services, tenant.account_id)
    assert rows[0].payload == {"url": "https://shop.example/sale", "message_id": str(mid)}
    assert sorted(r.url or "endpoint" for r in rows) == [
        "endpoint",
        "endpoint",
        URL,
        URL + "/batch",
    ]
