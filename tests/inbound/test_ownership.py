"""Which account an MO from SMPP belongs to: the owner of the address it was sent to."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from smscast.accounts.service import Principal
from smscast.db import new_id, utcnow
from smscast.inbound.service import MO
from smscast.messages.schemas import MessageIn
from smscast.senders.models import SENDERS
from tests.conftest import make_tenant

pytestmark = pytest.mark.anyio


async def _register(services, tenant, address: str) -> None:
    async with services.db.begin() as conn:
        await conn.execute(
            insert(SENDERS).values(
                id=new_id(), account_id=tenant.account_id, address=address, kind="short_code"
            )
        )


async def _texted(services, tenant, to: str, sender: str) -> None:
    principal = Principal(tenant.account_id, tenant.account_id, "US", {})
    item = MessageIn(to=to, body="hello", sender=sender)
    await services.writer.write(services.messages.prepare(principal, item, utcnow()))


def _mo(source: str, destination: str) -> MO:
    # As SMPP hands them over: international numbers without '+'.
    return MO(source.lstrip("+"), destination, "hi", utcnow(), "sim")


async def test_an_address_one_account_registered_is_that_accounts(services):
    owner = await make_tenant(services, "Owner")
    await _register(services, owner, "70001")
    got = await services.inbound.receive(_mo("+14155551101", "70001"))
    assert got.account_id == owner.account_id


async def test_without_a_registration_the_last_conversation_decides(services):
    first, second = await make_tenant(services, "First"), await make_tenant(services, "Second")
    await _texted(services, first, "+14155551102", "70002")
    await _texted(services, second, "+14155551102", "70002")
    got = await services.inbound.receive(_mo("+14155551102", "70002"))
    assert got.account_id == second.account_id
    other = await services.inbound.receive(_mo("+14155551103", "70002"))  # never texted
    assert other.account_id is None


async def test_an_address_several_accounts_registered_goes_to_the_one_that_used_it(services):
    a, b = await make_tenant(services, "A"), await make_tenant(services, "B")
    await _register(services, a, "70003")
    await _register(services, b, "70003")
    await _texted(services, a, "+14155551104", "70003")
    got = await services.inbound.receive(_mo("+14155551104", "70003"))
    assert got.account_id == a.account_id
