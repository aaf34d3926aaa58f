"""A misbehaving SMSC: throttling, full queues, silence and dropped sessions."""

from __future__ import annotations

import asyncio
import time

import pytest

from smscast.connectors.base import ConnectorError, SubmitResult
from smscast.connectors.simulator import Simulator, SimulatorConfig
from tests.connectors.conftest import connected, message, simulator, wait_until

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("fault", "code"), [("throttle_rate", "throttled"), ("queue_full_rate", "queue_full")]
)
async def test_throttle_and_queue_full_are_transient(fault, code):
    async with simulator(**{fault: 1.0}) as sim, connected(sim) as conn:
        with pytest.raises(ConnectorError) as caught:
            await conn.submit(message())
        assert caught.value.code == code and not caught.value.permanent
        assert conn.bound == 1  # the bind is fine; only the message must wait
        assert sim.received[0].message_id is None


async def test_fault_rate_is_a_share_of_submits():
    async with simulator(throttle_rate=0.3, seed=2) as sim, connected(sim) as conn:
        results = await asyncio.gather(
            *(conn.submit(message(f"m{i}")) for i in range(200)), return_exceptions=True
        )
    failed = [r for r in results if isinstance(r, ConnectorError)]
    assert {e.code for e in failed} == {"throttled"}
    assert 35 < len(failed) < 85  # expected 60
    assert sim.stats["throttled"] == len(failed)


async def test_no_answer_times_out_in_bounded_time():
    async with simulator(no_answer_rate=1.0) as sim, connected(sim, submit_timeout_s=0.3) as conn:
        started = time.monotonic()
        with pytest.raises(ConnectorError) as caught:
            await conn.submit(message())
        assert time.monotonic() - started < 1.5  # the 0.3 s deadline, not smpp34's 30 s
        assert caught.value.code == "timeout" and not caught.value.permanent
        assert sim.stats["no_answer"] == 1


async def test_dropped_session_fails_in_flight_then_reconnects():
    async with simulator(drop_rate=1.0) as sim, connected(sim) as conn:
        with pytest.raises(ConnectorError) as caught:
            await conn.submit(message("lost"))
        assert caught.value.code in ("bind_lost", "not_bound") and not caught.value.permanent
        await wait_until(lambda: sim.stats["binds"] >= 2 and conn.bound == 1)
        assert conn.reconnects >= 1
        sim.reconfigure(drop_rate=0.0)  # the fault is over: submits must work again
        result = await conn.submit(message("after"))
        assert result.carrier_ids and sim.messages()[-1].text == "after"


async def test_submits_during_a_reconnect_wait_for_the_new_bind():
    async with simulator() as sim, connected(sim) as conn:
        for esme in list(sim.sessions.values()):
            await esme.unbind()  # the SMSC drops us
        results = await asyncio.gather(
            *(conn.submit(message(f"m{i}")) for i in range(5)), return_exceptions=True
        )
        for result in results:  # sent on the new bind, or a transient error to retry
            assert isinstance(result, SubmitResult) or (
                isinstance(result, ConnectorError) and not result.permanent
            )
        await wait_until(lambda: conn.bound == 1)
        await conn.submit(message("after"))
        assert sim.messages()[-1].text == "after"


async def test_restarted_smsc_is_rebound():
    async with simulator() as sim:
        port = sim.port
        async with connected(sim) as conn:
            await sim.stop()
            await wait_until(lambda: conn.bound == 0)
            again = Simulator(port=port, config=SimulatorConfig(receipt_delay_ms=5))
            await again.start()
            try:
                await wait_until(lambda: conn.bound == 1)
                await conn.submit(message("back"))
                assert [m.text for m in again.messages()] == ["back"]
            finally:
                await again.stop()
