"""Putting messages in the queue the way the API does."""

from __future__ import annotations

from datetime import timedelta

from smscast.accounts.service import Principal
from smscast.db import utcnow
from smscast.messages.schemas import MessageIn
from smscast.messages.writer import WriteSet
from smscast.services import Services


async def accept(
    services: Services,
    tenant,
    count: int,
    body: str = "hello",
    *,
    to_base: int = 4155550000,
    expires_in: timedelta | None = None,
    sender: str | None = "12345",
) -> list:
    principal = Principal(tenant.account_id, tenant.account_id, "US", {})
    ws = WriteSet()
    now = utcnow()
    for i in range(count):
        one = services.messages.prepare(
            principal, MessageIn(to=f"+1{to_base + i}", body=body, **{"from": sender}), now
        )
        if expires_in is not None:
            one.messages[0]["expires_at"] = now + expires_in
        ws.messages += one.messages
        ws.events += one.events
    for start in range(0, len(ws.messages), 1000):
        await services.writer.write(
            WriteSet(ws.messages[start : start + 1000], ws.events[start : start + 1000])
        )
    return [m["id"] for m in ws.messages]
