"""A database that cannot be reached gives 503 problems with Retry-After, never a 500."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from smscast.api.app import create_app
from smscast.api.errors import database_unavailable
from smscast.config import Settings
from smscast.services import Services
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

UNREACHABLE = {
    # Nothing listens on port 1: connection refused at once.
    "postgresql": "postgresql://postgres@127.0.0.1:1/nowhere",
    # A file in a directory that does not exist: "unable to open database file".
    "sqlite": "sqlite:////nonexistent-dir/smscast.db",
}


@pytest.mark.parametrize("backend", sorted(UNREACHABLE))
async def test_every_call_that_needs_the_database_is_503(backend: str, tmp_path: Path, caplog):
    settings = Settings(
        database_url=UNREACHABLE[backend], data_dir=tmp_path, secret_key="k", credential_cache_s=0
    )
    services = Services.build(settings, pool_size=1)
    app = create_app(settings, services)
    tenant = Tenant(uuid.uuid4(), api_key="ak_" + "a" * 24, api_secret="sk_" + "b" * 43)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            calls = [
                ("GET", "/v1/account", tenant.basic, None),
                ("GET", "/v1/account", {"x-api-key": tenant.api_secret}, None),
                ("GET", "/v1/account", {"Authorization": "Bearer at_x"}, None),
                ("POST", "/v1/messages", tenant.basic, {"to": "+14155550100", "body": "x"}),
            ]
            for method, url, headers, body in calls:
                r = await client.request(method, url, headers=headers, json=body)
                assert r.status_code == 503, (url, headers, r.status_code, r.text)
                assert r.headers["content-type"] == "application/problem+json"
                assert int(r.headers["Retry-After"]) >= 1
                problem = r.json()
                assert problem["status"] == 503 and problem["type"].endswith("/unavailable")
            # Liveness does not need the database; readiness says it is not ready.
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 503
    finally:
        await services.close()
    # Said once in the log, not once per request, and without a traceback.
    outages = [r for r in caplog.records if "dependency unavailable" in r.getMessage()]
    assert len(outages) <= 1
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


class _Orig(Exception):
    def __init__(self, sqlstate: str | None):
        super().__init__("driver error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (OperationalError("SELECT 1", {}, _Orig(None)), True),  # SQLite locked, PG gone
        (DBAPIError("SELECT 1", {}, _Orig("57P01")), True),  # admin shutdown
        (DBAPIError("SELECT 1", {}, _Orig("55000")), True),  # not accepting connections
        (DBAPIError("SELECT 1", {}, _Orig("08006")), True),  # connection failure
        (DBAPIError("SELECT 1", {}, _Orig("53300")), True),  # too many connections
        (DBAPIError("SELECT 1", {}, _Orig("40001")), True),  # serialization failure
        (DBAPIError("SELECT 1", {}, _Orig("22003")), False),  # numeric out of range: a bug
        (DBAPIError("SELECT 1", {}, _Orig("42P01")), False),  # undefined table: a bug
        (IntegrityError("INSERT", {}, _Orig("23505")), False),  # duplicate key: a conflict
        (DBAPIError("SELECT 1", {}, _Orig(None), connection_invalidated=True), True),
        (PoolTimeout(), True),
        (ConnectionRefusedError(), True),
        (ValueError(), False),
    ],
)
def test_which_errors_mean_the_database_is_unavailable(exc: BaseException, unavailable: bool):
    assert database_unavailable(exc) is unavailable
