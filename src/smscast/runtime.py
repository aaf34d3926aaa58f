"""Assembling the processes: a dispatch worker from the stored connectors, and what `serve`
runs beside the API in one process on the embedded default (worker and SMSC simulator)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from smscast.connectors import registry
from smscast.connectors.service import ConnectorService
from smscast.dispatch import Route, Router, SqlStore, Worker, WorkerConfig
from smscast.inbound.hooks import worker_hooks
from smscast.services import Services
from smscast.webhooks.sender import WebhookSender

__all__ = ["build_worker", "embedded", "ensure_simulator_connector"]

log = logging.getLogger(__name__)

SIMULATOR = "simulator"


async def ensure_simulator_connector(services: Services) -> None:
    """On the embedded default, make the built-in simulator the default connector."""
    connectors = ConnectorService(services.db)
    platform = await connectors.list()
    if any(c.is_default for c in platform) or any(c.name == SIMULATOR for c in platform):
        return
    port = services.settings.simulator_port
    await connectors.add(SIMULATOR, "simulator", {"port": port}, default=True)
    log.info("added the built-in SMSC simulator (port %d) as the default connector", port)


async def build_worker(services: Services, config: WorkerConfig | None = None) -> Worker:
    """A worker for every enabled connector in the database."""
    rows = await ConnectorService(services.db).list(all_=True)
    connectors = {row.name: registry.build(row.kind, row.name, row.options) for row in rows}
    routes = [
        Route(row.name, row.account_id, tuple(row.rules), row.priority, row.is_default)
        for row in rows
    ]
    config = config or WorkerConfig()
    config.limits = {row.name: (row.tps, row.sps) for row in rows}
    # Opt-outs: re-checked at claim time from a list kept in memory; MO messages handled.
    hooks = await worker_hooks(services.db, services.inbound)
    return Worker(
        SqlStore(services.db),
        connectors,
        Router(routes),
        config,
        recheck=hooks.guard,
        on_inbound=hooks.on_inbound,
    )


@asynccontextmanager
async def embedded(services: Services) -> AsyncIterator[None]:
    """Run the dispatch worker (and the simulator it may use) beside the API."""
    if not services.settings.embedded_worker:
        yield
        return
    if services.settings.embedded_simulator:
        await ensure_simulator_connector(services)
    worker = await build_worker(services)
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(worker.run(stop), name="dispatch-worker"),
        # Webhooks go out from the same process on the embedded default.
        asyncio.create_task(
            WebhookSender(services.db, services.settings).run(stop), name="webhook-sender"
        ),
    ]
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
