"""The worker re-checks opt-outs when it claims a message, from its in-memory copy."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from smscast.db import utcnow
from smscast.dispatch.store import Claimed
from smscast.optouts import Entry, SuppressionGuard, opt_in, opt_out
from smscast.optouts.models import OPTOUTS
from smscast.optouts.service import exempt
from tests.dispatch.accept import accept
from tests.dispatch.conftest import connector_for, make_worker, running, simulator, wait_for
from tests.dispatch.helpers import statuses, timeline

pytestmark = pytest.mark.anyio


def _claimed(account_id, to, sender="12345", mid=None) -> Claimed:
    return Claimed(
        mid or uuid.uuid4(), account_id, to, sender, "x", 1, "transactional", 0, None, None,
        "queued",
    )  # fmt: skip


async def test_opted_out_after_accept_is_canceled_at_claim_and_never_sent(own_services, own_tenant):
    ids = await accept(own_services, own_tenant, 3, to_base=4155550700)
    async with own_services.db.begin() as conn:  # after accept, before any worker ran
        await opt_out(
            conn, own_tenant.account_id, [Entry("+14155550701")], source="api", now=utcnow()
        )
    guard = await SuppressionGuard(own_services.db).start()
    try:
        async with simulator() as sim:
            worker = make_worker(own_services, {"sim": connector_for(sim)})
            worker.recheck = guard
            async with running(worker):
                await wait_for(lambda: _done(own_services))
            assert sorted(m.destination for m in sim.messages()) == ["14155550700", "14155550702"]
    finally:
        await guard.close()
    assert (await statuses(own_services))["canceled"] == 1
    assert (await timeline(own_services, ids[1]))[-1] == ("sending", "canceled")


async def _done(services) -> bool:
    s = await statuses(services)
    return s["delivered"] + s["canceled"] == 3


async def test_the_copy_follows_opt_outs_and_opt_ins_within_a_refresh(services, tenant):
    guard = await SuppressionGuard(services.db).start()
    try:
        m = _claimed(tenant.account_id, "+14155550711")
        assert guard(m, utcnow()) is None
        async with services.db.begin() as conn:
            await opt_out(
                conn, tenant.account_id, [Entry("+14155550711")], source="api", now=utcnow()
            )
        await guard.refresh()
        outcome = guard(m, utcnow())
        assert outcome is not None and (outcome.kind, outcome.code) == ("cancel", "opted_out")
        async with services.db.begin() as conn:
            await opt_in(conn, tenant.account_id, "+14155550711", source="api", now=utcnow())
        await guard.refresh()
        assert guard(m, utcnow()) is None
    finally:
        await guard.close()


async def test_a_change_committed_late_with_an_older_time_is_still_seen(services, tenant):
    guard = await SuppressionGuard(services.db).start()
    try:
        async with services.db.begin() as conn:
            await opt_out(
                conn, tenant.account_id, [Entry("+14155550721")], source="api", now=utcnow()
            )
        await guard.refresh()
        # A slow transaction elsewhere commits a change stamped a few seconds ago.
        async with services.db.begin() as conn:
            await opt_out(
                conn,
                tenant.account_id,
                [Entry("+14155550722")],
                source="api",
                now=utcnow() - timedelta(seconds=5),
            )
        await guard.refresh()
        assert guard.blocks(tenant.account_id, "+14155550722", None, uuid.uuid4())
    finally:
        await guard.close()


async def test_per_sender_opt_outs_and_the_consent_reply_pass_as_they_should(services, tenant):
    guard = await SuppressionGuard(services.db).start()
    reply = uuid.uuid4()
    try:
        async with services.db.begin() as conn:
            now = utcnow()
            await opt_out(
                conn, tenant.account_id, [Entry("+14155550731", "12345")], source="api", now=now
            )
            await exempt(conn, tenant.account_id, "+14155550731", "12345", reply, now)
        await guard.refresh()
        a = tenant.account_id
        assert guard.blocks(a, "+14155550731", "12345", uuid.uuid4())
        assert not guard.blocks(a, "+14155550731", "67890", uuid.uuid4())
        assert not guard.blocks(a, "+14155550731", "12345", reply)  # the STOP confirmation
        assert not guard.blocks(uuid.uuid4(), "+14155550731", "12345", uuid.uuid4())
    finally:
        await guard.close()


async def test_a_stale_copy_puts_messages_back_instead_of_sending_them(services, tenant):
    guard = SuppressionGuard(services.db, max_stale_s=0.5)
    await guard.refresh()
    guard._fresh_at = time.monotonic() - 10  # the database has been away for a while
    try:
        outcome = guard(_claimed(tenant.account_id, "+14155550741"), datetime.now(UTC))
        assert outcome is not None and outcome.kind == "reschedule"
        assert outcome.due_at is not None and outcome.due_at > datetime.now(UTC)
    finally:
        await guard.close()


async def test_the_copy_is_rebuilt_whole_when_rows_change_behind_its_back(services, tenant):
    async with services.db.begin() as conn:
        await opt_out(conn, tenant.account_id, [Entry("+14155550751")], source="api", now=utcnow())
    guard = await SuppressionGuard(services.db).start()
    try:
        async with services.db.begin() as conn:  # a change with a badly skewed clock
            await conn.execute(
                update(OPTOUTS)
                .where(OPTOUTS.c.number == "+14155550751")
                .values(active=False, updated_at=datetime(2000, 1, 1, tzinfo=UTC))
            )
        await guard.refresh()
        assert guard.blocks(tenant.account_id, "+14155550751", None, uuid.uuid4())
        await guard.refresh(full=True)
        assert not guard.blocks(tenant.account_id, "+14155550751", None, uuid.uuid4())
    finally:
        await guard.close()


async def test_a_blocked_message_newer_than_the_copy_waits_for_it_instead_of_dying(
    services, tenant
):
    from smscast.db import new_id

    async with services.db.begin() as conn:
        await opt_out(conn, tenant.account_id, [Entry("+14155550761")], source="api", now=utcnow())
    guard = await SuppressionGuard(services.db).start()
    try:
        fresh = _claimed(tenant.account_id, "+14155550761", mid=new_id())
        outcome = guard(fresh, utcnow())
        assert outcome is not None and outcome.kind == "reschedule"
        guard._read_at = utcnow() + timedelta(seconds=3)  # a refresh well after it was made
        outcome = guard(fresh, utcnow())
        assert outcome is not None and outcome.kind == "cancel"
    finally:
        await guard.close()
