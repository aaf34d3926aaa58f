"""A worker with the consent hooks, as `runtime.build_worker` makes it, over a real SMPP
session to the simulator; and the API on the same (own) database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from smscast.connectors.simulator import Simulator
from smscast.dispatch import Route, Router, SqlStore, Worker, WorkerConfig
from smscast.inbound.hooks import WorkerHooks, worker_hooks
from smscast.services import Services
from tests.conftest import make_tenant
from tests.dispatch.conftest import connector_for, own_services, simulator, wait_for

__all__ = ["own_services"]

HANDSET = "+14155550123"
SHORT_CODE = "12345"


@pytest.fixture
async def own_tenant(own_services: Services):
    return await make_tenant(own_services)


@pytest.fixture
async def api(own_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    from smscast.api.app import create_app

    app = create_app(own_services.settings, own_services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://smscast.test") as c:
        yield c


@dataclass
class Stack:
    sim: Simulator
    worker: Worker
    hooks: WorkerHooks

    def texts_to(self, number: str) -> list[str]:
        return [m.text for m in self.sim.messages() if m.destination == number.lstrip("+")]

    async def mo(self, text: str, source: str = HANDSET, destination: str = SHORT_CODE) -> None:
        """An MO from the handset, over SMPP; returns once the worker has handled it."""
        before = self.hooks.received
        await self.sim.send_mo(source.lstrip("+"), destination, text)
        await wait_for(lambda: self.hooks.received > before, timeout=10)


@contextlib.asynccontextmanager
async def consent_stack(services: Services) -> AsyncIterator[Stack]:
    """Simulator, then a worker bound to it with the opt-out check and the MO handler."""
    async with simulator() as sim:
        hooks = await worker_hooks(services.db, services.inbound)
        hooks.guard.interval_s = 0.2
        worker = Worker(
            SqlStore(services.db),
            {"sim": connector_for(sim)},
            Router([Route("sim", is_default=True)]),
            WorkerConfig(flush_s=0.01, idle_poll_s=0.05, sweep_s=0.5),
            recheck=hooks.guard,
            on_inbound=hooks.on_inbound,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            await wait_for(lambda: any(e.can_receive for e in sim.sessions.values()))
            yield Stack(sim, worker, hooks)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
            await hooks.close()
