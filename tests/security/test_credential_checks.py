"""Secrets are compared in constant time, and a wrong secret tells nothing about the key."""

from __future__ import annotations

import base64
import hmac
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from smscast.accounts.service import Credentials
from smscast.errors import Unauthenticated
from smscast.services import Services
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


@contextmanager
def work_done(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count what a verification does: keyed hashes, digest comparisons, SQL statements."""
    seen: Counter[str] = Counter()
    real_hash, real_compare = Credentials.hash, hmac.compare_digest

    def hash_(self: Credentials, secret: str) -> str:
        seen["hmac"] += 1
        return real_hash(self, secret)

    def compare(a: str, b: str) -> bool:
        seen["compare_digest"] += 1
        return real_compare(a, b)

    def statement(*_: object) -> None:
        seen["sql"] += 1

    monkeypatch.setattr(Credentials, "hash", hash_)
    monkeypatch.setattr(hmac, "compare_digest", compare)
    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        monkeypatch.undo()


async def attempt(services: Services, api_key: str, secret: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await services.credentials.verify_secret(api_key, secret)
    return caught.value.detail


async def test_unknown_key_and_wrong_secret_take_the_same_path(
    services: Services, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
):
    """Same answer, and the same work: one keyed hash, one lookup, one constant-time compare."""
    assert services.credentials.cache_s == 0  # every attempt goes to the database
    with work_done(services, monkeypatch) as unknown:
        unknown_detail = await attempt(services, "ak_" + "x" * 24, "sk_" + "y" * 43)
    with work_done(services, monkeypatch) as wrong:
        wrong_detail = await attempt(services, tenant.api_key, "sk_" + "y" * 43)
    assert unknown_detail == wrong_detail
    assert unknown == wrong
    assert wrong == Counter(hmac=1, compare_digest=1, sql=1)


async def test_a_revoked_key_with_a_wrong_secret_looks_like_any_wrong_secret(
    client, services: Services, tenant: Tenant
):
    """Whether a key exists or was revoked is told only to those who hold its secret."""
    extra = (await client.post("/v1/keys", json={}, headers=tenant.basic)).json()
    await services.credentials.revoke_key(tenant.account_id, uuid.UUID(extra["id"]))
    revoked_wrong = await attempt(services, extra["api_key"], "sk_wrong")
    unknown = await attempt(services, "ak_unknown", "sk_wrong")
    assert revoked_wrong == unknown == "Invalid API key or secret."
    assert "revoked" in await attempt(services, extra["api_key"], extra["api_secret"])


async def test_every_scheme_answers_a_bad_credential_alike(client, tenant: Tenant):
    bad = base64.b64encode(f"{tenant.api_key}:sk_wrong".encode()).decode()
    unknown = base64.b64encode(b"ak_nobody:sk_wrong").decode()
    answers = set()
    for headers in ({"Authorization": f"Basic {bad}"}, {"Authorization": f"Basic {unknown}"}):
        r = await client.get("/v1/account", headers=headers)
        answers.add((r.status_code, r.text))
    assert len(answers) == 1


async def test_the_credential_cache_stays_bounded(services: Services, tenant: Tenant):
    """One entry per access token ever used would grow without end; the cache is capped."""
    creds = Credentials(services.db, "test-secret-key", token_ttl_s=3600, cache_s=60, cache_size=50)
    for _ in range(200):
        token, _ = await creds.issue_token(tenant.api_key, tenant.api_secret)
        await creds.verify_token(token)
        assert len(creds._cache) <= 50
    # What is still cached still answers from the cache.
    assert (await creds.verify_token(token)).account_id == tenant.account_id
    assert "t:" + creds.hash(token) in creds._cache


async def test_nothing_is_cached_when_the_cache_is_off(services: Services, tenant: Tenant):
    await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    await services.credentials.verify_api_key(tenant.api_secret)
    assert services.credentials._cache == {}
