"""URLs that reach inside the network are refused at submission and again at delivery."""

from __future__ import annotations

import pytest

from smscast.config import Settings
from smscast.errors import ValidationFailed
from smscast.services import Services
from smscast.webhooks.outbox import enqueue
from smscast.webhooks.ssrf import check_url, check_url_async
from tests.webhooks.conftest import running, states
from tests.webhooks.receiver import wait_until

pytestmark = pytest.mark.anyio

CLOSED = Settings(secret_key="x", webhook_allow_hosts="")

REFUSED = [
    "http://127.0.0.1:8080/hook",  # loopback
    "http://[::1]/hook",
    "http://localhost:8080/hook",  # a name that resolves to loopback
    "http://2130706433/hook",  # 127.0.0.1 written as a number
    "http://10.1.2.3/hook",  # private
    "http://192.168.0.10/hook",
    "http://[fd12::1]/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://0.0.0.0/hook",  # unspecified
    "http://224.0.0.1/hook",  # multicast
    "http://[::ffff:127.0.0.1]/hook",  # IPv4 mapped into IPv6
    "ftp://93.184.216.34/hook",
    "http:///no-host",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_urls_are_refused(url):
    with pytest.raises(ValidationFailed) as exc:
        check_url(url, CLOSED, field="callback_url")
    assert exc.value.errors[0]["field"] == "callback_url"


def test_a_public_address_passes_and_the_allow_list_opens_only_what_it_names():
    check_url("https://93.184.216.34/hook", CLOSED)
    opened = Settings(secret_key="x", webhook_allow_hosts="127.0.0.1, 10.0.0.0/8, 0.0.0.0/0")
    check_url("http://127.0.0.1:9000/hook", opened)
    check_url("http://10.9.9.9/hook", opened)
    with pytest.raises(ValidationFailed):  # metadata stays shut inside a wide range
        check_url("http://169.254.169.254/", opened)
    with pytest.raises(ValueError):
        Settings(secret_key="x", webhook_allow_hosts="10.0.0.0/33")
    # A host name listed is trusted whatever it resolves to (no lookup is made).
    named = Settings(secret_key="x", webhook_allow_hosts="hooks.internal")
    check_url("http://hooks.internal:8080/in", named)
    with pytest.raises(ValidationFailed):
        check_url("http://other.internal/in", named)


async def test_endpoint_creation_refuses_an_internal_url_with_a_problem(client, services, tenant):
    services.webhooks.settings = services.settings.model_copy(update={"webhook_allow_hosts": ""})
    r = await client.post(
        "/v1/webhooks/endpoints",
        json={"url": "http://169.254.169.254/latest/meta-data/", "events": ["*"]},
        headers=tenant.basic,
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0] == {
        "field": "url",
        "code": "blocked_address",
        "message": "169.254.169.254 resolves to 169.254.169.254, which is not a public address",
    }


async def test_delivery_checks_the_address_again_and_never_connects(
    client, services: Services, settings, tenant, receiver
):
    """Allowed when created; the operator has since closed the allow-list."""
    await client.post(
        "/v1/webhooks/endpoints", json={"url": receiver.url, "events": ["*"]}, headers=tenant.basic
    )
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    closed = settings.model_copy(update={"webhook_allow_hosts": ""})
    async with running(services, closed):
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["dead"]))
    assert receiver.requests == []
    dead = (await client.get("/v1/webhooks/dead", headers=tenant.basic)).json()["data"][0]
    assert dead["last_error"].startswith("refused: 127.0.0.1 resolves to 127.0.0.1")


async def test_a_rebinding_name_connects_only_to_the_address_that_was_checked(
    client, services: Services, settings, tenant, receiver
):
    """`rebind.test` resolved to a public address at submission and to 127.0.0.1 at delivery.

    The sender resolves it once, checks, and connects to that very address: refused without
    the allow-list; with 127.0.0.1 allowed it arrives, which shows the connection went to the
    address the sender resolved (the name has no real DNS record).
    """
    answers = {"rebind.test": ["93.184.216.34"]}

    async def resolver(host: str, port: int) -> list[str]:
        return answers[host]

    services.webhooks.resolver = resolver
    services.webhooks.settings = settings.model_copy(update={"webhook_allow_hosts": ""})
    r = await client.post(
        "/v1/webhooks/endpoints",
        json={"url": f"http://rebind.test:{receiver.port}/hook", "events": ["*"]},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    answers["rebind.test"] = ["127.0.0.1"]
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    closed = settings.model_copy(update={"webhook_allow_hosts": ""})
    async with running(services, closed, resolver=resolver):
        await wait_until(lambda: _equal(states(services, tenant.account_id), ["dead"]))
    assert receiver.requests == []
    async with services.db.begin() as conn:
        await enqueue(conn, account_id=tenant.account_id, type="batch.finished", payload={})
    async with running(services, settings, resolver=resolver):
        await wait_until(lambda: len(receiver.delivered()) == 1)
    assert receiver.requests[0].headers["host"] == f"rebind.test:{receiver.port}"


async def test_check_url_async_uses_the_given_resolver():
    async def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]

    with pytest.raises(ValidationFailed):
        await check_url_async("https://hooks.example/x", CLOSED, resolver=resolver)


async def _equal(got, expected) -> bool:
    return await got == expected
