"""An alphanumeric sender cannot send to the US or Canada: those rows are errors."""

from __future__ import annotations

import pytest

from smscast.senders.countries import NO_ALPHANUMERIC, alphanumeric_allowed
from tests.batches.helpers import campaign, created, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


def test_the_country_list_is_in_one_place():
    assert {"US", "CA"} <= NO_ALPHANUMERIC
    assert not alphanumeric_allowed("US")
    assert not alphanumeric_allowed(None)
    assert alphanumeric_allowed("GB")


async def test_rows_to_the_us_and_canada_are_refused_others_sent(client, services, tenant: Tenant):
    sender = await client.post("/v1/senders", json={"address": "ACME"}, headers=tenant.basic)
    assert sender.status_code == 201, sender.text
    assert sender.json()["kind"] == "alphanumeric"
    c = await campaign(client, tenant, default_sender_id=sender.json()["id"])
    csv = "+14155550100,us\n+16135550123,ca\n+447400123456,uk\n"
    batch = await created(client, tenant, csv, campaign_id=c["id"])
    done = await scheduled(client, services, tenant, batch["id"])
    assert (done["counts"]["valid"], done["counts"]["invalid"]) == (1, 2)
    assert {(e["row"], e["code"]) for e in await errors(client, tenant, batch["id"])} == {
        (1, "sender_not_allowed"),
        (2, "sender_not_allowed"),
    }
    (m,) = await messages(client, tenant, batch["id"])
    assert (m["to"], m["from"]) == ("+447400123456", "ACME")
