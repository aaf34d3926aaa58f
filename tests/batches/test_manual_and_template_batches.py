"""Batches from a manual message (at most 160 characters) or a template, sent to named
lists and to a sender's contacts."""

from __future__ import annotations

import pytest

from tests.batches.helpers import adds_up, campaign, errors, messages, scheduled
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def a_list(client, tenant, *contacts) -> str:
    lst = (await client.post("/v1/lists", json={"name": "vip"}, headers=tenant.basic)).json()
    for number, attributes in contacts:
        r = await client.post(
            "/v1/contacts",
            json={"number": number, "attributes": attributes, "list_ids": [lst["id"]]},
            headers=tenant.basic,
        )
        assert r.status_code == 201, r.text
    return lst["id"]


async def test_a_manual_message_goes_to_every_member_of_the_lists(client, services, tenant: Tenant):
    list_id = await a_list(client, tenant, ("+14155550100", {}), ("+14155550101", {}))
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches",
        json={
            "campaign_id": c["id"],
            "operation_type": "MANUAL_MESSAGE_INPUT",
            "message": "Sale today\\nonly",
            "list_ids": [list_id],
        },
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    done = await scheduled(client, services, tenant, r.json()["id"])
    assert done["counts"]["valid"] == 2
    assert {m["body"] for m in await messages(client, tenant, done["id"])} == {"Sale today\nonly"}


@pytest.mark.parametrize(("size", "status"), [(160, 201), (161, 422)])
async def test_a_manual_message_has_at_most_160_characters(client, tenant: Tenant, size, status):
    list_id = await a_list(client, tenant, ("+14155550100", {}))
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches",
        data={
            "campaign_id": c["id"],
            "operation_type": "MANUAL_MESSAGE_INPUT",
            "message": "m" * size,
            "list_ids": list_id,
        },
        headers=tenant.basic,
    )
    assert r.status_code == status, r.text
    if status == 422:
        assert any(e["field"] == "message" for e in r.json()["errors"])


async def test_a_template_renders_each_contact_and_reports_what_is_missing(
    client, services, tenant: Tenant
):
    list_id = await a_list(
        client,
        tenant,
        ("+14155550100", {"first_name": "Ann", "code": "A1"}),
        ("+14155550101", {"code": "B2"}),
        ("+14155550102", {"first_name": "Cy"}),
    )
    tpl = await client.post(
        "/v1/templates",
        json={
            "name": "promo",
            "body": "Hi {{first_name|there}}, use {{code}}",
            "attributes": ["code"],
        },
        headers=tenant.basic,
    )
    assert tpl.status_code == 201, tpl.text
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches",
        json={
            "campaign_id": c["id"],
            "operation_type": "MESSAGE_TEMPLATE",
            "template_id": tpl.json()["id"],
            "list_ids": [list_id],
            "action": "VALIDATE",
        },
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    batch = r.json()
    assert (batch["counts"]["valid"], batch["counts"]["invalid"]) == (2, 1)
    (err,) = await errors(client, tenant, batch["id"])
    assert (err["column"], err["code"], err["value"]) == (
        "code",
        "missing_attribute",
        "+14155550102",
    )
    done = await scheduled(client, services, tenant, batch["id"])
    assert adds_up(done["counts"])
    assert sorted(m["body"] for m in await messages(client, tenant, batch["id"])) == [
        "Hi Ann, use A1",
        "Hi there, use B2",
    ]


async def test_a_sender_code_sends_to_its_assigned_contacts(client, services, tenant: Tenant):
    sender = (
        await client.post("/v1/senders", json={"address": "+14155550199"}, headers=tenant.basic)
    ).json()
    r = await client.post(
        f"/v1/senders/{sender['id']}/contacts",
        json={"numbers": ["+14155550100", "+14155550101"]},
        headers=tenant.basic,
    )
    assert r.json() == {"contacts": 2}
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches",
        json={
            "campaign_id": c["id"],
            "operation_type": "MANUAL_MESSAGE_INPUT",
            "message": "Welcome",
            "sender_id": sender["id"],
            "sender_contacts": True,
        },
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    await scheduled(client, services, tenant, r.json()["id"])
    sent = await messages(client, tenant, r.json()["id"])
    assert sorted(m["to"] for m in sent) == ["+14155550100", "+14155550101"]
    assert {m["from"] for m in sent} == {"+14155550199"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"operation_type": "MESSAGE_TEMPLATE", "list_ids": []}, "template_id"),
        ({"operation_type": "MANUAL_MESSAGE_INPUT", "message": "hi"}, "list_ids"),
        ({"operation_type": "MANUAL_MESSAGE_INPUT", "message": "", "list_ids": []}, "message"),
        ({"operation_type": "CSV_FILE"}, "file"),
        ({"operation_type": "SOMETHING"}, "operation_type"),
        (
            {"operation_type": "MANUAL_MESSAGE_INPUT", "message": "x", "sender_contacts": True},
            "sender_contacts",
        ),
    ],
)
async def test_each_operation_type_needs_its_fields(client, tenant: Tenant, body, field):
    c = await campaign(client, tenant)
    r = await client.post(
        "/v1/batches", json={"campaign_id": c["id"], **body}, headers=tenant.basic
    )
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()
