"""The campaign state machine: every forbidden transition refused, in the table and through
the API."""

from __future__ import annotations

import itertools

import pytest

from smscast.campaigns.states import STATUSES, TRANSITIONS, check_transition
from smscast.errors import InvalidTransition
from tests.batches.helpers import campaign
from tests.conftest import Tenant


def test_the_statuses_are_the_documented_ones():
    assert {"draft", "active", "paused", "completed", "archived"} == STATUSES


@pytest.mark.parametrize(
    ("current", "new"),
    [(a, b) for a, b in itertools.product(sorted(STATUSES), repeat=2) if b not in TRANSITIONS[a]],
)
def test_every_forbidden_transition_is_refused(current, new):
    with pytest.raises(InvalidTransition):
        check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"), [(a, b) for a in sorted(STATUSES) for b in sorted(TRANSITIONS[a])]
)
def test_every_allowed_transition_passes(current, new):
    check_transition(current, new)


def test_archived_is_the_end_and_reachable_from_everywhere():
    assert TRANSITIONS["archived"] == frozenset()
    for status in STATUSES - {"archived"}:
        check_transition(status, "archived")


@pytest.mark.anyio
async def test_the_api_walks_the_table_and_refuses_the_rest(client, tenant: Tenant):
    c = await campaign(client, tenant)
    assert c["status"] == "draft"
    for status in ("active", "paused", "active", "completed", "archived"):
        r = await client.patch(
            f"/v1/campaigns/{c['id']}", json={"status": status}, headers=tenant.basic
        )
        assert r.status_code == 200, (status, r.text)
        assert r.json()["status"] == status
    r = await client.patch(
        f"/v1/campaigns/{c['id']}", json={"status": "active"}, headers=tenant.basic
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("/invalid-transition")


@pytest.mark.anyio
@pytest.mark.parametrize("status", ["paused", "completed", "archived"])
async def test_a_campaign_that_is_not_sendable_refuses_to_schedule(client, tenant: Tenant, status):
    from tests.batches.helpers import created

    c = await campaign(client, tenant, status="active")
    batch = await created(client, tenant, "+14155550100,a\n", campaign_id=c["id"])
    path = {"paused": ["paused"], "completed": ["completed"], "archived": ["archived"]}[status]
    for s in path:
        await client.patch(f"/v1/campaigns/{c['id']}", json={"status": s}, headers=tenant.basic)
    r = await client.post(f"/v1/batches/{batch['id']}/schedule", headers=tenant.basic)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/campaign-not-sendable")
