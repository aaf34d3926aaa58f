"""Accept-time scheduling: send_at, expiry, ttl, quiet hours for marketing traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smscast.accounts.service import Principal
from smscast.errors import ValidationFailed
from smscast.messages.schemas import MessageIn
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_send_at_in_the_future_schedules_the_message(client, tenant: Tenant):
    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "later", "send_at": at.isoformat()},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["status"] == "scheduled"
    assert datetime.fromisoformat(m["due_at"]) == at
    got = (await client.get(f"/v1/messages/{m['id']}", headers=tenant.basic)).json()
    assert got["events"][0]["to_status"] == "scheduled"


async def test_ttl_sets_the_expiry(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "x", "ttl": 600}, headers=tenant.basic
    )
    m = r.json()
    assert m["status"] == "queued"
    left = datetime.fromisoformat(m["expires_at"]) - datetime.fromisoformat(m["created_at"])
    assert left == timedelta(seconds=600)


@pytest.mark.parametrize(
    "extra",
    [
        {"expires_at": "2020-01-01T00:00:00Z"},
        {"send_at": "2099-01-02T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z"},
    ],
)
async def test_a_window_that_never_opens_is_refused_with_the_reason(client, tenant, extra):
    r = await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "x", **extra}, headers=tenant.basic
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "no_send_window"


@pytest.mark.parametrize("field", ["send_at", "expires_at"])
async def test_times_without_an_offset_are_refused(client, tenant, field):
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "x", field: "2099-01-01T00:00:00"},
        headers=tenant.basic,
    )
    assert r.status_code == 422


@pytest.mark.parametrize("ttl", [0, 59, 7 * 86400 + 1, "soon"])
async def test_ttl_out_of_range_is_refused(client, tenant, ttl):
    r = await client.post(
        "/v1/messages", json={"to": "+14155550100", "body": "x", "ttl": ttl}, headers=tenant.basic
    )
    assert r.status_code == 422


def _principal(settings=None) -> Principal:
    import uuid

    return Principal(uuid.uuid4(), uuid.uuid4(), "US", settings or {})


async def test_marketing_at_night_waits_for_eight_in_the_recipients_zone(services):
    # 23:30 in New York (EST, UTC-5) is 04:30 UTC the next day.
    now = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
    ws = services.messages.prepare(
        _principal(), MessageIn(to="+12125550100", body="Sale!", traffic="marketing"), now
    )
    row = ws.messages[0]
    assert row["status"] == "scheduled"
    assert row["due_at"] == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert row["window"]["zones"] == ["America/New_York"]


async def test_transactional_at_night_goes_now(services):
    now = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
    ws = services.messages.prepare(
        _principal(), MessageIn(to="+12125550100", body="Code 1234"), now
    )
    assert ws.messages[0]["status"] == "queued" and ws.messages[0]["due_at"] == now
    assert ws.messages[0]["window"] is None


async def test_account_can_turn_quiet_hours_off(services):
    now = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
    ws = services.messages.prepare(
        _principal({"quiet_hours": False}),
        MessageIn(to="+12125550100", body="Sale!", traffic="marketing"),
        now,
    )
    assert ws.messages[0]["status"] == "queued"


async def test_marketing_past_its_expiry_before_morning_is_refused(services):
    now = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as exc:
        services.messages.prepare(
            _principal(),
            MessageIn(to="+12125550100", body="Sale!", traffic="marketing", ttl=3600),
            now,
        )
    assert exc.value.errors[0]["code"] == "no_send_window"
