"""SQLite's fault: another process holds the write lock past the busy timeout.

Sends answer 503 with Retry-After (never 500) while the lock is held; reads go on (WAL lets
readers beside a writer); once the lock goes, sends succeed again. Runs on every backend
run: it makes its own SQLite file.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from smscast.api.app import create_app
from smscast.config import Settings
from smscast.migrate import upgrade
from smscast.services import Services
from tests.conftest import make_tenant

pytestmark = pytest.mark.anyio

BUSY_TIMEOUT_MS = 200  # the service waits 10 s for a lock; the test need not


async def test_sqlite_locked_file(test_db, tmp_path: Path):
    path = tmp_path / "locked.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key="k", credential_cache_s=0
    )
    if test_db.backend == "sqlite":
        shutil.copy(test_db.template, path)
    else:
        await asyncio.to_thread(upgrade, settings)
    services = Services.build(settings)

    @event.listens_for(services.db.engine.sync_engine, "connect")
    def _short_wait(dbapi_conn, _record) -> None:  # runs after the service's own pragmas
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    tenant = await make_tenant(services)
    transport = httpx.ASGITransport(app=create_app(settings, services), raise_app_exceptions=False)
    send = {"to": "+14155550100", "body": "locked out"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                r = await client.post("/v1/messages", json=send, headers=tenant.basic)
                assert r.status_code == 503, r.text
                assert r.headers["content-type"] == "application/problem+json"
                assert int(r.headers["Retry-After"]) >= 1
                assert (await client.get("/v1/messages", headers=tenant.basic)).status_code == 200
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            r = await client.post("/v1/messages", json=send, headers=tenant.basic)
            assert r.status_code == 201, r.text
    finally:
        await services.close()
