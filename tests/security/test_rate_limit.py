"""Each API key has a request rate; past its burst the answer is 429 with Retry-After."""

from __future__ import annotations

import pytest

from smscast.api.limits import Limits, TokenBuckets
from tests.conftest import Tenant, make_tenant
from tests.security.conftest import client_of

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    clock = Clock()
    buckets = TokenBuckets(2.0, 3, size=10, clock=clock)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == pytest.approx(0.5)  # one token comes every 1/2 s
    clock.now += 0.5
    assert buckets.take("k") == 0.0
    assert buckets.take("k") > 0
    clock.now += 100  # never more than the burst saved up
    assert [buckets.take("k") for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(0.5)]


def test_keys_have_buckets_of_their_own():
    buckets = TokenBuckets(1.0, 1, size=10, clock=Clock())
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_the_table_never_holds_more_than_its_size():
    buckets = TokenBuckets(1.0, 5, size=100, clock=Clock())
    for i in range(10_000):
        buckets.take(i)
    assert len(buckets) == 100
    assert buckets.take(9_999) == 0.0  # the most recent are the ones kept


def test_a_refilled_bucket_is_forgotten():
    clock = Clock()
    buckets = TokenBuckets(1.0, 2, size=10, clock=clock)
    buckets.take("k")
    assert len(buckets) == 1
    clock.now += 5
    assert buckets.wait("k") == 0.0
    assert len(buckets) == 0


def test_a_rate_of_zero_turns_the_limit_off():
    limits = Limits(rate_per_s=0, burst=1, failure_limit=0, failure_window_s=1, table_size=100)
    for _ in range(1000):
        limits.check_rate("k")
    assert limits.rate is None and limits.failures is None


async def test_past_the_burst_a_key_gets_429_with_retry_after(app_with, tenant: Tenant):
    app = app_with(rate_limit_per_s=0.5, rate_limit_burst=3)
    async with client_of(app) as client:
        for _ in range(3):
            assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200
        r = await client.get("/v1/account", headers=tenant.basic)
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/rate-limited") and r.json()["status"] == 429
    assert int(r.headers["Retry-After"]) == 2  # one token every 2 s


async def test_the_limit_is_per_key_whatever_the_scheme(app_with, services, tenant: Tenant):
    """Basic, a Bearer token issued for the key and x-api-key spend one bucket."""
    app = app_with(rate_limit_per_s=0.01, rate_limit_burst=4)
    other = await make_tenant(services, "Neighbour")
    async with client_of(app) as client:
        token = (
            await client.post(
                "/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=tenant.basic
            )
        ).json()["access_token"]
        schemes = [
            tenant.basic,
            {"Authorization": f"Bearer {token}"},
            {"x-api-key": tenant.api_secret},
            tenant.basic,
        ]
        for headers in schemes:
            assert (await client.get("/v1/account", headers=headers)).status_code == 200
        for headers in schemes[:3]:
            assert (await client.get("/v1/account", headers=headers)).status_code == 429
        # Another account's key is untouched.
        assert (await client.get("/v1/account", headers=other.basic)).status_code == 200


async def test_a_second_key_of_the_same_account_has_its_own_rate(app_with, tenant: Tenant):
    app = app_with(rate_limit_per_s=0.01, rate_limit_burst=2)
    async with client_of(app) as client:
        extra = (await client.post("/v1/keys", json={}, headers=tenant.basic)).json()
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 429
        r = await client.get("/v1/account", headers={"x-api-key": extra["api_secret"]})
        assert r.status_code == 200
