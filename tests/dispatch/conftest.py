"""Dispatch tests own their database (the worker claims every due message in it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from smscast.config import Settings
from smscast.connectors.simulator import Simulator, SimulatorConfig
from smscast.connectors.smpp import SmppConfig, SmppConnector
from smscast.dispatch import Route, Router, SqlStore, Worker, WorkerConfig
from smscast.services import Services
from tests.conftest import TestDatabase, make_tenant


@pytest.fixture
async def own_services(test_db: TestDatabase, tmp_path) -> AsyncIterator[Services]:
    settings = Settings(
        database_url=test_db.fresh(tmp_path),
        data_dir=tmp_path,
        secret_key="test",
        credential_cache_s=0,
    )
    svc = Services.build(settings, pool_size=5)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def tenant(own_services):
    return await make_tenant(own_services)


def connector_for(sim: Simulator, name: str = "sim", **kw) -> SmppConnector:
    return SmppConnector(
        name,
        SmppConfig(
            host="127.0.0.1",
            port=sim.port,
            system_id="smscast",
            password="pw",
            submit_timeout_s=kw.pop("submit_timeout_s", 2.0),
            reconnect_min_s=0.1,
            reconnect_max_s=0.5,
            **kw,
        ),
    )


@contextlib.asynccontextmanager
async def simulator(**config) -> AsyncIterator[Simulator]:
    sim = Simulator(
        config=SimulatorConfig(receipt_delay_ms=config.pop("receipt_delay_ms", 10), **config)
    )
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[Worker]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def make_worker(services: Services, connectors: dict, *, default: str = "sim", **config) -> Worker:
    routes = [Route(name, is_default=(name == default)) for name in connectors]
    cfg = WorkerConfig(flush_s=0.01, idle_poll_s=0.05, sweep_s=0.5, **config)
    return Worker(SqlStore(services.db), connectors, Router(routes), cfg)


async def wait_for(
    predicate: Callable[[], object], timeout: float = 15.0, every: float = 0.05
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every)
