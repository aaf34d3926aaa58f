"""Two workers on one database drain one queue: every message sent exactly once."""

from __future__ import annotations

import asyncio

import pytest

from smscast.dispatch import Route, Router, SqlStore, Worker, WorkerConfig
from smscast.services import Services
from tests.dispatch.accept import accept
from tests.dispatch.conftest import connector_for, simulator, wait_for
from tests.dispatch.helpers import all_final, statuses

pytestmark = pytest.mark.anyio


async def test_two_workers_share_the_queue_without_double_sends(own_services, tenant):
    await accept(own_services, tenant, 600)
    # A second process's view of the same database: its own engine and pool.
    other = Services.build(own_services.settings, pool_size=5)
    async with simulator() as sim:
        workers = [
            Worker(
                SqlStore(svc.db),
                {"sim": connector_for(sim, name="sim")},
                Router([Route("sim", is_default=True)]),
                WorkerConfig(batch=40, flush_s=0.01, idle_poll_s=0.02, sweep_s=0.5),
                worker_id=f"w{i}",
            )
            for i, svc in enumerate((own_services, other))
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        try:
            await wait_for(lambda: all_final(own_services, 600), timeout=60)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await other.close()
        assert len(sim.messages()) == 600
        assert not sim.duplicates()
        if own_services.db.is_postgres:  # SKIP LOCKED lets both claim at once
            assert all(w.sent > 0 for w in workers), [w.sent for w in workers]
        assert sum(w.sent for w in workers) == 600
    assert (await statuses(own_services))["delivered"] == 600


async def test_a_dead_workers_lease_returns_its_messages(own_services, tenant):
    from datetime import timedelta

    from smscast.db import utcnow

    await accept(own_services, tenant, 5)
    store = SqlStore(own_services.db)
    claimed = await store.claim("dead-worker", 10, timedelta(seconds=1), utcnow())
    assert len(claimed) == 5
    assert await store.claim("other", 10, timedelta(seconds=1), utcnow()) == []
    assert await store.recover_leases(utcnow()) == 0  # lease still running
    assert await store.recover_leases(utcnow() + timedelta(seconds=2)) == 5
    assert (await statuses(own_services))["queued"] == 5


async def test_outcomes_of_a_worker_whose_lease_was_taken_over_are_ignored(own_services, tenant):
    from datetime import timedelta

    from smscast.db import utcnow
    from smscast.dispatch import Outcome

    [mid] = await accept(own_services, tenant, 1)
    store = SqlStore(own_services.db)
    await store.claim("slow", 1, timedelta(seconds=1), utcnow())
    await store.recover_leases(utcnow() + timedelta(seconds=2))
    [again] = await store.claim("fast", 1, timedelta(seconds=60), utcnow())
    await store.record("slow", [Outcome(mid, "failed", code="x", reason="late")], utcnow())
    assert (await statuses(own_services))["sending"] == 1  # still fast's
    await store.record("fast", [Outcome(mid, "sent", connector="sim", carrier_ids=["1"])], utcnow())
    assert (await statuses(own_services))["sent"] == 1
