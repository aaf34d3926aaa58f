"""/v1/optouts: add, list, read one, remove; every change in the history with its source."""

from __future__ import annotations

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_add_list_remove_and_the_history_says_what_happened(client, tenant: Tenant):
    h = tenant.basic
    added = await client.post(
        "/v1/optouts", json={"number": "(415) 555-0301", "detail": "asked by phone"}, headers=h
    )
    assert added.status_code == 200, added.text
    assert added.json() == {
        "number": "+14155550301",
        "sender": None,
        "opted_out": True,
        "changed": True,
    }
    again = await client.post("/v1/optouts", json={"number": "+14155550301"}, headers=h)
    assert again.json()["changed"] is False
    listed = (await client.get("/v1/optouts", headers=h)).json()["data"]
    assert [(o["number"], o["source"], o["detail"]) for o in listed] == [
        ("+14155550301", "api", "asked by phone")
    ]
    removed = await client.delete("/v1/optouts/+14155550301", headers=h)
    assert removed.status_code == 200 and removed.json()["opted_out"] is False
    assert (await client.delete("/v1/optouts/+14155550301", headers=h)).status_code == 404
    assert (await client.get("/v1/optouts", headers=h)).json()["data"] == []
    status = (await client.get("/v1/optouts/4155550301", headers=h)).json()
    assert status["opted_out"] is False
    assert [(c["action"], c["source"]) for c in status["history"]] == [
        ("opt_out", "api"),
        ("opt_in", "api"),
    ]
    history = (await client.get("/v1/optouts/history", headers=h)).json()["data"]
    assert [c["action"] for c in history] == ["opt_in", "opt_out"]  # newest first


async def test_an_opt_out_from_one_sender_blocks_only_that_sender(client, tenant: Tenant):
    h = tenant.basic
    await client.post("/v1/optouts", json={"number": "+14155550302", "sender": "12345"}, headers=h)
    blocked = await client.post(
        "/v1/messages", json={"to": "+14155550302", "body": "x", "from": "12345"}, headers=h
    )
    other = await client.post(
        "/v1/messages", json={"to": "+14155550302", "body": "x", "from": "67890"}, headers=h
    )
    assert (blocked.status_code, other.status_code) == (422, 201)
    # Removing the sender's opt-out only: the number is free again for that sender.
    r = await client.delete("/v1/optouts/+14155550302?sender=12345", headers=h)
    assert r.status_code == 200 and r.json()["sender"] == "12345"


async def test_removing_without_a_sender_clears_every_scope(client, tenant: Tenant):
    h = tenant.basic
    for sender in ("12345", "67890", None):
        await client.post(
            "/v1/optouts", json={"number": "+14155550303", "sender": sender}, headers=h
        )
    assert (await client.delete("/v1/optouts/+14155550303", headers=h)).status_code == 200
    status = (await client.get("/v1/optouts/+14155550303", headers=h)).json()
    assert status["opted_out"] is False
    assert sorted(c["sender"] or "" for c in status["history"] if c["action"] == "opt_in") == [
        "",
        "12345",
        "67890",
    ]


async def test_the_list_pages_with_a_cursor(client, services):
    from tests.conftest import make_tenant

    t = await make_tenant(services, "Pager")
    for i in range(5):
        await client.post("/v1/optouts", json={"number": f"+1415555040{i}"}, headers=t.basic)
    seen, cursor = [], None
    while True:
        q = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get("/v1/optouts" + q, headers=t.basic)).json()
        seen += [o["number"] for o in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"+1415555040{i}" for i in reversed(range(5))]
    bad = await client.get("/v1/optouts?cursor=%25%25", headers=t.basic)
    assert bad.status_code == 400


async def test_invalid_numbers_and_senders_are_field_errors(client, tenant: Tenant):
    r = await client.post("/v1/optouts", json={"number": "12"}, headers=tenant.basic)
    assert (r.status_code, r.json()["errors"][0]["code"]) == (422, "invalid_number")
    r = await client.post(
        "/v1/optouts", json={"number": "+14155550304", "sender": "!!"}, headers=tenant.basic
    )
    assert (r.status_code, r.json()["errors"][0]["code"]) == (422, "invalid_sender")
    r = await client.get("/v1/optouts/not-a-number", headers=tenant.basic)
    assert r.status_code == 422


async def test_another_accounts_opt_outs_are_invisible_and_404(
    client, tenant: Tenant, other_tenant: Tenant
):
    await client.post("/v1/optouts", json={"number": "+14155550305"}, headers=tenant.basic)
    other = other_tenant.basic
    assert (await client.get("/v1/optouts/+14155550305", headers=other)).status_code == 404
    assert (await client.delete("/v1/optouts/+14155550305", headers=other)).status_code == 404
    listed = (await client.get("/v1/optouts?number=%2B14155550305", headers=other)).json()
    assert listed["data"] == []
    history = (await client.get("/v1/optouts/history", headers=other)).json()["data"]
    assert "+14155550305" not in [c["number"] for c in history]
    # The other account may still text the number: opt-outs are per account.
    r = await client.post("/v1/messages", json={"to": "+14155550305", "body": "x"}, headers=other)
    assert r.status_code == 201
