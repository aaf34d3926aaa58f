"""No list, search or stats route ever shows one account another account's rows.

`tests/api/test_isolation.py` covers every route that names one resource by id. This covers
the others: every GET without an id in its path, enumerated from the OpenAPI document, is
called as another account, bare and with each known id or value as a query filter, and
nothing of the first account may appear in any answer.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Tenant
from tests.security.conftest import openapi_document

pytestmark = pytest.mark.anyio


async def seed(client, tenant: Tenant) -> tuple[dict[str, str], list[str]]:
    """Resources of `tenant`: the query filters that name them, and marks that reveal them."""
    tag = uuid.uuid4().hex[:10]
    to = f"+1415555{int(tag[:4], 16) % 10_000:04d}"
    body = f"isolation {tag}"
    m = (
        await client.post("/v1/messages", json={"to": to, "body": body}, headers=tenant.basic)
    ).json()
    key = (await client.post("/v1/keys", json={"label": f"k{tag}"}, headers=tenant.basic)).json()
    conn = (
        await client.post(
            "/v1/connectors",
            json={
                "name": f"c{tag}",
                "kind": "smpp",
                "options": {"host": "127.0.0.1", "port": 2775, "system_id": "a", "password": "b"},
            },
            headers=tenant.basic,
        )
    ).json()
    filters = {"message_id": m["id"], "key_id": key["id"], "connector_id": conn["id"], "to": to}
    marks = [str(tenant.account_id), m["id"], key["id"], key["api_key"], conn["id"], tag]
    return filters, marks


async def test_no_list_shows_another_accounts_rows(client, tenant, other_tenant):
    filters, marks = await seed(client, tenant)
    # The owner does see them, so the probe below would find them if they leaked.
    own = (await client.get("/v1/messages", headers=tenant.basic)).text
    assert filters["message_id"] in own
    document = openapi_document()
    checked = 0
    for path, ops in document["paths"].items():
        if "get" not in ops or "{" in path:
            continue
        names = {p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"}
        probes = [{}] + [{name: filters[name]} for name in sorted(names & filters.keys())]
        for params in probes:
            r = await client.get(path, params=params, headers=other_tenant.basic)
            assert r.status_code < 500, (path, params, r.status_code)
            for mark in marks:
                assert mark not in r.text, f"GET {path} {params} shows another account's {mark}"
            checked += 1
    assert checked >= 5


async def test_another_accounts_writes_change_nothing(client, tenant, other_tenant):
    """Every write naming the first account's resources, sent by another account, leaves
    them as they were (a 404 that has already deleted would pass an answers-only test)."""
    filters, _ = await seed(client, tenant)
    views = [
        f"/v1/messages/{filters['message_id']}",
        f"/v1/connectors/{filters['connector_id']}",
        "/v1/keys",
    ]

    async def owner_view() -> list[str]:
        return [(await client.get(v, headers=tenant.basic)).text for v in views]

    before = await owner_view()
    tried = 0
    for path, ops in openapi_document()["paths"].items():
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if not params or not set(params) <= filters.keys():
            continue
        url = path
        for name in params:
            url = url.replace("{" + name + "}", filters[name])
        for method in set(ops) & {"post", "put", "patch", "delete"}:
            r = await client.request(method.upper(), url, json={}, headers=other_tenant.basic)
            assert r.status_code in (404, 422), (method, path, r.status_code)
            tried += 1
    assert tried >= 3
    assert await owner_view() == before
