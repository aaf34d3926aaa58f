"""Idempotency keys: the same key and body give the same answer again; another body gives 409.

The record is written in the same transaction as what the request created, so a replay can
never see a half-done request. Two concurrent requests with one key race on the primary key:
the loser's transaction rolls back and it replays the winner's answer.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, Uuid, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from smscast.db import Base, JSONType, UTCDateTime, utcnow
from smscast.errors import Conflict, InvalidRequest

__all__ = ["IdempotencyRecord", "Replay", "lookup", "request_hash", "row"]

MAX_KEY_LENGTH = 255


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


IDEMPOTENCY = cast(Table, IdempotencyRecord.__table__)


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    response: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        h.update(part)
    return h.hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            code="invalid-idempotency-key",
        )
    return key


async def lookup(
    conn: AsyncConnection, account_id: uuid.UUID, key: str, req_hash: str
) -> Replay | None:
    """The stored answer for this key, None if unseen; Conflict if the body differs."""
    table = IDEMPOTENCY
    found = (
        await conn.execute(
            select(table.c.request_hash, table.c.status_code, table.c.response).where(
                table.c.account_id == account_id, table.c.key == key
            )
        )
    ).first()
    if found is None:
        return None
    if found.request_hash != req_hash:
        raise Conflict(
            "This Idempotency-Key was used with a different request.",
            code="idempotency-key-reused",
        )
    return Replay(found.status_code, found.response)


def row(account_id: uuid.UUID, key: str, req_hash: str, status: int, response: Any) -> dict:
    return {
        "account_id": account_id,
        "key": key,
        "request_hash": req_hash,
        "status_code": status,
        "response": response,
        "created_at": utcnow(),
    }
