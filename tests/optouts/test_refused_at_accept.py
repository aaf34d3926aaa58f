"""An opted-out number is refused when a message is accepted: one message or a thousand."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from smscast.optouts import Entry, opt_out
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def _opt_out(services, tenant: Tenant, *numbers: str) -> None:
    from smscast.db import utcnow

    async with services.db.begin() as conn:
        await opt_out(
            conn, tenant.account_id, [Entry(n) for n in numbers], source="api", now=utcnow()
        )


async def test_one_message_to_an_opted_out_number_is_a_422_on_to(client, services, tenant):
    await _opt_out(services, tenant, "+14155550501")
    r = await client.post(
        "/v1/messages", json={"to": "415-555-0501", "body": "hi"}, headers=tenant.basic
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "to",
            "code": "opted_out",
            "message": "the recipient opted out of messages from this account",
        }
    ]


async def test_bulk_rejects_each_opted_out_item_and_accepts_the_rest(client, services, tenant):
    await _opt_out(services, tenant, "+14155550511", "+14155550513")
    items = [{"to": f"+1415555051{i}", "body": "hi"} for i in range(4)]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [x["status"] for x in body["results"]] == [
        "accepted",
        "rejected",
        "accepted",
        "rejected",
    ]
    assert body["results"][1]["errors"][0]["code"] == "opted_out"
    listed = (await client.get("/v1/messages?to=%2B14155550511", headers=tenant.basic)).json()
    assert listed["data"] == []


async def test_bulk_where_every_item_is_opted_out_is_a_422(client, services, tenant):
    await _opt_out(services, tenant, "+14155550521")
    r = await client.post(
        "/v1/messages/bulk",
        json={"messages": [{"to": "+14155550521", "body": "a"}, {"to": "12", "body": "b"}]},
        headers=tenant.basic,
    )
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("messages[0].to", "opted_out"),
        ("messages[1].to", "invalid_number"),
    ]


async def test_a_thousand_message_bulk_checks_opt_outs_with_one_query(client, services, tenant):
    await _opt_out(services, tenant, *(f"+1415556{i:04d}" for i in range(0, 1000, 7)))
    items = [{"to": f"+1415556{i:04d}", "body": "hi"} for i in range(1000)]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        if "FROM optouts" in statement:
            statements.append(statement)

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert r.status_code == 201
    assert r.json()["rejected"] == len(range(0, 1000, 7))
    assert len(statements) == 1


async def test_the_bulk_helper_answers_for_thousands_of_numbers(services, tenant):
    from smscast.db import utcnow
    from smscast.optouts import opted_out

    numbers = [f"+1415557{i:04d}" for i in range(2500)]
    async with services.db.begin() as conn:
        await opt_out(
            conn,
            tenant.account_id,
            [Entry(numbers[5]), Entry(numbers[2400], "12345")],
            source="api",
            now=utcnow(),
        )
        everyone = await opted_out(conn, tenant.account_id, numbers)
        from_sender = await opted_out(conn, tenant.account_id, numbers, "12345")
    assert everyone == {numbers[5]}
    assert from_sender == {numbers[5], numbers[2400]}
