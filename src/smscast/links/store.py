"""Writing link rows inside the message's transaction, settling code collisions on the way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.links.codes import new_code
from smscast.links.models import LINKS

__all__ = ["insert_links"]

# Each round draws fresh codes for the rows that collided: with 62**7 codes, a second
# collision for the same row is already a one-in-a-million event at 10^8 stored links.
MAX_ROUNDS = 8


async def insert_links(
    conn: AsyncConnection, links: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> None:
    """Insert `links`; a code already taken is drawn again and its message's body follows.

    Call before inserting `messages`, in the same transaction. Codes have a fixed length, so
    the new body costs the same segments. `ON CONFLICT (code) DO NOTHING` also waits for a
    concurrent transaction holding the same code (PostgreSQL), so two API processes that drew
    one code settle it here too. Rows and bodies are updated in place.
    """
    pending = links
    for _ in range(MAX_ROUNDS):
        pending = await _insert_or_return_taken(conn, pending)
        if not pending:
            return
        bodies = {m["id"]: m for m in messages}
        for row in pending:
            old_url = row["short_url"]
            row["code"] = new_code(len(row["code"]))
            row["short_url"] = old_url[: -len(row["code"])] + row["code"]
            message = bodies[row["message_id"]]
            message["body"] = message["body"].replace(old_url, row["short_url"])
    raise RuntimeError(f"{len(pending)} link codes still collide after {MAX_ROUNDS} rounds")


async def _insert_or_return_taken(
    conn: AsyncConnection, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert what can be inserted; return the rows whose code was taken."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LINKS).on_conflict_do_nothing(index_elements=["code"]).returning(LINKS.c.id)
    inserted = set((await conn.execute(stmt, rows)).scalars())
    return [row for row in rows if row["id"] not in inserted]
