"""Connector tests run a real Simulator on 127.0.0.1 and real SMPP sessions against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from smscast.connectors.base import Inbound, OutboundMessage, Receipt
from smscast.connectors.simulator import Simulator, SimulatorConfig
from smscast.connectors.smpp import SmppConfig, SmppConnector

SENDER = "+15550100"  # an E.164 sender (US test range)
PHONE = "+447700900123"  # Ofcom's drama range
WIRE_PHONE = PHONE[1:]  # as it goes on the wire: TON 1, no '+'


@contextlib.asynccontextmanager
async def simulator(**config: Any) -> AsyncIterator[Simulator]:
    """A started simulator with fast receipts; stopped afterwards."""
    config.setdefault("receipt_delay_ms", 5)
    sim = Simulator(config=SimulatorConfig(**config))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


def smpp_config(sim: Simulator, **options: Any) -> SmppConfig:
    """Settings for binding to `sim`, with test-sized timeouts."""
    defaults: dict[str, Any] = {
        "system_id": "smscast",
        "password": "pw",
        "submit_timeout_s": 2.0,
        "connect_timeout_s": 2.0,
        "health_check_s": 0.2,
        "reconnect_min_s": 0.05,
        "reconnect_max_s": 0.2,
        "stop_timeout_s": 1.0,
    }
    return SmppConfig(host="127.0.0.1", port=sim.port, **(defaults | options))


@contextlib.asynccontextmanager
async def connected(sim: Simulator, **options: Any) -> AsyncIterator[SmppConnector]:
    """A started SmppConnector bound to `sim`; stopped afterwards."""
    connector = SmppConnector("test", smpp_config(sim, **options))
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def message(body: str = "Hello", *, to: str = PHONE, sender: str = SENDER, ref: int = 0):
    """An outbound message as the dispatcher hands it over."""
    return OutboundMessage(id="m", source=sender, destination=to, body=body, reference=ref)


class Events:
    """Collects a connector's events in the background."""

    def __init__(self, connector: SmppConnector) -> None:
        self.items: list[Receipt | Inbound] = []
        self._task = asyncio.create_task(self._run(connector))

    async def _run(self, connector: SmppConnector) -> None:
        async for event in connector.events():
            self.items.append(event)

    @property
    def receipts(self) -> list[Receipt]:
        return [e for e in self.items if isinstance(e, Receipt)]

    @property
    def inbound(self) -> list[Inbound]:
        return [e for e in self.items if isinstance(e, Inbound)]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def events(connector: SmppConnector) -> AsyncIterator[Events]:
    """Read `connector.events()` for the duration of the block."""
    collected = Events(connector)
    try:
        yield collected
    finally:
        await collected.close()


async def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll until `predicate()` is true; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
