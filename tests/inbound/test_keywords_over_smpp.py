"""Keywords sent from a handset over a real SMPP session: STOP, START, HELP and ARRET."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from smscast.inbound.keywords import DEFAULT_REPLIES
from smscast.inbound.models import INBOUND
from smscast.messages.models import MESSAGES
from smscast.optouts.models import CHANGES, OPTOUTS
from tests.dispatch.conftest import wait_for
from tests.inbound.conftest import HANDSET, SHORT_CODE, consent_stack

pytestmark = pytest.mark.anyio


@pytest.fixture
def tenant(own_tenant):
    """The account lives in the worker's own database."""
    return own_tenant


async def _send(api, tenant, body="Spring sale!", **extra):
    return await api.post(
        "/v1/messages",
        json={"to": HANDSET, "body": body, "from": SHORT_CODE, **extra},
        headers=tenant.basic,
    )


async def _first_conversation(api, tenant, stack):
    """A message from the short code to the handset: the MO's account is found by it."""
    assert (await _send(api, tenant)).status_code == 201
    await wait_for(lambda: stack.texts_to(HANDSET) == ["Spring sale!"])


async def _status(services, message_id):
    async with services.db.begin() as conn:
        return (
            await conn.execute(select(MESSAGES.c.status).where(MESSAGES.c.id == message_id))
        ).scalar_one()


async def test_stop_is_stored_opts_out_is_confirmed_and_the_next_send_is_refused(
    own_services, api, tenant
):
    async with consent_stack(own_services) as stack:
        await _first_conversation(api, tenant, stack)
        await stack.mo("  Stop. ")
        await wait_for(lambda: len(stack.texts_to(HANDSET)) == 2)
        assert stack.texts_to(HANDSET)[1] == DEFAULT_REPLIES["stop"]
        refused = await _send(api, tenant, "One more?")
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {
                "field": "to",
                "code": "opted_out",
                "message": "the recipient opted out of messages from this account",
            }
        ]
    listed = (await api.get("/v1/inbound", headers=tenant.basic)).json()["data"]
    assert [(m["from"], m["to"], m["body"], m["keyword"], m["action"]) for m in listed] == [
        (HANDSET, SHORT_CODE, "  Stop. ", "STOP", "stop")
    ]
    assert listed[0]["connector"] == "sim" and listed[0]["reply_id"] is not None
    async with own_services.db.begin() as conn:
        history = (await conn.execute(select(CHANGES))).all()
    assert [(h.number, h.action, h.source, h.detail) for h in history] == [
        (HANDSET, "opt_out", "keyword", "STOP")
    ]
    assert str(history[0].inbound_id) == listed[0]["id"]


async def test_a_message_queued_before_stop_and_claimed_after_is_canceled_not_sent(
    own_services, api, tenant
):
    async with consent_stack(own_services) as stack:
        await _first_conversation(api, tenant, stack)
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        queued = await _send(api, tenant, "Queued before the STOP", send_at=later)
        assert queued.status_code == 201 and queued.json()["status"] == "scheduled"
        mid = uuid.UUID(queued.json()["id"])
        await stack.mo("STOP")
        await wait_for(lambda: len(stack.texts_to(HANDSET)) == 2)  # the confirmation
        async with own_services.db.begin() as conn:  # now it falls due
            await conn.execute(
                update(MESSAGES).where(MESSAGES.c.id == mid).values(due_at=datetime.now(UTC))
            )
        await wait_for(lambda: _is(own_services, mid, "canceled"), timeout=10)
        assert "Queued before the STOP" not in stack.texts_to(HANDSET)
        assert stack.hooks.guard.canceled == 1
    got = (await api.get(f"/v1/messages/{mid}", headers=tenant.basic)).json()
    assert got["error"]["code"] == "opted_out"
    assert [(e["from_status"], e["to_status"]) for e in got["events"]][-2:] == [
        ("scheduled", "sending"),
        ("sending", "canceled"),
    ]


async def _is(services, message_id, status):
    return await _status(services, message_id) == status


async def test_start_opts_back_in_and_help_answers_with_the_help_text(own_services, api, tenant):
    async with consent_stack(own_services) as stack:
        await _first_conversation(api, tenant, stack)
        await stack.mo("stop")
        await wait_for(lambda: DEFAULT_REPLIES["stop"] in stack.texts_to(HANDSET))
        await stack.mo("Help")  # answered while opted out: the reply is let through
        await wait_for(lambda: DEFAULT_REPLIES["help"] in stack.texts_to(HANDSET))
        await stack.mo("START!")
        await wait_for(lambda: DEFAULT_REPLIES["start"] in stack.texts_to(HANDSET))
        assert (await _send(api, tenant, "Welcome back")).status_code == 201
        await wait_for(lambda: stack.texts_to(HANDSET)[-1:] == ["Welcome back"])
    async with own_services.db.begin() as conn:
        rows = (await conn.execute(select(CHANGES.c.action).order_by(CHANGES.c.id))).all()
    assert [r.action for r in rows] == ["opt_out", "opt_in"]


async def test_custom_keyword_arret_opts_out_with_its_own_reply(own_services, api, tenant):
    r = await api.post(
        "/v1/keywords",
        json={"keyword": "Arrêt", "action": "stop", "reply": "Vous êtes désabonné."},
        headers=tenant.basic,
    )
    assert r.status_code == 200 and r.json()["keyword"] == "ARRET"
    async with consent_stack(own_services) as stack:
        await _first_conversation(api, tenant, stack)
        await stack.mo("arrêt")
        await wait_for(lambda: stack.texts_to(HANDSET)[-1:] == ["Vous êtes désabonné."])
    assert (await _send(api, tenant)).json()["errors"][0]["code"] == "opted_out"


async def test_a_second_stop_is_not_confirmed_again(own_services, api, tenant):
    async with consent_stack(own_services) as stack:
        await _first_conversation(api, tenant, stack)
        await stack.mo("STOP")
        await stack.mo("STOP")
    async with own_services.db.begin() as conn:
        texts = (
            await conn.execute(select(MESSAGES.c.body).where(MESSAGES.c.to == HANDSET))
        ).scalars()
        assert sorted(texts) == sorted(["Spring sale!", DEFAULT_REPLIES["stop"]])


async def test_an_mo_no_account_owns_is_kept_for_the_operator_and_changes_nothing(
    own_services, api, tenant
):
    async with consent_stack(own_services) as stack:
        await stack.mo("STOP", destination="55555")
    async with own_services.db.begin() as conn:
        stored = (await conn.execute(select(INBOUND))).all()
        optouts = (await conn.execute(select(OPTOUTS))).all()
    assert [(m.account_id, m.body, m.action) for m in stored] == [(None, "STOP", None)]
    assert optouts == []
    assert (await api.get("/v1/inbound", headers=tenant.basic)).json()["data"] == []
