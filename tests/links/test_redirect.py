"""GET /l/{code}: 302 to the stored URL, the click recorded; 404 and 410 as plain pages."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smscast.db import utcnow
from smscast.links.models import CLICKS, LINKS
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio

BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
TARGET = "https://shop.example.com/sale?utm_source=sms"


async def shortened(client, tenant: Tenant, body: str = f"Sale: {TARGET}") -> tuple[str, str]:
    r = await client.post(
        "/v1/messages",
        json={"to": "+14155550100", "body": body, "shorten_links": True},
        headers=tenant.basic,
    )
    assert r.status_code == 201, r.text
    m = r.json()
    return m["id"], re.search(r"/l/([0-9A-Za-z]+)", m["body"]).group(1)


async def clicks(services, message_id: str):
    await services.links.clicks.flush()
    async with services.db.begin() as conn:
        rows = await conn.execute(
            select(CLICKS).where(CLICKS.c.message_id == uuid.UUID(message_id)).order_by(CLICKS.c.id)
        )
        return rows.all()


async def test_a_click_redirects_and_is_recorded(client, services, tenant: Tenant):
    mid, code = await shortened(client, tenant)
    r = await client.get(
        f"/l/{code}", headers={"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.7"}
    )
    assert r.status_code == 302
    assert r.headers["location"] == TARGET
    assert "no-store" in r.headers["cache-control"]
    (click,) = await clicks(services, mid)
    assert click.human and click.bot is None
    assert click.user_agent == BROWSER
    assert str(click.account_id) == str(tenant.account_id)
    assert click.ip == "127.0.0.0"  # httpx's in-process client is 127.0.0.1; last octet zeroed
    assert abs(click.at - utcnow()) < timedelta(seconds=30)


async def test_the_redirect_does_not_wait_for_the_click_write(client, services, tenant: Tenant):
    mid, code = await shortened(client, tenant)
    services.links.clicks.interval_s = 60  # no timed write in between, however slow the run
    for _ in range(3):
        assert (await client.get(f"/l/{code}", headers={"User-Agent": BROWSER})).status_code == 302
    assert services.links.clicks.pending == 3  # answered while the clicks were still buffered
    assert len(await clicks(services, mid)) == 3


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"User-Agent": "facebookexternalhit/1.1"}, "facebookexternalhit"),
        ({"User-Agent": "WhatsApp/2.23.20.0 A"}, "whatsapp"),
        ({"User-Agent": "TelegramBot (like TwitterBot)"}, "telegrambot"),
        ({"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}, "slackbot"),
        ({"User-Agent": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"}, None),
        ({"User-Agent": f"{BROWSER} facebookexternalhit/1.1 Facebot Twitterbot/1.0"}, None),
        ({"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}, "googlebot"),
        ({"User-Agent": BROWSER, "Purpose": "prefetch"}, "prefetch"),
        ({"User-Agent": BROWSER, "Sec-Purpose": "prefetch;prerender"}, "prefetch"),
        ({"User-Agent": ""}, "no-user-agent"),
    ],
)
async def test_previews_and_bots_are_recorded_but_not_human(
    client, services, tenant: Tenant, headers, reason
):
    mid, code = await shortened(client, tenant)
    r = await client.get(f"/l/{code}", headers=headers)
    assert r.status_code == 302 and r.headers["location"] == TARGET
    (click,) = await clicks(services, mid)
    assert not click.human
    assert click.bot is not None
    if reason is not None:
        assert click.bot == reason


async def test_head_redirects_but_is_not_a_human_click(client, services, tenant: Tenant):
    mid, code = await shortened(client, tenant)
    r = await client.head(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert r.status_code == 302 and r.headers["location"] == TARGET
    (click,) = await clicks(services, mid)
    assert (click.human, click.bot) == (False, "head")


@pytest.mark.parametrize("code", ["Zz9Zz9Zz9", "abc", "a" * 40, "not-a-code", "%00"])
async def test_an_unknown_code_is_a_plain_404_page(client, code):
    r = await client.get(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Link not found" in r.text and "location" not in r.headers


async def test_a_link_past_its_retention_is_410(client, services, tenant: Tenant):
    mid, code = await shortened(client, tenant)
    old = utcnow() - timedelta(days=services.settings.link_retention_days, seconds=1)
    async with services.db.begin() as conn:
        await conn.execute(update(LINKS).where(LINKS.c.code == code).values(created_at=old))
    r = await client.get(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert r.status_code == 410
    assert r.headers["content-type"].startswith("text/html")
    assert await clicks(services, mid) == []


async def test_a_sentence_end_kept_by_the_phone_still_redirects(client, tenant: Tenant):
    _, code = await shortened(client, tenant)
    r = await client.get(f"/l/{code}.", headers={"User-Agent": BROWSER})
    assert r.status_code == 302 and r.headers["location"] == TARGET


@pytest.mark.parametrize(
    "path",
    [
        "/l/https://evil.example",
        "/l//evil.example",
        "/l/%2F%2Fevil.example",
        "/l/evil.example",
        "/l/{code}/..%2F..%2Fevil.example",
        "/l/{code}?url=https://evil.example",
        "/l/{code}?next=//evil.example",
        "/l/{code}#https://evil.example",
        "//evil.example",
        "/l/{code}%0d%0aLocation:%20https://evil.example",
    ],
)
async def test_no_request_can_redirect_elsewhere(client, tenant: Tenant, path):
    _, code = await shortened(client, tenant)
    r = await client.get(
        path.replace("{code}", code),
        headers={"User-Agent": BROWSER, "Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    location = r.headers.get("location", "")
    assert "evil" not in location
    assert r.status_code != 302 or location == TARGET


async def test_non_ascii_targets_are_sent_as_an_ascii_location(client, tenant: Tenant):
    _, code = await shortened(client, tenant, "Смотрите https://пример.рф/путь?q=да")
    r = await client.get(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert r.status_code == 302
    assert r.headers["location"] == (
        "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?q=%D0%B4%D0%B0"
    )


async def test_scheme_less_links_redirect_to_http(client, tenant: Tenant):
    _, code = await shortened(client, tenant, "Visit www.example.org/menu today")
    r = await client.get(f"/l/{code}", headers={"User-Agent": BROWSER})
    assert r.headers["location"] == "http://www.example.org/menu"
