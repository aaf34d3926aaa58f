"""Idempotency-Key: the same key and body replay the answer; another body is 409."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def _count(client, tenant) -> int:
    return len((await client.get("/v1/messages", headers=tenant.basic)).json()["data"])


async def test_same_key_and_body_give_the_same_answer_and_one_message(client, tenant: Tenant):
    h = {**tenant.basic, "Idempotency-Key": "order-1"}
    body = {"to": "+14155550100", "body": "hello"}
    a = await client.post("/v1/messages", json=body, headers=h)
    b = await client.post("/v1/messages", json=body, headers=h)
    assert a.status_code == b.status_code == 201
    assert a.json() == b.json()
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert await _count(client, tenant) == 1


async def test_same_key_with_another_body_is_409(client, tenant: Tenant):
    h = {**tenant.basic, "Idempotency-Key": "order-2"}
    await client.post("/v1/messages", json={"to": "+14155550100", "body": "a"}, headers=h)
    r = await client.post("/v1/messages", json={"to": "+14155550100", "body": "b"}, headers=h)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/idempotency-key-reused")


async def test_keys_are_per_account(client, tenant: Tenant, other_tenant: Tenant):
    body = {"to": "+14155550100", "body": "a"}
    a = await client.post(
        "/v1/messages", json=body, headers={**tenant.basic, "Idempotency-Key": "k"}
    )
    b = await client.post(
        "/v1/messages", json=body, headers={**other_tenant.basic, "Idempotency-Key": "k"}
    )
    assert a.json()["id"] != b.json()["id"]


async def test_concurrent_requests_with_one_key_create_one_message(client, tenant: Tenant):
    h = {**tenant.basic, "Idempotency-Key": "race"}
    body = {"to": "+14155550100", "body": "race"}
    answers = await asyncio.gather(
        *[client.post("/v1/messages", json=body, headers=h) for _ in range(8)]
    )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert await _count(client, tenant) == 1


async def test_bulk_is_idempotent_too(client, tenant: Tenant):
    h = {**tenant.basic, "Idempotency-Key": "bulk-1"}
    body = {"messages": [{"to": "+14155550100", "body": "a"}, {"to": "+14155550101", "body": "b"}]}
    a = await client.post("/v1/messages/bulk", json=body, headers=h)
    b = await client.post("/v1/messages/bulk", json=body, headers=h)
    assert a.json() == b.json()
    assert await _count(client, tenant) == 2


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_bad_keys_are_400(client, tenant: Tenant, key):
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "a"},
        headers={**tenant.basic, "Idempotency-Key": key},
    )
    assert r.status_code == 400
