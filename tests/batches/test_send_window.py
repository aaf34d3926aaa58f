"""The send window of a batch: stored, checked (startDate not in the past), and honoured by
every message's due time and stored window."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from smscast.messages.models import MESSAGES as M
from smscast.scheduling import Window
from tests.batches.helpers import created, errors, messages, scheduled, upload
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_a_start_date_in_the_past_is_refused(client, tenant: Tenant):
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    r = await upload(client, tenant, "+14155550100,a\n", start_date=yesterday)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "start_date",
        "code": "date_in_past",
        "message": r.json()["errors"][0]["message"],
    }


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"start_date": "2099-05-02", "end_date": "2099-05-01"}, "end_date", "before_start"),
        ({"start_time": "10:00", "end_time": "10:00"}, "end_time", "empty_window"),
        ({"start_time": "25:00"}, "start_time", "time_parsing"),
        ({"start_date": "tomorrow"}, "start_date", "date_from_datetime_parsing"),
    ],
)
async def test_a_window_that_cannot_be_is_refused(client, tenant: Tenant, fields, field, code):
    r = await upload(client, tenant, "+14155550100,a\n", **fields)
    assert r.status_code == 422, r.text
    assert (field, code) in {(e["field"], e["code"]) for e in r.json()["errors"]}, r.json()


async def test_messages_wait_for_the_start_date_and_carry_the_window(
    client, services, tenant: Tenant
):
    start = (datetime.now(UTC) + timedelta(days=3)).date()
    batch = await created(
        client,
        tenant,
        "+14155550100,a\n+447400123456,b\n",
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=1)).isoformat(),
        start_time="10:00",
        end_time="12:00:00",
    )
    assert (batch["start_date"], batch["start_time"], batch["end_time"]) == (
        start.isoformat(), "10:00:00", "12:00:00",
    )  # fmt: skip
    await scheduled(client, services, tenant, batch["id"])
    sent = await messages(client, tenant, batch["id"])
    assert len(sent) == 2
    ids = [uuid.UUID(m["id"]) for m in sent]
    query = select(M.c.to, M.c.window, M.c.due_at, M.c.expires_at, M.c.status)
    async with services.db.begin() as conn:
        rows = (await conn.execute(query.where(M.c.id.in_(ids)))).all()
    for row in rows:
        assert row.status == "scheduled"
        window = Window.from_json(row.window["window"])
        assert (window.date_from, window.date_to) == (start, start + timedelta(days=1))
        assert row.window["zones"]
        # Due no earlier than the start date's start on any clock of the recipient.
        assert row.due_at >= datetime.combine(start, datetime.min.time(), UTC) - timedelta(hours=14)
        assert row.expires_at is not None and row.expires_at > row.due_at


async def test_a_window_inside_quiet_hours_leaves_marketing_rows_no_time(client, tenant: Tenant):
    start = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    batch = await created(
        client, tenant, "+14155550100,a\n", start_date=start, end_date=start,
        start_time="02:00", end_time="04:00", action="VALIDATE",
    )  # fmt: skip
    assert batch["counts"]["invalid"] == 1
    (err,) = await errors(client, tenant, batch["id"])
    assert err["code"] == "no_send_window"
    assert "quiet hours" in err["reason"]


def test_window_fields_parse_both_time_forms():
    from smscast.batches.schemas import BatchFields

    f = BatchFields(start_time="02:00", end_time="04:00:00", start_date=date(2099, 1, 1))
    assert (f.start_time.isoformat(), f.end_time.isoformat()) == ("02:00:00", "04:00:00")
