"""A processor that dies mid-batch leaves whole parts; the next run finishes the rest and no
row becomes two messages."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from smscast.batches.models import BATCHES
from smscast.db import utcnow
from tests.batches.helpers import adds_up, created, errors, messages
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


class Died(BaseException):
    """The process dies (not an error the processor could record)."""


async def test_run_pending_finishes_a_batch_whose_processor_died(
    client, services, tenant: Tenant, monkeypatch
):
    monkeypatch.setattr("smscast.batches.store.PART_CHARS", 64)
    content = "".join(f"+1415555{i:04d},m{i}\n" for i in range(40)) + "+14155550000,dup\n"
    batch = await created(client, tenant, content)
    bid = uuid.UUID(batch["id"])
    processor = services.batches.processor
    real_write = processor._write
    calls = 0

    async def dying(run, decided):
        nonlocal calls
        calls += 1
        if calls == 4:
            raise Died  # nothing after this commits
        await real_write(run, decided)

    monkeypatch.setattr(processor, "_write", dying)
    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    await services.batches._schedule(principal, bid)
    with pytest.raises(Died):
        await services.batches.process(bid)
    assert 0 < len(await messages(client, tenant, batch["id"])) < 41
    monkeypatch.setattr(processor, "_write", real_write)

    # The lease is still held: nothing picks the batch up until it expires.
    assert await services.batches.run_pending() == 0
    async with services.db.begin() as conn:
        await conn.execute(
            update(BATCHES)
            .where(BATCHES.c.id == bid)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert await services.batches.run_pending() == 1
    await services.batches.wait(bid)
    done = (await client.get(f"/v1/batches/{batch['id']}", headers=tenant.basic)).json()
    assert done["status"] == "PROCESSING"
    assert (done["counts"]["valid"], done["counts"]["duplicates"]) == (40, 1)
    assert adds_up(done["counts"])
    sent = await messages(client, tenant, batch["id"])
    assert len(sent) == 40 == len({m["to"] for m in sent})
    assert [e["code"] for e in await errors(client, tenant, batch["id"])] == ["duplicate"]
