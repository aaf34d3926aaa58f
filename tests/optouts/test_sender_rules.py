"""Senders: approved and inside their validity window, and alphanumeric masks only where the
destination's country takes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from smscast.db import new_id, utcnow
from smscast.senders.models import SENDERS
from tests.conftest import make_tenant

pytestmark = pytest.mark.anyio


async def _sender(services, tenant, address, kind, **values):
    async with services.db.begin() as conn:
        await conn.execute(
            insert(SENDERS).values(
                id=new_id(), account_id=tenant.account_id, address=address, kind=kind, **values
            )
        )


async def _send(client, tenant, sender, to="+14155550901"):
    r = await client.post(
        "/v1/messages", json={"to": to, "body": "x", "from": sender}, headers=tenant.basic
    )
    return r.status_code, [e["code"] for e in r.json().get("errors", [])]


async def test_an_account_without_senders_may_use_any_number(client, services):
    t = await make_tenant(services, "No senders")
    assert await _send(client, t, "12345") == (201, [])


async def test_an_account_that_registers_senders_must_use_approved_valid_ones(client, services):
    t = await make_tenant(services, "Registered")
    now = utcnow()
    await _sender(services, t, "12345", "short_code")
    await _sender(services, t, "22222", "short_code", status="pending")
    await _sender(services, t, "33333", "short_code", valid_from=now + timedelta(days=1))
    await _sender(services, t, "44444", "short_code", valid_until=now - timedelta(days=1))
    assert await _send(client, t, "12345") == (201, [])
    for refused in ("22222", "33333", "44444", "55555"):
        assert await _send(client, t, refused) == (422, ["sender_not_approved"]), refused


async def test_alphanumeric_senders_do_not_go_to_the_us_or_canada(client, services):
    t = await make_tenant(services, "Masks")
    assert await _send(client, t, "ACME") == (422, ["sender_not_allowed_for_country"])
    assert await _send(client, t, "ACME", to="+16135550123") == (
        422,
        ["sender_not_allowed_for_country"],
    )
    assert await _send(client, t, "ACME", to="+447400123456") == (201, [])


async def test_bulk_reports_sender_rules_per_item(client, services):
    t = await make_tenant(services, "Bulk masks")
    items = [{"to": to, "body": "x", "from": "ACME"} for to in ("+447400123456", "+14155550911")]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=t.basic)
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "rejected"]
