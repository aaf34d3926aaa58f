"""/healthz says the process lives; /readyz says whether it should get traffic, and why not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from smscast.api.app import create_app
from smscast.config import Settings
from smscast.services import Services
from tests.dispatch.conftest import connector_for, make_worker, running, simulator, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client_on() -> AsyncIterator:
    opened: list[tuple[httpx.AsyncClient, Services]] = []

    async def make(url: str, data_dir: Path) -> httpx.AsyncClient:
        settings = Settings(database_url=url, data_dir=data_dir, secret_key="test")
        services = Services.build(settings, pool_size=2)
        app = create_app(settings, services)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        opened.append((client, services))
        return client

    yield make
    for client, services in opened:
        await client.aclose()
        await services.close()


async def test_alive_and_ready_on_a_current_database(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


async def test_not_ready_when_migrations_are_behind(client_on, test_db, tmp_path) -> None:
    if test_db.backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"  # a database with no schema at all
    else:
        from tests.conftest import _CREATED, _pg_admin_url, _pg_exec

        name = f"smscast_t_empty_{uuid.uuid4().hex[:12]}"
        _pg_exec(_pg_admin_url(test_db.url), f'CREATE DATABASE "{name}"')
        _CREATED.append(name)
        url = test_db.url.rsplit("/", 1)[0] + "/" + name
    client = await client_on(url, tmp_path)
    r = await client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert "smscast db upgrade" in body["migrations"]
    assert (await client.get("/healthz")).status_code == 200  # alive all the same


async def test_not_ready_when_the_database_is_unreachable(client_on, test_db, tmp_path) -> None:
    if test_db.backend == "sqlite":
        url = f"sqlite:///{tmp_path}/no/such/dir/smscast.db"
    else:
        url = "postgresql://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
    client = await client_on(url, tmp_path)
    r = await client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["database"].startswith("unreachable")


async def test_ready_only_while_the_workers_connectors_are_bound(client, own_services) -> None:
    async with simulator() as sim:
        worker = make_worker(own_services, {"sim": connector_for(sim)})
        async with running(worker):
            await wait_for(lambda: _readyz(client, 200))
            body = (await client.get("/readyz")).json()
            assert body["connectors"] == {"sim": "ok"}
            await sim.stop()  # the carrier goes away
            await wait_for(lambda: _readyz(client, 503), timeout=10)
            body = (await client.get("/readyz")).json()
            assert body["connectors"] == {"sim": "not bound"}
    # No worker in the process any more: readiness is the database's alone.
    assert (await client.get("/readyz")).status_code == 200


async def _readyz(client: httpx.AsyncClient, status: int) -> bool:
    return (await client.get("/readyz")).status_code == status


async def test_still_ready_when_a_newer_release_migrated_the_database(
    client_on, fresh_db, tmp_path
) -> None:
    # A rolling release: the new code migrated; this (old) process serves until restarted.
    from sqlalchemy import text

    from smscast.db import Database

    db = Database(Settings(database_url=fresh_db).resolved_database_url, pool_size=1)
    async with db.begin() as conn:
        await conn.execute(
            text("INSERT INTO alembic_version (version_num) VALUES ('from_the_future')")
        )
    await db.dispose()
    client = await client_on(fresh_db, tmp_path)
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["migrations"] == "running"
