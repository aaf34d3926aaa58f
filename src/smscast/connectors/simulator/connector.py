"""The "simulator" connector kind: an SmppConnector bound to a Simulator started beside it.

This is what `smscast serve` uses out of the box, so nothing here is a test double: the
messages go over a real SMPP session on 127.0.0.1, and receipts come back the same way.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import smpp34

from smscast.connectors.base import Inbound, OutboundMessage, Receipt, SubmitResult
from smscast.connectors.simulator.config import SimulatorConfig
from smscast.connectors.simulator.server import Simulator
from smscast.connectors.smpp import SmppConfig, SmppConnector

__all__ = ["SimulatorConnector"]

log = logging.getLogger(__name__)

_SIM_FIELDS = {f.name for f in dataclasses.fields(SimulatorConfig)} - {"system_id"}
_SMPP_FIELDS = {f.name for f in dataclasses.fields(SmppConfig)} - {"host", "port"}


class SimulatorConnector:
    """Start a Simulator on `host:port`, then an SmppConnector bound to it.

    If the port is taken, we assume another smscast process runs the simulator there (two
    workers on one host, or `smscast smsc`) and bind to that one instead.
    """

    def __init__(self, name: str, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        host = str(options.pop("host", "127.0.0.1"))
        port = int(options.pop("port", 0))
        unknown = sorted(set(options) - _SIM_FIELDS - _SMPP_FIELDS)
        if unknown:
            raise ValueError(f"unknown simulator option(s): {', '.join(unknown)}")
        sim_options = {k: v for k, v in options.items() if k in _SIM_FIELDS}
        sim_options.setdefault("record", False)  # it runs for days: keep nothing per message
        self.name = name
        self.simulator = Simulator(host, port, SimulatorConfig(**sim_options))
        smpp_options = {k: v for k, v in options.items() if k in _SMPP_FIELDS}
        smpp_options.setdefault("system_id", "smscast")
        smpp_options.setdefault("password", "")
        # Built now so that events() can be read before start(); the port is set on start.
        self.connector = SmppConnector(name, SmppConfig(host=host, port=port, **smpp_options))
        self._port = port
        self._own_simulator = False

    @property
    def bound(self) -> int:
        """Usable binds of the inner SMPP connector."""
        return self.connector.bound

    async def start(self) -> None:
        """Start the simulator (or find one already on the port), then bind to it."""
        port = self._port
        try:
            await self.simulator.start()
            self._own_simulator = True
            port = self.simulator.port
        except (smpp34.SmppError, OSError) as exc:  # smpp34 says "Address already in use"
            if not port:
                raise
            log.warning(
                "%s: port %d is taken (%s); binding to the SMSC there", self.name, port, exc
            )
        self.connector.config = dataclasses.replace(self.connector.config, port=port)
        try:
            await self.connector.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop the connector, then the simulator."""
        await self.connector.stop()
        if self._own_simulator:
            await self.simulator.stop()
            self._own_simulator = False

    async def submit(self, message: OutboundMessage) -> SubmitResult:
        """Submit through the inner SMPP connector."""
        return await self.connector.submit(message)

    async def events(self) -> AsyncIterator[Receipt | Inbound]:
        """Receipts and MO from the inner SMPP connector."""
        async for event in self.connector.events():
            yield event
