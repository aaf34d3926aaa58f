"""The simulator records what it got, counts duplicates, and runs as its own process."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import pytest
import smpp34

from smscast.connectors.simulator import SimulatorConfig
from tests.connectors.conftest import WIRE_PHONE, connected, message, simulator

pytestmark = pytest.mark.anyio


async def test_records_count_duplicates_by_destination_and_body():
    async with simulator() as sim, connected(sim) as conn:
        for body in ("one", "two", "one", "Ваш заказ готов к выдаче. " * 6):
            await conn.submit(message(body))
        await conn.submit(message("Ваш заказ готов к выдаче. " * 6, ref=9))  # resent whole
    assert sim.duplicates() == {
        (WIRE_PHONE, "one"): 2,
        (WIRE_PHONE, "Ваш заказ готов к выдаче. " * 6): 2,
    }
    assert len(sim.by_destination(WIRE_PHONE)) == 9  # parts: 1 + 1 + 1 + 3 + 3
    assert all(sim.by_id[r.message_id] is r for r in sim.received if r.message_id)
    assert all(r.system_id == "smscast" for r in sim.received)


async def test_submit_latency_is_applied():
    async with simulator(latency_ms=100) as sim, connected(sim) as conn:
        started = time.monotonic()
        await asyncio.gather(*(conn.submit(message(f"m{i}")) for i in range(30)))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.095
    assert elapsed < 2.0  # in parallel: one after another would take 3 s


async def test_first_id_and_hex_ids_shape_message_ids():
    async with simulator(first_id=10, hex_ids=True) as sim, connected(sim) as conn:
        await conn.submit(message())
        await conn.submit(message())
    assert [r.message_id for r in sim.received] == ["0000000A", "0000000B"]


def test_config_refuses_impossible_rates():
    with pytest.raises(ValueError):
        SimulatorConfig(throttle_rate=0.7, drop_rate=0.5)
    with pytest.raises(ValueError):
        SimulatorConfig(delivered=0)


async def test_runs_as_a_separate_process_and_stops_on_sigterm():
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smscast.connectors.simulator",
        "--port",
        "0",
        "--receipt-delay-ms",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        port = int(line.rsplit(":", 1)[1])
        client = smpp34.Client("127.0.0.1", port, "bench", "pw")
        smsc = await client.connect()
        resp = await smsc.submit_sm(
            "447700900123", b"hi", source_addr="12345", registered_delivery=1
        )
        assert resp.is_success
        receipt = await asyncio.wait_for(smsc.next(), 5)
        assert isinstance(receipt, smpp34.DeliverSmEvent) and receipt.esm_class == 0x04
        await smsc.unbind()
        await client.stop()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        assert proc.stderr is not None
        assert b'"submit_sm": 1' in await proc.stderr.read()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
