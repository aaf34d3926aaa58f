"""The registry builds each kind; the simulator kind is a working connector on its own."""

from __future__ import annotations

import asyncio

import pytest

from smscast.connectors import registry
from smscast.connectors.base import Connector
from smscast.connectors.simulator.connector import SimulatorConnector
from smscast.connectors.smpp import SmppConnector
from tests.connectors.conftest import message, simulator, wait_until

pytestmark = pytest.mark.anyio


def test_smpp_kind_builds_from_options():
    conn = registry.build(
        "smpp", "carrier", {"host": "smsc.example", "port": 2775, "system_id": "a", "password": "b"}
    )
    assert isinstance(conn, SmppConnector) and isinstance(conn, Connector)
    assert (conn.name, conn.config.host, conn.config.binds) == ("carrier", "smsc.example", 1)


@pytest.mark.parametrize(
    ("kind", "options", "match"),
    [
        ("carrier-pigeon", {}, "unknown connector kind"),
        ("smpp", {"host": "h", "port": 1, "system_id": "a", "password": "b", "bindz": 2}, "bindz"),
        ("smpp", {"host": "h", "port": 1, "system_id": "a", "password": "123456789"}, "8"),
        ("simulator", {"latency": 5}, "latency"),
    ],
)
def test_bad_kind_or_options_are_refused(kind, options, match):
    with pytest.raises(ValueError, match=match):
        registry.build(kind, "x", options)


async def test_simulator_kind_sends_and_reports_receipts():
    conn = registry.build("simulator", "sim", {"port": 0, "receipt_delay_ms": 5, "binds": 2})
    assert isinstance(conn, SimulatorConnector) and isinstance(conn, Connector)
    seen = []

    async def read() -> None:
        async for event in conn.events():
            seen.append(event)

    reader = asyncio.create_task(read())
    await conn.start()
    try:
        result = await conn.submit(message("embedded"))
        await wait_until(lambda: seen)
        assert seen[0].carrier_id == result.carrier_ids[0]
        await wait_until(lambda: conn.bound == 2)
        assert conn.simulator.received == []  # the embedded one keeps no records
    finally:
        await conn.stop()
    await asyncio.wait_for(reader, 2)  # events() ends with stop()


async def test_simulator_kind_shares_a_simulator_already_on_its_port():
    async with simulator() as sim:
        conn = registry.build("simulator", "sim", {"port": sim.port})
        await conn.start()
        try:
            await conn.submit(message("via the other one"))
        finally:
            await conn.stop()
        assert [m.text for m in sim.messages()] == ["via the other one"]
