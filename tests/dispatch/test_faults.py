"""The simulator misbehaving over real sockets: nothing is lost, everything ends final."""

from __future__ import annotations

import pytest

from tests.dispatch.accept import accept
from tests.dispatch.conftest import connector_for, make_worker, running, simulator, wait_for
from tests.dispatch.helpers import all_final, statuses

pytestmark = pytest.mark.anyio

FAST_RETRY = {"retry_base_s": 0.05, "retry_max_s": 0.3}


@pytest.mark.parametrize(
    "fault",
    [
        {"throttle_rate": 0.3},
        {"queue_full_rate": 0.3},
        {"throttle_rate": 0.2, "queue_full_rate": 0.2},
    ],
)
async def test_throttling_and_full_queues_are_retried_until_delivered(own_services, tenant, fault):
    await accept(own_services, tenant, 100)
    async with simulator(seed=7, **fault) as sim:
        worker = make_worker(own_services, {"sim": connector_for(sim)}, **FAST_RETRY)
        async with running(worker):
            await wait_for(lambda: all_final(own_services, 100), timeout=30)
        assert not sim.duplicates()
    assert (await statuses(own_services))["delivered"] == 100


async def test_unanswered_submits_time_out_and_are_retried(own_services, tenant):
    await accept(own_services, tenant, 40)
    async with simulator(seed=3, no_answer_rate=0.1) as sim:
        conn = connector_for(sim, submit_timeout_s=0.3)
        async with running(make_worker(own_services, {"sim": conn}, **FAST_RETRY)):
            await wait_for(lambda: all_final(own_services, 40), timeout=40)
        # An unanswered submit may have reached the SMSC: resending it is the only duplicate.
        unanswered = sim.stats.get("no_answer", None)
        dupes = sum(n - 1 for n in sim.duplicates().values())
        print(f"duplicates at the SMSC: {dupes}, unanswered submits: {unanswered}")
        if unanswered is not None:
            assert dupes <= unanswered
    assert (await statuses(own_services))["delivered"] == 40


async def test_dropped_connections_reconnect_and_nothing_is_lost(own_services, tenant):
    await accept(own_services, tenant, 60)
    async with simulator(seed=5, drop_rate=0.05) as sim:
        conn = connector_for(sim, submit_timeout_s=0.5)
        async with running(make_worker(own_services, {"sim": conn}, **FAST_RETRY)):
            await wait_for(lambda: all_final(own_services, 60), timeout=60)
    s = await statuses(own_services)
    assert sum(s.values()) == 60
    # A receipt lost with its session leaves a message sent; every other ends delivered.
    assert s["delivered"] + s["sent"] == 60 or s["delivered"] >= 55


async def test_the_smsc_going_away_and_coming_back_loses_nothing(own_services, tenant):
    from smscast.connectors.simulator import Simulator, SimulatorConfig

    await accept(own_services, tenant, 30)
    sim = Simulator(config=SimulatorConfig(receipt_delay_ms=10))
    await sim.start()
    port = sim.port
    await sim.stop()  # the carrier is down when the worker starts
    conn = connector_for(sim, submit_timeout_s=0.5)
    async with running(make_worker(own_services, {"sim": conn}, **FAST_RETRY)):
        import asyncio

        await asyncio.sleep(1.0)
        sim2 = Simulator(port=port, config=SimulatorConfig(receipt_delay_ms=10))
        await sim2.start()
        try:
            await wait_for(lambda: all_final(own_services, 30), timeout=40)
        finally:
            await sim2.stop()
    assert (await statuses(own_services))["delivered"] == 30


async def test_permanent_carrier_errors_fail_without_retry(own_services, tenant):
    from smscast.connectors.base import ConnectorError

    class Refusing:
        name = "refusing"

        async def start(self): ...
        async def stop(self): ...

        async def submit(self, message):
            raise ConnectorError("invalid_destination", "ESME_RINVDSTADR", permanent=True)

        async def events(self):
            return
            yield

    await accept(own_services, tenant, 3)
    worker = make_worker(own_services, {"refusing": Refusing()}, default="refusing")
    async with running(worker):
        await wait_for(lambda: all_final(own_services, 3))
    from tests.dispatch.helpers import MESSAGES, select_one

    row = await select_one(
        own_services, MESSAGES.c.status, MESSAGES.c.error_code, MESSAGES.c.attempts
    )
    assert (row.status, row.error_code, row.attempts) == ("failed", "invalid_destination", 1)


async def test_transient_errors_give_up_after_the_last_attempt(own_services, tenant):
    from smscast.connectors.base import ConnectorError

    calls = 0

    class Throttling:
        name = "t"

        async def start(self): ...
        async def stop(self): ...

        async def submit(self, message):
            nonlocal calls
            calls += 1
            raise ConnectorError("throttled", "ESME_RTHROTTLED", permanent=False)

        async def events(self):
            return
            yield

    await accept(own_services, tenant, 1)
    worker = make_worker(
        own_services, {"t": Throttling()}, default="t", max_attempts=3, **FAST_RETRY
    )
    async with running(worker):
        await wait_for(lambda: all_final(own_services, 1))
    from tests.dispatch.helpers import MESSAGES, select_one

    row = await select_one(own_services, MESSAGES.c.status, MESSAGES.c.error_code)
    assert (row.status, row.error_code, calls) == ("failed", "retries_exhausted", 3)
