"""The dispatch worker's claim-time opt-out check, from an in-memory copy of the list.

The check runs for every claimed message, synchronously, in the worker's hot path: a query
per message would cost more than the send. So each worker keeps the active opt-outs of every
account in memory and refreshes them every second: it re-reads the rows whose `updated_at`
is within `overlap` of the newest it has seen (a change committed late, by a slow
transaction or a host whose clock lags a little, is still picked up), and reloads everything
every `resync_s` to heal whatever a badly skewed clock made it miss. A row is the whole
state of one (account, number, sender), so applying it twice is harmless.

A consent reply (the STOP confirmation, a HELP answer) is let through the opt-out it answers:
the opt-out row names it (`reply_id`). A blocked message newer than the copy may be such a
reply the copy has not seen yet, so it is put back for two seconds rather than canceled.

If the copy cannot be refreshed (the database is away), messages are not sent on a stale
list: they are put back for a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from smscast.db import Database, utcnow
from smscast.dispatch.store import Claimed, Outcome
from smscast.optouts.models import EVERY_SENDER, OPTOUTS

__all__ = ["SuppressionGuard"]

log = logging.getLogger(__name__)

# (account, number) -> {sender ("" = all): the consent reply allowed through, or None}
_Blocked = dict[tuple[uuid.UUID, str], dict[str, uuid.UUID | None]]
# How long a message's transaction may take to commit, plus clock skew between hosts.
_COMMIT_SLACK = timedelta(seconds=2)


class SuppressionGuard:
    """`Worker(recheck=guard)`: cancel a message whose recipient opted out since accept."""

    def __init__(
        self,
        db: Database,
        *,
        interval_s: float = 1.0,
        overlap: timedelta = timedelta(seconds=30),
        resync_s: float = 300.0,
        max_stale_s: float = 15.0,
    ):
        self.db = db
        self.interval_s = interval_s
        self.overlap = overlap
        self.resync_s = resync_s
        self.max_stale_s = max_stale_s
        self._blocked: _Blocked = {}
        self._since: datetime | None = None
        self._fresh_at = float("-inf")  # monotonic time of the last good refresh
        self._read_at = datetime.min.replace(tzinfo=UTC)  # ... and when it began to read
        self._synced_at = float("-inf")  # ... of the last full reload
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.canceled = 0

    async def start(self) -> SuppressionGuard:
        """Load the whole list, then keep it fresh in the background."""
        await self.refresh(full=True)
        self._ensure_running()
        return self

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def __call__(self, m: Claimed, now: datetime) -> Outcome | None:
        self._ensure_running()
        if time.monotonic() - self._fresh_at > self.max_stale_s:
            return Outcome(
                m.id,
                "reschedule",
                due_at=now + timedelta(seconds=5),
                reason="the opt-out list could not be read; trying again shortly",
            )
        if not self.blocks(m.account_id, m.to, m.sender, m.id):
            return None
        if _created_at(m.id) > self._read_at - _COMMIT_SLACK:
            # The copy may predate this message, and so not know it is a consent reply (a
            # HELP answer let through an opt-out in the same transaction): look again.
            return Outcome(
                m.id,
                "reschedule",
                due_at=now + _COMMIT_SLACK,
                reason="the opt-out list is older than this message; checking again",
            )
        self.canceled += 1
        return Outcome(
            m.id,
            "cancel",
            code="opted_out",
            reason="the recipient opted out after the message was accepted",
        )

    def blocks(
        self, account_id: uuid.UUID, to: str, sender: str | None, message_id: uuid.UUID
    ) -> bool:
        entry = self._blocked.get((account_id, to))
        if not entry:
            return False
        # Blocked by an opt-out from everything, or from this sender; a consent reply passes.
        scopes = (EVERY_SENDER, sender) if sender else (EVERY_SENDER,)
        return any(scope in entry and entry[scope] != message_id for scope in scopes)

    async def refresh(self, *, full: bool = False) -> None:
        """Read what changed (or, with `full`, everything) and apply it."""
        async with self._lock:
            started, read_at = time.monotonic(), utcnow()
            o = OPTOUTS
            cols = (o.c.account_id, o.c.number, o.c.sender, o.c.active, o.c.reply_id)
            rows: Sequence[Any]
            async with self.db.begin() as conn:
                if full or self._since is None:
                    rows = (await conn.execute(select(*cols).where(o.c.active.is_(True)))).all()
                    newest = (await conn.execute(select(func.max(o.c.updated_at)))).scalar()
                else:
                    rows = (
                        await conn.execute(
                            select(*cols, o.c.updated_at).where(
                                o.c.updated_at >= self._since - self.overlap
                            )
                        )
                    ).all()
                    newest = max((r.updated_at for r in rows), default=None)
            blocked: _Blocked = {} if full or self._since is None else self._blocked
            for r in rows:
                _apply(blocked, r.account_id, r.number, r.sender, r.active, r.reply_id)
            self._blocked = blocked
            if full or self._since is None:
                self._synced_at = started
            if newest is not None and (self._since is None or newest > self._since):
                self._since = newest
            self._fresh_at = started
            self._read_at = read_at

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._loop(), name="optout-snapshot"
            )

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.refresh(full=time.monotonic() - self._synced_at > self.resync_s)
            except Exception as exc:
                log.warning("refreshing the opt-out list failed: %s", exc)


def _created_at(message_id: uuid.UUID) -> datetime:
    """When a message was accepted, from its UUIDv7 id (the epoch for other ids)."""
    if message_id.version != 7:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromtimestamp((message_id.int >> 80) / 1000, UTC)


def _apply(
    blocked: _Blocked,
    account_id: uuid.UUID,
    number: str,
    sender: str,
    active: bool,
    reply_id: uuid.UUID | None,
) -> None:
    key = (account_id, number)
    if active:
        blocked.setdefault(key, {})[sender] = reply_id
        return
    entry = blocked.get(key)
    if entry is not None:
        entry.pop(sender, None)
        if not entry:
            del blocked[key]
