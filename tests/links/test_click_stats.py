"""Click statistics per link, message, batch and campaign: exact numbers, per account."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import update

from smscast.messages.models import MESSAGES
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

A = "https://shop.example.com/a"
B = "https://shop.example.com/b"
BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile"
PREVIEW = {"User-Agent": "facebookexternalhit/1.1"}
HUMAN = {"User-Agent": BROWSER}


async def send(client, tenant: Tenant, body: str) -> tuple[str, list[str]]:
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": body, "shorten_links": True},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    m = r.json()
    return m["id"], re.findall(r"/l/([0-9A-Za-z]{7})", m["body"])


@pytest.fixture
async def campaign(client, services, tenant: Tenant):
    """Five messages of one campaign, two of them in one batch, and their clicks.

    m1: A (2 human, 1 preview), B (1 human); m2: A (1 HEAD); m3: A (1 human); m4: B (none);
    m5: no link.
    """
    cid, bid = uuid.uuid4(), uuid.uuid4()
    m1, (m1a, m1b) = await send(client, tenant, f"Two: {A} {B}")
    m2, (m2a,) = await send(client, tenant, f"One: {A}")
    m3, (m3a,) = await send(client, tenant, f"One: {A}")
    m4, _ = await send(client, tenant, f"One: {B}")
    m5, _ = await send(client, tenant, "No link")
    # Campaigns and batches are other modules' (with rules of their own): set the columns.
    ids = [uuid.UUID(m) for m in (m1, m2, m3, m4, m5)]
    async with services.db.begin() as conn:
        await conn.execute(update(MESSAGES).where(MESSAGES.c.id.in_(ids)).values(campaign_id=cid))
        await conn.execute(update(MESSAGES).where(MESSAGES.c.id.in_(ids[:2])).values(batch_id=bid))
    for code, headers, method in [
        (m1a, HUMAN, "GET"),
        (m1a, HUMAN, "GET"),
        (m1a, PREVIEW, "GET"),
        (m1b, HUMAN, "GET"),
        (m2a, HUMAN, "HEAD"),
        (m3a, HUMAN, "GET"),
    ]:
        r = await client.request(method, f"/l/{code}", headers=headers)
        assert r.status_code == 302
    await services.links.clicks.flush()
    return {"campaign": cid, "batch": bid, "messages": [m1, m2, m3, m4, m5]}


async def stats(client, tenant: Tenant, **scope):
    r = await client.get("/v1/stats/clicks", params=scope, headers=tenant.basic)
    assert r.status_code == 200, r.text
    return r.json()


async def test_campaign_statistics_are_exact(client, tenant: Tenant, campaign):
    s = await stats(client, tenant, campaign_id=str(campaign["campaign"]))
    assert s["campaign_id"] == str(campaign["campaign"])
    assert {k: s[k] for k in ("messages", "messages_with_links", "links")} == {
        "messages": 5,
        "messages_with_links": 4,
        "links": 5,
    }
    assert (s["clicks"], s["unique_clicks"], s["bot_clicks"]) == (4, 2, 2)
    assert s["click_through_rate"] == 0.5
    assert s["by_url"] == [
        {
            "url": A,
            "messages": 3,
            "clicks": 3,
            "unique_clicks": 2,
            "bot_clicks": 2,
            "click_through_rate": 0.6667,
        },
        {
            "url": B,
            "messages": 2,
            "clicks": 1,
            "unique_clicks": 1,
            "bot_clicks": 0,
            "click_through_rate": 0.5,
        },
    ]


async def test_batch_statistics_are_exact(client, tenant: Tenant, campaign):
    s = await stats(client, tenant, batch_id=str(campaign["batch"]))
    assert (s["messages"], s["messages_with_links"], s["links"]) == (2, 2, 3)
    assert (s["clicks"], s["unique_clicks"], s["bot_clicks"]) == (3, 1, 2)
    assert s["click_through_rate"] == 0.5


async def test_message_statistics_are_exact(client, tenant: Tenant, campaign):
    m1, _, _, m4, m5 = campaign["messages"]
    s = await stats(client, tenant, message_id=m1)
    assert (s["messages_with_links"], s["links"], s["clicks"], s["unique_clicks"]) == (1, 2, 3, 1)
    assert (s["bot_clicks"], s["click_through_rate"]) == (1, 1.0)
    s = await stats(client, tenant, message_id=m4)
    assert (s["clicks"], s["unique_clicks"], s["click_through_rate"]) == (0, 0, 0.0)
    s = await stats(client, tenant, message_id=m5)
    assert (s["messages"], s["messages_with_links"], s["click_through_rate"]) == (1, 0, 0.0)


async def test_each_link_of_a_message_has_its_counts(client, tenant: Tenant, campaign):
    m1 = campaign["messages"][0]
    r = await client.get(f"/v1/messages/{m1}/links", headers=tenant.basic)
    assert r.status_code == 200, r.text
    a, b = r.json()["data"]
    assert (a["url"], a["position"], a["clicks"], a["unique_clicks"], a["bot_clicks"]) == (
        A,
        0,
        2,
        1,
        1,
    )
    assert (b["url"], b["position"], b["clicks"], b["unique_clicks"], b["bot_clicks"]) == (
        B,
        1,
        1,
        1,
        0,
    )
    assert a["first_clicked_at"] <= a["last_clicked_at"]
    assert a["short_url"].endswith("/l/" + a["code"])
    assert a["expires_at"] > a["created_at"]
    no_link = campaign["messages"][4]
    r = await client.get(f"/v1/messages/{no_link}/links", headers=tenant.basic)
    assert r.json() == {"data": []}


async def test_a_messages_clicks_are_listed_newest_first_in_pages(client, tenant, campaign):
    m1 = campaign["messages"][0]
    r = await client.get(f"/v1/messages/{m1}/clicks", params={"limit": 3}, headers=tenant.basic)
    page = r.json()
    assert len(page["data"]) == 3 and page["next_cursor"]
    r = await client.get(
        f"/v1/messages/{m1}/clicks",
        params={"limit": 3, "cursor": page["next_cursor"]},
        headers=tenant.basic,
    )
    rest = r.json()
    assert len(rest["data"]) == 1 and rest["next_cursor"] is None
    every = page["data"] + rest["data"]
    assert [c["id"] for c in every] == sorted((c["id"] for c in every), reverse=True)
    assert sorted((c["url"], c["human"]) for c in every) == [
        (A, False),
        (A, True),
        (A, True),
        (B, True),
    ]
    preview = next(c for c in every if not c["human"])
    assert preview["bot"] == "facebookexternalhit" and preview["ip"] == "127.0.0.0"


async def test_another_account_gets_404_for_every_scope(client, tenant, other_tenant, campaign):
    m1 = campaign["messages"][0]
    for params in (
        {"campaign_id": str(campaign["campaign"])},
        {"batch_id": str(campaign["batch"])},
        {"message_id": m1},
    ):
        r = await client.get("/v1/stats/clicks", params=params, headers=other_tenant.basic)
        assert r.status_code == 404, params
    for what in ("links", "clicks"):
        r = await client.get(f"/v1/messages/{m1}/{what}", headers=other_tenant.basic)
        assert r.status_code == 404


@pytest.mark.parametrize(
    "params",
    [{}, {"campaign_id": str(uuid.uuid4()), "batch_id": str(uuid.uuid4())}],
)
async def test_stats_need_exactly_one_scope(client, tenant: Tenant, params):
    r = await client.get("/v1/stats/clicks", params=params, headers=tenant.basic)
    assert r.status_code == 422


async def test_a_bad_cursor_is_400(client, tenant: Tenant, campaign):
    m1 = campaign["messages"][0]
    r = await client.get(f"/v1/messages/{m1}/clicks?cursor=abc", headers=tenant.basic)
    assert r.status_code == 400
