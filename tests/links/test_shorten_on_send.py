"""POST /v1/messages with shorten_links: the body is stored shortened and priced after."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from smscast.encoding import analyze
from smscast.links.models import LINKS
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

SHORT = re.compile(r"http://127\.0\.0\.1:8000/l/([0-9A-Za-z]{7})")


async def send(client, tenant: Tenant, body: str, **extra):
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": body, "shorten_links": True, **extra},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def stored_links(services, message_id):
    message_id = uuid.UUID(str(message_id))
    async with services.db.begin() as conn:
        rows = await conn.execute(
            select(LINKS).where(LINKS.c.message_id == message_id).order_by(LINKS.c.position)
        )
        return rows.all()


async def test_links_are_replaced_by_short_urls_and_stored(client, services, tenant: Tenant):
    long_url = "https://shop.example.com/spring/sale?utm_source=sms&utm_campaign=spring2024"
    m = await send(client, tenant, f"Spring sale! {long_url} or www.example.org.")
    codes = SHORT.findall(m["body"])
    assert len(codes) == 2 and codes[0] != codes[1]
    assert m["body"] == (
        f"Spring sale! http://127.0.0.1:8000/l/{codes[0]} or http://127.0.0.1:8000/l/{codes[1]}."
    )
    got = (await client.get(f"/v1/messages/{m['id']}", headers=tenant.basic)).json()
    assert got["body"] == m["body"]
    rows = await stored_links(services, m["id"])
    assert [(r.code, r.url, r.position) for r in rows] == [
        (codes[0], long_url, 0),
        (codes[1], "http://www.example.org", 1),
    ]
    assert all(str(r.account_id) == str(tenant.account_id) for r in rows)


async def test_segments_are_counted_after_shortening(client, tenant: Tenant):
    long_url = "https://example.com/" + "p" * 150
    body = f"Hi, see {long_url}"
    assert analyze(body).segments == 2
    m = await send(client, tenant, body)
    assert m["segments"] == 1 == analyze(m["body"]).segments
    assert m["encoding"] == "GSM-7"


async def test_the_same_url_twice_shares_one_code(client, services, tenant: Tenant):
    m = await send(client, tenant, "x.com/a and again x.com/a")
    assert len(set(SHORT.findall(m["body"]))) == 1
    assert len(await stored_links(services, m["id"])) == 1


async def test_every_message_gets_its_own_codes(client, tenant: Tenant):
    first = await send(client, tenant, "Hello https://example.com/offer")
    second = await send(client, tenant, "Hello https://example.com/offer")
    assert SHORT.findall(first["body"]) != SHORT.findall(second["body"])


async def test_without_the_flag_links_are_left_alone(client, services, tenant: Tenant):
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": "Visit https://example.com/x"},
        headers=tenant.basic,
    )
    m = r.json()
    assert m["body"] == "Visit https://example.com/x"
    assert await stored_links(services, m["id"]) == []


async def test_a_body_without_links_is_unchanged(client, tenant: Tenant):
    m = await send(client, tenant, "No links, call 415.555.0100 or mail a@b.com.")
    assert m["body"] == "No links, call 415.555.0100 or mail a@b.com."


async def test_smart_encoding_applies_after_shortening(client, tenant: Tenant):
    m = await send(client, tenant, "It’s on https://example.com/a", smart_encoding=True)
    assert re.fullmatch(r"It's on http://127\.0\.0\.1:8000/l/[0-9A-Za-z]{7}", m["body"])


async def test_bulk_shortens_each_message_on_its_own(client, services, tenant: Tenant):
    items = [
        {
            "to": f"+1415555{i:04d}",
            "body": f"Offer {i}: https://example.com/o",
            "shorten_links": True,
        }
        for i in range(20)
    ]
    r = await client.post("/v1/messages/bulk", json={"messages": items}, headers=tenant.basic)
    assert r.status_code == 201, r.text
    bodies = [x["message"]["body"] for x in r.json()["results"]]
    codes = [SHORT.findall(b)[0] for b in bodies]
    assert len(set(codes)) == 20
    for result in r.json()["results"]:
        (row,) = await stored_links(services, result["message"]["id"])
        assert row.code in result["message"]["body"]


async def test_a_body_too_long_once_shortened_is_refused(client, tenant: Tenant):
    body = " ".join(["a.co"] * 300)  # 1,499 characters; 300 short URLs are far longer
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": body, "shorten_links": True},
        headers=tenant.basic,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "too_long_when_shortened"


async def test_preview_shows_what_shortening_does(client, tenant: Tenant):
    long_url = "https://example.com/" + "p" * 150
    body = f"Hi, see {long_url}"
    r = await client.post("/v1/messages/preview", json={"body": body}, headers=tenant.basic)
    p = r.json()
    assert p["segments"] == 2 and p["body"] == body
    s = p["shortening"]
    assert s["links"] == [long_url]
    assert s["short_url_length"] == len("http://127.0.0.1:8000/l/XXXXXXX")
    assert s["body"] == "Hi, see http://127.0.0.1:8000/l/XXXXXXX"
    assert (s["segments"], s["segments_saved"]) == (1, 1)

    r = await client.post(
        "/v1/messages/preview", json={"body": body, "shorten_links": True}, headers=tenant.basic
    )
    p = r.json()
    assert (p["body"], p["segments"]) == ("Hi, see http://127.0.0.1:8000/l/XXXXXXX", 1)


async def test_preview_without_links_has_no_shortening(client, tenant: Tenant):
    r = await client.post(
        "/v1/messages/preview", json={"body": "hello", "shorten_links": True}, headers=tenant.basic
    )
    assert r.json()["shortening"] is None
    assert r.json()["body"] == "hello"
