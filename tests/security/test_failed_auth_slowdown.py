"""After K failed authentications a source address, or a key, is refused for a while."""

from __future__ import annotations

import base64

import pytest

from smscast.api.limits import AuthFailureGuard, Limits, basic_key, source_of
from tests.conftest import Tenant, make_tenant
from tests.security.conftest import client_of

pytestmark = pytest.mark.anyio

K = 3


def wrong(api_key: str) -> dict[str, str]:
    token = base64.b64encode(f"{api_key}:sk_wrong".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_after_k_failures_the_source_gets_429_even_with_good_credentials(
    app_with, tenant: Tenant
):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    async with client_of(app, "203.0.113.7") as client:
        for _ in range(K):
            r = await client.get("/v1/account", headers={"x-api-key": "sk_guess"})
            assert r.status_code == 401
        r = await client.get("/v1/account", headers=tenant.basic)
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 429 and r.json()["type"].endswith("/rate-limited")
        assert int(r.headers["Retry-After"]) == 20  # one failure back every 60/3 s
        # Requests without credentials (a health check, a link click) are never slowed.
        assert (await client.get("/healthz")).status_code == 200
    async with client_of(app, "198.51.100.1") as neighbour:
        assert (await neighbour.get("/v1/account", headers=tenant.basic)).status_code == 200


async def test_the_budget_refills_over_the_window(app_with, tenant: Tenant):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    clock = [1000.0]
    app.state.limits.failures.clock = lambda: clock[0]
    async with client_of(app) as client:
        for _ in range(K):
            await client.get("/v1/account", headers=wrong(tenant.api_key))
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 429
        clock[0] += 20  # one failure's worth
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200
        assert (await client.get("/v1/account", headers=wrong("ak_x"))).status_code == 401
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 429
        clock[0] += 60
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200


async def test_a_key_guessed_at_from_many_addresses_is_refused(app_with, services, tenant):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    for i in range(K):
        async with client_of(app, f"192.0.2.{i + 1}") as client:
            r = await client.get("/v1/account", headers=wrong(tenant.api_key))
            assert r.status_code == 401
    async with client_of(app, "192.0.2.200") as client:
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 429
        # Another key from the same fresh address is fine.
        other = await make_tenant(services, "Bystander")
        assert (await client.get("/v1/account", headers=other.basic)).status_code == 200


async def test_failures_at_the_token_endpoint_count(app_with, tenant: Tenant):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    async with client_of(app) as client:
        for _ in range(K):
            r = await client.post(
                "/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": tenant.api_key,
                    "client_secret": "sk_guess",
                },
            )
            assert r.status_code == 401
        r = await client.post(
            "/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=tenant.basic
        )
        assert r.status_code == 429


async def test_successes_do_not_spend_the_budget(app_with, tenant: Tenant):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    async with client_of(app) as client:
        for _ in range(5 * K):
            assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200
        assert len(app.state.limits.failures) == 0


async def test_requests_without_credentials_never_count(app_with):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60)
    async with client_of(app) as client:
        for _ in range(5 * K):
            assert (await client.get("/v1/account")).status_code == 401
        assert len(app.state.limits.failures) == 0


async def test_a_limit_of_zero_turns_the_slowdown_off(app_with, tenant: Tenant):
    app = app_with(auth_failure_limit=0)
    async with client_of(app) as client:
        for _ in range(50):
            await client.get("/v1/account", headers=wrong(tenant.api_key))
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200


def test_ipv6_addresses_count_by_their_64():
    def scope(host: str) -> dict:
        return {"client": (host, 1)}

    assert source_of(scope("2001:db8:1:2::1")) == source_of(scope("2001:db8:1:2:ffff::9"))
    assert source_of(scope("2001:db8:1:2::1")) != source_of(scope("2001:db8:1:3::1"))
    assert source_of(scope("203.0.113.7")) == "203.0.113.7"
    assert source_of({"client": None}) == ""


@pytest.mark.parametrize(
    ("header", "key"),
    [
        (b"Basic " + base64.b64encode(b"ak_1:sk_2"), "ak_1"),
        (b"basic " + base64.b64encode(b"ak_1:"), "ak_1"),
        (b"Basic " + base64.b64encode(b"no-colon"), None),
        (b"Basic !!!", None),
        (b"Bearer at_x", None),
        (b"Basic " + base64.b64encode(b"k" * 65 + b":s"), None),
    ],
)
def test_the_key_is_read_from_basic_credentials_only(header: bytes, key: str | None):
    assert basic_key(header) == key


def test_the_tables_stay_bounded_under_a_flood_of_addresses():
    """200,000 failures from as many addresses and keys keep at most `table_size` entries."""
    limits = Limits(rate_per_s=1, burst=1, failure_limit=K, failure_window_s=60, table_size=1000)
    for i in range(200_000):
        limits.failed(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", f"ak_{i}")
    assert limits.failures is not None and len(limits.failures) == 1000


async def test_the_guard_bounds_its_table_through_the_app(app_with):
    app = app_with(auth_failure_limit=K, auth_failure_window_s=60, limit_table_size=100)
    for i in range(300):
        async with client_of(app, f"10.0.{i // 256}.{i % 256}") as client:
            await client.get("/v1/account", headers=wrong(f"ak_{i}"))
    assert len(app.state.limits.failures) <= 100
    guards = [m for m in app.user_middleware if m.cls is AuthFailureGuard]
    assert len(guards) == 1
