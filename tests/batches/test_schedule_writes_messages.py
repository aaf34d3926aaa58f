"""SCHEDULE turns every valid row into a queued message of the batch and its campaign."""

from __future__ import annotations

import uuid

import pytest

from tests.batches.helpers import adds_up, campaign, created, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_schedule_writes_one_message_per_valid_row(client, services, tenant: Tenant):
    c = await campaign(client, tenant, traffic="transactional")
    csv = "+14155550100,Hello\\nthere\n+14155550101,Привет\n+14155550100,dup\nbad,x\n"
    batch = await created(client, tenant, csv, campaign_id=c["id"])
    done = await scheduled(client, services, tenant, batch["id"])
    assert done["status"] == "PROCESSING"
    counts = done["counts"]
    assert (counts["valid"], counts["duplicates"], counts["invalid"]) == (2, 1, 1)
    assert counts["messages"] == counts["queued"] == 2
    assert adds_up(counts)
    sent = sorted(await messages(client, tenant, batch["id"]), key=lambda m: m["to"])
    assert [(m["to"], m["body"], m["encoding"]) for m in sent] == [
        ("+14155550100", "Hello\nthere", "GSM-7"),
        ("+14155550101", "Привет", "UCS-2"),
    ]
    assert {m["status"] for m in sent} == {"queued"}
    assert {m["campaign_id"] for m in sent} == {c["id"]}
    assert {m["traffic"] for m in sent} == {"transactional"}
    one = (await client.get(f"/v1/messages/{sent[0]['id']}", headers=tenant.basic)).json()
    assert [(e["from_status"], e["to_status"]) for e in one["events"]] == [("accepted", "queued")]
    assert {e["code"] for e in await errors(client, tenant, batch["id"])} == {
        "duplicate", "invalid_number",
    }  # fmt: skip


async def test_batch_messages_are_marketing_unless_the_campaign_says_otherwise(
    client, services, tenant: Tenant
):
    batch = await created(client, tenant, "+14155550100,Sale!\n")
    await scheduled(client, services, tenant, batch["id"])
    (m,) = await messages(client, tenant, batch["id"])
    assert m["traffic"] == "marketing"


async def test_create_with_schedule_sends_at_once(client, services, tenant: Tenant):
    batch = await created(client, tenant, "+14155550100,now\n", action="SCHEDULE")
    assert batch["status"] in ("SCHEDULED", "PROCESSING")
    done = await scheduled_wait(client, services, tenant, batch["id"])
    assert done["counts"]["messages"] == 1


async def scheduled_wait(client, services, tenant, batch_id):
    await services.batches.wait(uuid.UUID(batch_id))
    return (await client.get(f"/v1/batches/{batch_id}", headers=tenant.basic)).json()


async def test_a_batch_whose_rows_are_all_invalid_fails(client, services, tenant: Tenant):
    batch = await created(client, tenant, "nope,x\nnada,y\n")
    done = await scheduled(client, services, tenant, batch["id"])
    assert done["status"] == "FAILED"
    assert done["finished_at"] is not None
    assert done["error"]


async def test_the_batch_is_delivered_when_every_message_is_final(client, services, tenant: Tenant):
    from sqlalchemy import update

    from smscast.messages.models import MESSAGES

    batch = await created(client, tenant, "+14155550100,a\n+14155550101,b\n")
    await scheduled(client, services, tenant, batch["id"])
    async with services.db.begin() as conn:
        await conn.execute(
            update(MESSAGES)
            .where(MESSAGES.c.batch_id == uuid.UUID(batch["id"]))
            .values(
                status="delivered", sent_at=MESSAGES.c.created_at, done_at=MESSAGES.c.created_at
            )
        )
    got = (await client.get(f"/v1/batches/{batch['id']}", headers=tenant.basic)).json()
    assert got["status"] == "DELIVERED"
    assert got["finished_at"] is not None
    assert (got["counts"]["delivered"], got["counts"]["sent"]) == (2, 2)
