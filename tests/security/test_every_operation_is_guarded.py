"""Every operation in the OpenAPI document needs credentials and counts against the key's rate.

The operations are read from the app's own document, so a route added later is covered
without touching this file; a route meant to be public must be named in PUBLIC.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Tenant
from tests.security.conftest import client_of, openapi_document

pytestmark = pytest.mark.anyio

# Operations anyone may call, on purpose.
PUBLIC = {
    ("GET", "/healthz"),  # liveness, for load balancers
    ("GET", "/readyz"),  # readiness, for load balancers
    ("POST", "/v1/oauth/token"),  # takes credentials itself (RFC 6749 client credentials)
    ("POST", "/v1/inbound/carrier/{token}"),  # carriers' MO posts: the path's token is the key
}
METHODS = {"get", "put", "post", "patch", "delete"}


def operations() -> list[tuple[str, str, str]]:
    """(method, path template, a URL for it) for every operation the app documents."""
    document = openapi_document()
    found = []
    for path, ops in document["paths"].items():
        url = path
        while "{" in url:  # any id: the check comes before the resource is looked up
            start, end = url.index("{"), url.index("}")
            url = url[:start] + str(uuid.uuid4()) + url[end + 1 :]
        found += [(m.upper(), path, url) for m in ops if m in METHODS]
    return found


async def test_every_operation_but_the_public_ones_refuses_anonymous_calls(app_with):
    app = app_with()
    checked = 0
    async with client_of(app) as client:
        for method, path, url in operations():
            if (method, path) in PUBLIC:
                continue
            r = await client.request(method, url, json={})
            assert r.status_code == 401, (
                f"{method} {path} answered {r.status_code} without credentials: if it is "
                "meant to be public, add it to PUBLIC"
            )
            assert r.headers["content-type"] == "application/problem+json", (method, path)
            assert "WWW-Authenticate" in r.headers
            checked += 1
    assert checked >= 10


async def test_every_authenticated_operation_spends_the_keys_rate(app_with, tenant: Tenant):
    app = app_with(rate_limit_per_s=0.001, rate_limit_burst=1)
    async with client_of(app) as client:
        assert (await client.get("/v1/account", headers=tenant.basic)).status_code == 200
        for method, path, url in operations():
            if (method, path) in PUBLIC:
                continue
            r = await client.request(method, url, json={}, headers=tenant.basic)
            assert r.status_code == 429, (method, path, r.status_code)
            assert int(r.headers["Retry-After"]) >= 1
