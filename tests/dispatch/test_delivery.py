"""A queued message goes out over SMPP and comes back delivered, with every step recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dispatch.accept import accept
from tests.dispatch.conftest import connector_for, make_worker, running, simulator, wait_for
from tests.dispatch.helpers import all_final, statuses, timeline

pytestmark = pytest.mark.anyio


async def test_message_is_delivered_and_its_timeline_is_complete(own_services, tenant):
    [mid] = await accept(own_services, tenant, 1, "Spring Sale Starts Today")
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 1))
        assert [m.text for m in sim.messages()] == ["Spring Sale Starts Today"]
    assert (await statuses(own_services))["delivered"] == 1
    assert await timeline(own_services, mid) == [
        ("accepted", "queued"),
        ("queued", "sending"),
        ("sending", "sent"),
        ("sent", "delivered"),
    ]


async def test_many_messages_all_reach_delivered_once(own_services, tenant):
    await accept(own_services, tenant, 300)
    async with simulator() as sim:
        async with running(
            make_worker(own_services, {"sim": connector_for(sim, binds=2)}, batch=50)
        ):
            await wait_for(lambda: all_final(own_services, 300))
        assert len(sim.messages()) == 300
        assert not sim.duplicates()
    assert (await statuses(own_services))["delivered"] == 300


@pytest.mark.parametrize("body", ["x" * 400, "Привет, мир! " * 20])
async def test_multipart_message_is_delivered_when_all_parts_are(own_services, tenant, body):
    [mid] = await accept(own_services, tenant, 1, body)
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 1))
        got = sim.messages()
        assert len(got) == 1 and got[0].text == body
    assert (await statuses(own_services))["delivered"] == 1


async def test_an_undelivered_part_says_which(own_services, tenant, client=None):
    await accept(own_services, tenant, 1, "y" * 400)
    async with simulator(delivered=0, undelivered=1) as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 1))
    from tests.dispatch.helpers import MESSAGES, select_one

    row = await select_one(own_services, MESSAGES.c.status, MESSAGES.c.error_reason)
    assert row.status == "undelivered"
    assert row.error_reason.startswith("part 1, 2, 3 of 3 undelivered")


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("undelivered", "undelivered"), ("expired", "expired"), ("rejected", "failed")],
)
async def test_receipt_outcomes_map_to_final_statuses(own_services, tenant, outcome, status):
    await accept(own_services, tenant, 5)
    async with simulator(delivered=0, **{outcome: 1}) as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 5))
    assert (await statuses(own_services))[status] == 5


async def test_expired_message_is_not_sent(own_services, tenant):
    await accept(own_services, tenant, 3, expires_in=timedelta(seconds=-1))
    async with simulator() as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 3))
        assert sim.messages() == []
    assert (await statuses(own_services))["expired"] == 3


async def test_receipt_before_submit_resp_is_kept_and_applied(own_services, tenant):
    await accept(own_services, tenant, 20)
    async with simulator(receipt_before_resp=True) as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 20))
    assert (await statuses(own_services))["delivered"] == 20


async def test_hex_ids_in_responses_and_decimal_in_receipts_still_match(own_services, tenant):
    await accept(own_services, tenant, 20)
    async with simulator(hex_ids=True, receipt_tlvs=False) as sim:
        async with running(make_worker(own_services, {"sim": connector_for(sim)})):
            await wait_for(lambda: all_final(own_services, 20))
    assert (await statuses(own_services))["delivered"] == 20


async def test_a_message_no_connector_serves_fails_with_no_route(own_services, tenant):
    await accept(own_services, tenant, 1)
    async with simulator() as sim:
        worker = make_worker(own_services, {"sim": connector_for(sim)}, default="none")
        async with running(worker):
            await wait_for(lambda: all_final(own_services, 1))
    from tests.dispatch.helpers import MESSAGES, select_one

    row = await select_one(own_services, MESSAGES.c.status, MESSAGES.c.error_code)
    assert (row.status, row.error_code) == ("failed", "no_route")
