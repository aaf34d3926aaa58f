"""A custom short domain serves codes at its root, for its own Host only."""

from __future__ import annotations

import re

import httpx
import pytest

from smscast.api.app import create_app
from smscast.config import Settings
from smscast.services import Services
from tests.conftest import make_tenant

pytestmark = pytest.mark.anyio

TARGET = "https://shop.example.com/a"


@pytest.fixture
async def short_client(settings: Settings):
    custom = settings.model_copy(update={"short_url_base": "https://go.example"})
    services = Services.build(custom, pool_size=2)
    app = create_app(custom, services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://smscast.test") as c:
            yield c, services
    finally:
        await services.close()


async def test_short_urls_use_the_custom_domain_and_redirect_there(short_client):
    client, services = short_client
    tenant = await make_tenant(services)
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": f"Hi {TARGET}", "shorten_links": True},
        headers=tenant.basic,
    )
    body = r.json()["body"]
    match = re.fullmatch(r"Hi https://go\.example/([0-9A-Za-z]{7})", body)
    assert match, body
    code = match.group(1)

    r = await client.get(f"/{code}", headers={"Host": "go.example"})
    assert (r.status_code, r.headers["location"]) == (302, TARGET)
    r = await client.get(f"/{code}", headers={"Host": "GO.EXAMPLE:443"})
    assert r.status_code == 302
    # On the API's own host /{code} is not a route, and /l/{code} still works.
    r = await client.get(f"/{code}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/l/{code}")).status_code == 302
    # Unknown codes on the short domain are the plain page.
    r = await client.get("/Nope123", headers={"Host": "go.example"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


async def test_the_api_keeps_its_single_segment_routes(short_client):
    client, _ = short_client
    assert (await client.get("/openapi.json")).status_code == 200


def test_the_short_base_is_checked_at_start():
    assert Settings(short_url_base="https://go.example/").short_url_base == "https://go.example"
    assert Settings(host="10.0.0.5", port=80).resolved_short_url_base == "http://10.0.0.5:80/l"
    for bad in ("go.example", "ftp://go.example", "https://go.example/s", "https://x/?a=1"):
        with pytest.raises(ValueError, match="SHORT_URL_BASE"):
            Settings(short_url_base=bad)
