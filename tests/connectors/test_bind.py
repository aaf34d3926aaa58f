"""Binding: credentials are checked, several binds are held and used, stop() is bounded."""

from __future__ import annotations

import asyncio
import time

import pytest

from smscast.connectors.base import ConnectorError
from smscast.connectors.smpp import SmppConnector
from tests.connectors.conftest import (
    connected,
    events,
    message,
    simulator,
    smpp_config,
    wait_until,
)

pytestmark = pytest.mark.anyio

CREDENTIALS = {"credentials": {"smscast": "secret"}}


async def test_good_credentials_bind_and_submit():
    async with simulator(**CREDENTIALS) as sim, connected(sim, password="secret") as conn:
        assert conn.bound == 1
        result = await conn.submit(message("through the gate"))
        assert [m.text for m in sim.messages()] == ["through the gate"]
        assert result.carrier_ids == sim.messages()[0].message_ids


@pytest.mark.parametrize(("system_id", "password"), [("smscast", "wrong"), ("stranger", "secret")])
async def test_bad_credentials_fail_start_in_bounded_time(system_id, password):
    async with simulator(**CREDENTIALS) as sim:
        conn = SmppConnector(
            "t", smpp_config(sim, system_id=system_id, password=password, connect_timeout_s=0.5)
        )
        started = time.monotonic()
        with pytest.raises(ConnectorError) as caught:
            await conn.start()
        # smpp34 turns the bind_resp error into "bind timed out": transient, after the timeout.
        assert caught.value.code == "bind_failed" and not caught.value.permanent
        assert time.monotonic() - started < 3
        assert sim.refused_binds >= 1
        assert not sim.received


async def test_nothing_listening_fails_start():
    async with simulator() as sim:
        pass  # stopped: its port is closed now
    conn = SmppConnector("t", smpp_config(sim, connect_timeout_s=0.5))
    with pytest.raises(ConnectorError, match="bind_failed"):
        await conn.start()


async def test_several_binds_are_held_and_used_in_turn():
    async with simulator() as sim, connected(sim, binds=3) as conn:
        await _wait_bound(conn, 3)
        await asyncio.gather(*(conn.submit(message(f"n{i}")) for i in range(30)))
        sessions = {r.session_id for r in sim.received}
        assert len(sessions) == 3
        assert sim.stats["binds"] == 3


async def test_transmitter_plus_receiver_binds_get_their_receipts():
    async with simulator() as sim, connected(sim, bind_type="TX+RX", binds=2) as conn:
        await _wait_bound(conn, 2)
        await wait_until(lambda: sim.stats["binds"] == 4)  # a TX and an RX per bind
        async with events(conn) as seen:
            result = await conn.submit(message())
            await sim.drain()
            await wait_until(lambda: seen.receipts)
        assert seen.receipts[0].carrier_id == result.carrier_ids[0]


async def test_stop_is_bounded_and_ends_events():
    async with simulator(latency_ms=50) as sim:
        conn = SmppConnector("t", smpp_config(sim, binds=2))
        await conn.start()
        reader = asyncio.create_task(_drain(conn))
        pending = [asyncio.create_task(conn.submit(message())) for _ in range(20)]
        await asyncio.sleep(0.01)
        started = time.monotonic()
        await conn.stop()
        assert time.monotonic() - started < 2
        await asyncio.wait_for(reader, 1)
        done = await asyncio.gather(*pending, return_exceptions=True)
        assert all(not isinstance(d, BaseException) or isinstance(d, ConnectorError) for d in done)
        assert conn.bound == 0


async def test_simulator_stop_is_bounded_with_sessions_bound():
    sim_cm = simulator()
    sim = await sim_cm.__aenter__()
    async with connected(sim, binds=2):
        started = time.monotonic()
        await sim_cm.__aexit__(None, None, None)
        assert time.monotonic() - started < 2


async def _drain(conn: SmppConnector) -> None:
    async for _ in conn.events():
        pass


async def _wait_bound(conn: SmppConnector, n: int) -> None:
    await wait_until(lambda: conn.bound == n)


async def test_start_can_be_retried_after_a_failed_start():
    async with simulator() as first:
        pass  # its port is closed now: the carrier is down
    conn = SmppConnector("t", smpp_config(first, connect_timeout_s=0.5))
    with pytest.raises(ConnectorError):
        await conn.start()
    async with simulator() as sim:
        conn.config = smpp_config(sim)
        await conn.start()  # a fresh attempt, not the last failure again
        try:
            async with events(conn) as seen:
                result = await conn.submit(message())
                await wait_until(lambda: seen.receipts)
            assert seen.receipts[0].carrier_id == result.carrier_ids[0]
        finally:
            await conn.stop()


async def test_a_stopped_connector_starts_again():
    async with simulator() as sim:
        conn = SmppConnector("t", smpp_config(sim))
        await conn.start()
        await conn.stop()
        await conn.start()
        try:
            async with events(conn) as seen:
                await conn.submit(message())
                await wait_until(lambda: seen.receipts)  # events() did not end at once
        finally:
            await conn.stop()
