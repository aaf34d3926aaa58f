"""Every answer carries a request id: the caller's X-Request-ID when it is sane, ours otherwise."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_the_callers_request_id_is_echoed(client) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert r.headers["x-request-id"] == "lb-7f3a.42"


async def test_a_request_without_an_id_gets_a_fresh_one(client) -> None:
    a = (await client.get("/healthz")).headers["x-request-id"]
    b = (await client.get("/healthz")).headers["x-request-id"]
    assert len(a) == 32 and a != b


@pytest.mark.parametrize("bad", ["x" * 129, "has space", "new\\nline", "<script>"])
async def test_an_unusable_request_id_is_replaced(client, bad: str) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": bad})
    assert r.headers["x-request-id"] != bad
    assert len(r.headers["x-request-id"]) == 32


async def test_errors_carry_the_request_id_too(client, services) -> None:
    r = await client.get("/v1/messages", headers={"X-Request-ID": "abc-1"})
    assert r.status_code == 401
    assert r.headers["x-request-id"] == "abc-1"
    too_big = b"x" * (services.settings.max_body_bytes + 1)
    r = await client.post(
        "/v1/messages", content=too_big, headers={"X-Request-ID": "abc-2", "content-type": "x"}
    )
    assert r.status_code == 413
    assert r.headers["x-request-id"] == "abc-2"
