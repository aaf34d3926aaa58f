"""The consent and sender rules a message must pass when it is accepted.

Run after `MessageService.prepare` (which normalises `to` and `from`), before the rows are
written: one connection, one query per rule for up to 1,000 messages. A refusal is a field
error, as the native API reports any other: `to`/`opted_out`, `campaign_id`/`not_subscribed`,
`from`/`sender_not_approved` or `sender_not_allowed_for_country`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from smscast.accounts.service import Principal
from smscast.db import Database, utcnow
from smscast.errors import FieldError, ValidationFailed
from smscast.messages.writer import WriteSet
from smscast.numbers import region_of
from smscast.optouts.policy import policy_of
from smscast.optouts.sender_rules import SenderRegistry, TableSenders, sender_errors
from smscast.optouts.service import blocked
from smscast.optouts.subscriptions import refused_by_campaigns

__all__ = ["OPTED_OUT", "AcceptScreen"]

OPTED_OUT: FieldError = {
    "field": "to",
    "code": "opted_out",
    "message": "the recipient opted out of messages from this account",
}
NOT_SUBSCRIBED: FieldError = {
    "field": "campaign_id",
    "code": "not_subscribed",
    "message": "the recipient is not an active subscriber of this campaign",
}


_TABLE_SENDERS = TableSenders()  # stateless


class AcceptScreen:
    """`senders`: where registered senders are looked up; None turns the sender rules off."""

    def __init__(self, db: Database, senders: SenderRegistry | None = _TABLE_SENDERS):
        self.db = db
        self.senders = senders

    async def refusals(
        self, principal: Principal, rows: Sequence[dict[str, Any]]
    ) -> list[list[FieldError]]:
        """For each message row, the rules it breaks (empty when none)."""
        out: list[list[FieldError]] = [[] for _ in rows]
        if not rows:
            return out
        account = principal.account_id
        campaign_rows = [
            (i, r["campaign_id"], r["to"]) for i, r in enumerate(rows) if r["campaign_id"]
        ]
        account_check = policy_of(principal.settings).campaign_check
        async with self.db.begin() as conn:
            pairs = [(r["to"], r["sender"]) for r in rows]
            for i, hit in enumerate(await blocked(conn, account, pairs)):
                if hit:
                    out[i].append(dict(OPTED_OUT))
            if campaign_rows:
                refused = await refused_by_campaigns(
                    conn,
                    account,
                    [(c, to) for _, c, to in campaign_rows],
                    account_check=account_check,
                )
                for (i, _, _), no in zip(campaign_rows, refused, strict=True):
                    if no:
                        out[i].append(dict(NOT_SUBSCRIBED))
            if self.senders is not None:
                await self._check_senders(conn, principal.account_id, rows, out)
        return out

    async def _check_senders(
        self,
        conn: Any,
        account_id: uuid.UUID,
        rows: Sequence[dict[str, Any]],
        out: list[list[FieldError]],
    ) -> None:
        registry = self.senders
        assert registry is not None
        names = {r["sender"] for r in rows if r["sender"]}
        if not names:
            return
        now = utcnow()
        records, managed = await registry.find(conn, account_id, names, now)
        for i, r in enumerate(rows):
            if r["sender"]:
                country = region_of(r["to"])
                out[i] += sender_errors(
                    r["sender"],
                    country,
                    records.get(r["sender"]),
                    managed=managed,
                    country_allows=registry.allows_alphanumeric(country),
                )

    async def check(self, principal: Principal, ws: WriteSet) -> None:
        """Raise ValidationFailed when the one message of `ws` breaks a rule."""
        [errors] = await self.refusals(principal, ws.messages[:1])
        if errors:
            raise ValidationFailed("The message may not be sent.", errors)

    async def check_bulk(
        self, principal: Principal, ws: WriteSet, results: list[dict[str, Any]]
    ) -> None:
        """Turn the accepted results that break a rule into rejected ones; drop their rows."""
        refused = await self.refusals(principal, ws.messages)
        dropped = {m["id"]: e for m, e in zip(ws.messages, refused, strict=True) if e}
        if not dropped:
            return
        for r in results:
            message = r.get("message")
            if message is not None and message["id"] in dropped:
                r.pop("message")
                r["status"] = "rejected"
                r["errors"] = dropped[message["id"]]
        ws.messages[:] = [m for m in ws.messages if m["id"] not in dropped]
        ws.events[:] = [e for e in ws.events if e["message_id"] not in dropped]
        ws.links[:] = [k for k in ws.links if k.get("message_id") not in dropped]
