"""Shared fixtures.

The suite runs against one backend per run: SQLite (a file per test session) by default, or
PostgreSQL when SMSCAST_TEST_DATABASE_URL is set. For PostgreSQL a scratch database is
created for the session (and dropped after); under CI=true an unreachable PostgreSQL fails
the run instead of skipping it.

Async tests use anyio's pytest plugin: mark them `@pytest.mark.anyio`.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from smscast.config import Settings
from smscast.services import Services

PG_ENV = "SMSCAST_TEST_DATABASE_URL"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _pg_admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _pg_exec(url: str, sql: str) -> None:
    """Run one admin statement, from sync or async code (on a thread of its own)."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@dataclass
class TestDatabase:
    """Where this test session's database lives, and how to make fresh copies of it."""

    backend: str  # "sqlite" or "postgresql"
    url: str  # as given to Settings.database_url
    template: str  # sqlite: migrated file; postgresql: migrated database name

    def fresh(self, tmp: Path) -> str:
        """A new, empty, migrated database (for tests that need the queue to themselves)."""
        if self.backend == "sqlite":
            target = tmp / f"fresh-{uuid.uuid4().hex}.db"
            shutil.copy(self.template, target)
            return f"sqlite:///{target}"
        name = f"smscast_t_{uuid.uuid4().hex[:12]}"
        _pg_exec(_pg_admin_url(self.url), f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        _CREATED.append(name)
        return self.url.rsplit("/", 1)[0] + "/" + name


_CREATED: list[str] = []


def _migrate(url: str, data_dir: Path) -> None:
    from smscast.migrate import upgrade

    upgrade(Settings(database_url=url, data_dir=data_dir, secret_key="test"))


@pytest.fixture(scope="session")
def test_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    base = tmp_path_factory.mktemp("db")
    pg = os.environ.get(PG_ENV)
    if not pg:
        path = base / "template.db"
        url = f"sqlite:///{path}"
        _migrate(url, base)
        yield TestDatabase("sqlite", url, str(path))
        return
    admin = _pg_admin_url(pg)
    template = f"smscast_tpl_{uuid.uuid4().hex[:12]}"
    try:
        _pg_exec(admin, f'CREATE DATABASE "{template}"')
    except Exception as exc:  # unreachable server, bad credentials
        if os.environ.get("CI") == "true":
            pytest.exit(f"PostgreSQL at {PG_ENV} is unreachable under CI: {exc}", returncode=1)
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    tpl_url = pg.rsplit("/", 1)[0] + "/" + template
    _migrate(tpl_url, base)
    db = TestDatabase("postgresql", tpl_url, template)
    shared = db.fresh(base)  # the template must stay unconnected to be copied
    db.url = shared
    yield db
    for name in [*_CREATED, template]:
        _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(test_db: TestDatabase, tmp_path: Path) -> Settings:
    return Settings(
        database_url=test_db.url if test_db.backend == "postgresql" else _sqlite_copy(test_db),
        data_dir=tmp_path,
        secret_key="test-secret-key",
        credential_cache_s=0,
    )


_SQLITE_SHARED: dict[str, str] = {}


def _sqlite_copy(test_db: TestDatabase) -> str:
    # One SQLite file for the whole session, like the one PostgreSQL database.
    if test_db.template not in _SQLITE_SHARED:
        target = Path(test_db.template).with_name("shared.db")
        shutil.copy(test_db.template, target)
        _SQLITE_SHARED[test_db.template] = f"sqlite:///{target}"
    return _SQLITE_SHARED[test_db.template]


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    svc = Services.build(settings, pool_size=5)
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, in process (the e2e tests use a real server)."""
    from smscast.api.app import create_app

    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://smscast.test") as c:
        yield c


@dataclass
class Tenant:
    account_id: uuid.UUID
    api_key: str
    api_secret: str

    @property
    def basic(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


async def make_tenant(services: Services, name: str = "Acme", region: str = "US") -> Tenant:
    ident = await services.credentials.create_account(name, default_region=region)
    return Tenant(ident.account.id, ident.key.api_key, ident.key.api_secret)


@pytest.fixture
async def tenant(services: Services) -> Tenant:
    return await make_tenant(services)


@pytest.fixture
async def other_tenant(services: Services) -> Tenant:
    return await make_tenant(services, "Other Co")
