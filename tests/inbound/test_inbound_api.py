"""/v1/inbound and /v1/keywords: read what came in, configure what is answered."""

from __future__ import annotations

import pytest

from smscast.inbound.keywords import DEFAULT_REPLIES
from tests.conftest import Tenant, make_tenant

pytestmark = pytest.mark.anyio


async def _post_mo(client, tenant: Tenant, **body) -> dict:
    r = await client.post("/v1/inbound-endpoint", headers=tenant.basic)
    url = r.json()["url"].removeprefix("http://smscast.test")
    got = await client.post(url, json={"to": "12345", **body})
    assert got.status_code == 200, got.text
    return got.json()


async def test_the_list_filters_and_pages(client, services):
    t = await make_tenant(services, "Inbox")
    for i, text in enumerate(["hi", "STOP", "help", "thanks"]):
        await _post_mo(client, t, **{"from": f"+1415555100{i}", "text": text})
    h = t.basic
    everything = (await client.get("/v1/inbound", headers=h)).json()["data"]
    assert [m["body"] for m in everything] == ["thanks", "help", "STOP", "hi"]
    stops = (await client.get("/v1/inbound?action=stop", headers=h)).json()["data"]
    assert [m["from"] for m in stops] == ["+14155551001"]
    one = (await client.get("/v1/inbound?from=4155551003", headers=h)).json()["data"]
    assert [m["body"] for m in one] == ["thanks"]
    page = (await client.get("/v1/inbound?limit=3", headers=h)).json()
    rest = (await client.get(f"/v1/inbound?cursor={page['next_cursor']}", headers=h)).json()
    assert [m["body"] for m in page["data"] + rest["data"]] == ["thanks", "help", "STOP", "hi"]
    assert rest["next_cursor"] is None
    naive = await client.get("/v1/inbound?received_after=2026-01-01T00:00:00", headers=h)
    assert naive.status_code == 422
    assert (await client.get("/v1/inbound?action=dance", headers=h)).status_code == 422


async def test_keywords_and_replies_are_configured_per_account(client, services):
    t = await make_tenant(services, "Keywords")
    h = t.basic
    await client.post("/v1/keywords", json={"keyword": "baja", "action": "stop"}, headers=h)
    await client.post(
        "/v1/keywords",
        json={"keyword": "ALTA", "action": "start", "reply": "¡Bienvenido!"},
        headers=h,
    )
    replies = await client.patch(
        "/v1/keywords/replies", json={"stop": "Bye.", "help": ""}, headers=h
    )
    assert replies.json() == {"stop": "Bye.", "start": DEFAULT_REPLIES["start"], "help": ""}
    listed = (await client.get("/v1/keywords", headers=h)).json()
    own = {k["keyword"]: (k["action"], k["reply"]) for k in listed["keywords"] if not k["built_in"]}
    assert own == {"ALTA": ("start", "¡Bienvenido!"), "BAJA": ("stop", None)}
    assert {k["keyword"] for k in listed["keywords"] if k["built_in"]} >= {"STOP", "HELP", "YES"}
    # The texts work, and HELP with an empty reply is stored but not answered.
    assert (await _post_mo(client, t, **{"from": "+14155551011", "text": "Baja"}))[
        "action"
    ] == "stop"
    helped = await _post_mo(client, t, **{"from": "+14155551012", "text": "help"})
    got = (await client.get(f"/v1/inbound/{helped['id']}", headers=h)).json()
    assert (got["action"], got["reply_id"]) == ("help", None)
    # Back to the default reply; then the keyword goes.
    reset = await client.patch("/v1/keywords/replies", json={"stop": None}, headers=h)
    assert reset.json()["stop"] == DEFAULT_REPLIES["stop"]
    assert (await client.delete("/v1/keywords/baja", headers=h)).status_code == 204
    assert (await client.delete("/v1/keywords/baja", headers=h)).status_code == 404
    plain = await _post_mo(client, t, **{"from": "+14155551013", "text": "BAJA"})
    assert plain["action"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"keyword": "STOP", "action": "start"}, "keyword_reserved"),
        ({"keyword": "no-way", "action": "stop"}, "invalid_keyword"),
        ({"keyword": "x" * 40, "action": "stop"}, "invalid_keyword"),
        ({"keyword": "!!!", "action": "stop"}, "invalid_keyword"),
        ({"keyword": "ok", "action": "dance"}, "literal_error"),
        ({"keyword": "ok", "action": "stop", "reply": "x" * 641}, "string_too_long"),
    ],
)
async def test_bad_keywords_are_field_errors(client, tenant: Tenant, body, code):
    r = await client.post("/v1/keywords", json=body, headers=tenant.basic)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == code


async def test_a_built_in_keyword_may_get_its_own_reply(client, services):
    t = await make_tenant(services, "Own STOP reply")
    r = await client.post(
        "/v1/keywords",
        json={"keyword": "quit", "action": "stop", "reply": "Quit ok."},
        headers=t.basic,
    )
    assert r.json() == {"keyword": "QUIT", "action": "stop", "built_in": True, "reply": "Quit ok."}


async def test_another_accounts_inbound_and_keywords_are_404(
    client, tenant: Tenant, other_tenant: Tenant
):
    mo = await _post_mo(client, tenant, **{"from": "+14155551021", "text": "hello"})
    await client.post(
        "/v1/keywords", json={"keyword": "BASTA", "action": "stop"}, headers=tenant.basic
    )
    other = other_tenant.basic
    assert (await client.get(f"/v1/inbound/{mo['id']}", headers=other)).status_code == 404
    assert (await client.delete("/v1/keywords/BASTA", headers=other)).status_code == 404
    assert (await client.get("/v1/inbound", headers=other)).json()["data"] == []
    assert (await client.get(f"/v1/inbound/{mo['id']}", headers=tenant.basic)).status_code == 200
