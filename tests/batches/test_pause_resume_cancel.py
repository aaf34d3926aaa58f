"""Pause holds a batch's unsent messages where no dispatch worker claims them; resume puts
them back; cancel cancels them. Forbidden moves answer 409."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from smscast.db import utcnow
from smscast.dispatch.store import SqlStore
from tests.batches.helpers import campaign, created, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

CSV = "+14155550100,a\n+14155550101,b\n+14155550102,c\n"


async def claimable(services, batch_id: str) -> int:
    """How many of the batch's messages a dispatch worker would claim now."""
    from sqlalchemy import func, select

    from smscast.messages.models import MESSAGES as M

    async with services.db.begin() as conn:
        return await conn.scalar(
            select(func.count()).where(
                M.c.batch_id == uuid.UUID(batch_id),
                M.c.status.in_(("queued", "scheduled")),
                M.c.due_at <= utcnow() + timedelta(days=1),
            )
        )


async def test_pause_holds_messages_and_resume_releases_them(client, services, tenant: Tenant):
    # Transactional: no quiet hours, so the messages are due now whatever the time of day.
    c = await campaign(client, tenant, traffic="transactional")
    batch = await created(client, tenant, CSV, campaign_id=c["id"])
    await scheduled(client, services, tenant, batch["id"])
    assert await claimable(services, batch["id"]) == 3
    paused = await client.post(f"/v1/batches/{batch['id']}/pause", headers=tenant.basic)
    assert paused.status_code == 200
    assert paused.json()["status"] == "PAUSED"
    assert {m["status"] for m in await messages(client, tenant, batch["id"])} == {"held"}
    assert await claimable(services, batch["id"]) == 0
    resumed = await client.post(f"/v1/batches/{batch['id']}/resume", headers=tenant.basic)
    assert resumed.json()["status"] == "PROCESSING"
    assert {m["status"] for m in await messages(client, tenant, batch["id"])} == {"queued"}
    one = (await messages(client, tenant, batch["id"]))[0]
    events = (await client.get(f"/v1/messages/{one['id']}", headers=tenant.basic)).json()["events"]
    assert [e["to_status"] for e in events] == ["queued", "held", "queued"]


async def test_a_worker_claims_nothing_of_a_paused_batch(client, services, tenant: Tenant):
    batch = await created(client, tenant, CSV)
    await scheduled(client, services, tenant, batch["id"])
    await client.post(f"/v1/batches/{batch['id']}/pause", headers=tenant.basic)
    store = SqlStore(services.db)
    claimed = await store.claim("w-test", 1000, timedelta(seconds=30), utcnow())
    assert not {c.id for c in claimed} & {
        uuid.UUID(m["id"]) for m in await messages(client, tenant, batch["id"])
    }


async def test_cancel_cancels_every_unsent_message(client, services, tenant: Tenant):
    batch = await created(client, tenant, CSV)
    await scheduled(client, services, tenant, batch["id"])
    r = await client.post(f"/v1/batches/{batch['id']}/cancel", headers=tenant.basic)
    assert r.status_code == 200
    got = r.json()
    assert got["status"] == "CANCELLED"
    assert got["finished_at"] is not None
    assert got["counts"]["canceled"] == 3
    assert {m["status"] for m in await messages(client, tenant, batch["id"])} == {"canceled"}


async def test_a_paused_batch_can_be_cancelled(client, services, tenant: Tenant):
    batch = await created(client, tenant, CSV)
    await scheduled(client, services, tenant, batch["id"])
    await client.post(f"/v1/batches/{batch['id']}/pause", headers=tenant.basic)
    r = await client.post(f"/v1/batches/{batch['id']}/cancel", headers=tenant.basic)
    assert r.json()["status"] == "CANCELLED"
    assert {m["status"] for m in await messages(client, tenant, batch["id"])} == {"canceled"}


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "pause"),
        ([], "resume"),
        (["schedule"], "resume"),
        (["schedule", "cancel"], "cancel"),
        (["schedule", "cancel"], "pause"),
        (["schedule", "cancel"], "resume"),
        (["cancel"], "schedule"),
        (["cancel"], "validate"),
    ],
)
async def test_forbidden_moves_are_409(client, services, tenant: Tenant, setup, action):
    batch = await created(client, tenant, CSV)
    for step in setup:
        if step == "schedule":
            await scheduled(client, services, tenant, batch["id"])
        else:
            await client.post(f"/v1/batches/{batch['id']}/{step}", headers=tenant.basic)
    r = await client.post(f"/v1/batches/{batch['id']}/{action}", headers=tenant.basic)
    assert r.status_code == 409, (setup, action, r.text)
    assert r.json()["type"].endswith("/invalid-transition")


async def test_pausing_before_processing_stops_it_and_resume_finishes_it(
    client, services, tenant: Tenant
):
    batch = await created(client, tenant, CSV)
    bid = uuid.UUID(batch["id"])
    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    await services.batches._schedule(principal, bid)  # SCHEDULED, not yet processing
    paused = await services.batches.pause(principal, bid)
    assert paused["status"] == "PAUSED"
    await services.batches.process(bid)  # a processor that starts now does nothing
    assert await messages(client, tenant, batch["id"]) == []
    resumed = await client.post(f"/v1/batches/{batch['id']}/resume", headers=tenant.basic)
    assert resumed.json()["status"] in ("SCHEDULED", "PROCESSING")
    await services.batches.wait(bid)
    assert len(await messages(client, tenant, batch["id"])) == 3
