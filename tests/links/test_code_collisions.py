"""A random code that is already taken is drawn again, and the message body follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smscast.db import utcnow
from smscast.encoding import analyze
from smscast.links.models import LINKS
from smscast.messages.models import MESSAGES
from smscast.messages.schemas import MessageIn
from smscast.messages.writer import WriteSet, write_sets
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def prepared(services, tenant: Tenant, url: str) -> WriteSet:
    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    item = MessageIn(to="+14155550100", body=f"Offer: {url} now", shorten_links=True)
    return services.messages.prepare(principal, item, utcnow())


def force_code(ws: WriteSet, code: str) -> None:
    """Make the write set use `code`, as if the random draw had produced it."""
    row, message = ws.links[0], ws.messages[0]
    url = row["short_url"][: -len(row["code"])] + code
    message["body"] = message["body"].replace(row["short_url"], url)
    row["code"], row["short_url"] = code, url


async def stored(services, ws: WriteSet):
    async with services.db.begin() as conn:
        link = (await conn.execute(select(LINKS).where(LINKS.c.id == ws.links[0]["id"]))).one()
        body = (
            await conn.execute(select(MESSAGES.c.body).where(MESSAGES.c.id == ws.messages[0]["id"]))
        ).scalar_one()
    return link, body


async def test_a_code_taken_by_a_stored_link_is_drawn_again(services, tenant: Tenant):
    first = await prepared(services, tenant, "https://a.example/1")
    await services.writer.write(first)
    taken = first.links[0]["code"]

    second = await prepared(services, tenant, "https://b.example/2")
    force_code(second, taken)
    segments = analyze(second.messages[0]["body"]).segments
    await services.writer.write(second)

    link, body = await stored(services, second)
    assert link.code != taken and len(link.code) == len(taken)
    assert link.short_url in body and taken not in body
    assert body == second.messages[0]["body"]
    assert analyze(body).segments == segments
    assert (await services.links.resolve(taken)).url == "https://a.example/1"
    assert (await services.links.resolve(link.code)).url == "https://b.example/2"


async def test_two_messages_of_one_commit_with_one_code_both_get_theirs(services, tenant):
    one = await prepared(services, tenant, "https://a.example/1")
    two = await prepared(services, tenant, "https://b.example/2")
    force_code(one, "SameOne")
    force_code(two, "SameOne")
    async with services.db.begin() as conn:
        await write_sets(conn, [one, two])
    (link_one, body_one), (link_two, body_two) = (
        await stored(services, one),
        await stored(services, two),
    )
    assert link_one.code != link_two.code
    assert link_one.short_url in body_one and link_two.short_url in body_two
    targets = {(await services.links.resolve(c)).url for c in (link_one.code, link_two.code)}
    assert targets == {"https://a.example/1", "https://b.example/2"}
