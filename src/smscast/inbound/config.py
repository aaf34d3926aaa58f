"""What an account configures for inbound messages: its own keywords, the reply to each
action, and the token of its HTTP inbound endpoint."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smscast.db import Database, new_id, utcnow
from smscast.errors import NotFound, ValidationFailed
from smscast.inbound.keywords import (
    ACTIONS,
    BUILT_IN,
    DEFAULT_REPLIES,
    MAX_KEYWORD,
    Action,
    normalise,
)
from smscast.inbound.models import INBOUND_SETTINGS, KEYWORDS
from smscast.optouts.service import dialect_insert

__all__ = ["InboundConfig", "KeywordSet", "hash_token"]

MAX_REPLY = 640  # four GSM segments; a consent reply should be one


@dataclass(frozen=True, slots=True)
class KeywordSet:
    """An account's keywords as the MO handler needs them."""

    custom: dict[str, Action] = field(default_factory=dict)
    keyword_replies: dict[str, str] = field(default_factory=dict)
    action_replies: dict[str, str] = field(default_factory=dict)

    def reply(self, keyword: str, action: Action) -> str:
        """The reply text; "" when the account turned that reply off."""
        if keyword in self.keyword_replies:
            return self.keyword_replies[keyword]
        return self.action_replies.get(action, DEFAULT_REPLIES[action])


def hash_token(token: str) -> str:
    # A 256-bit random token needs no slow hash: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def _invalid(field_: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [{"field": field_, "code": code, "message": message}])


def _check_reply(reply: str | None, field_: str = "reply") -> None:
    if reply is not None and len(reply) > MAX_REPLY:
        raise _invalid(field_, "too_long", f"a reply is at most {MAX_REPLY} characters")


class InboundConfig:
    def __init__(self, db: Database):
        self.db = db

    async def load(self, conn: AsyncConnection, account_id: uuid.UUID) -> KeywordSet:
        rows = (
            await conn.execute(
                select(KEYWORDS.c.keyword, KEYWORDS.c.action, KEYWORDS.c.reply).where(
                    KEYWORDS.c.account_id == account_id
                )
            )
        ).all()
        replies = (
            await conn.execute(
                select(INBOUND_SETTINGS.c.replies).where(
                    INBOUND_SETTINGS.c.account_id == account_id
                )
            )
        ).scalar_one_or_none()
        return KeywordSet(
            custom={r.keyword: r.action for r in rows},
            keyword_replies={r.keyword: r.reply for r in rows if r.reply is not None},
            action_replies=dict(replies or {}),
        )

    async def describe(self, account_id: uuid.UUID) -> dict[str, Any]:
        """Every keyword the account answers, and the reply to each action."""
        async with self.db.begin() as conn:
            ks = await self.load(conn, account_id)
        words = [
            {"keyword": w, "action": a, "built_in": True, "reply": ks.keyword_replies.get(w)}
            for w, a in BUILT_IN.items()
        ]
        words += [
            {"keyword": w, "action": a, "built_in": False, "reply": ks.keyword_replies.get(w)}
            for w, a in sorted(ks.custom.items())
            if w not in BUILT_IN
        ]
        return {
            "keywords": words,
            "replies": {a: ks.action_replies.get(a, DEFAULT_REPLIES[a]) for a in ACTIONS},
        }

    async def set_keyword(
        self, account_id: uuid.UUID, keyword: str, action: Action, reply: str | None
    ) -> dict[str, Any]:
        """Add a keyword (or give a built-in one its own reply); None keeps the action's."""
        word = normalise(keyword)
        if not word or not word.isalnum() or len(keyword) > MAX_KEYWORD * 2:
            raise _invalid("keyword", "invalid_keyword", "a keyword is one word of letters")
        if word in BUILT_IN and BUILT_IN[word] != action:
            raise _invalid(
                "keyword", "keyword_reserved", f"{word} is a built-in {BUILT_IN[word]} keyword"
            )
        _check_reply(reply)
        now = utcnow()
        async with self.db.begin() as conn:
            stmt = dialect_insert(conn)(KEYWORDS).values(
                id=new_id(),
                account_id=account_id,
                keyword=word,
                action=action,
                reply=reply,
                created_at=now,
                updated_at=now,
            )
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["account_id", "keyword"],
                    set_={"action": action, "reply": reply, "updated_at": now},
                )
            )
        return {"keyword": word, "action": action, "built_in": word in BUILT_IN, "reply": reply}

    async def delete_keyword(self, account_id: uuid.UUID, keyword: str) -> None:
        async with self.db.begin() as conn:
            gone = await conn.execute(
                delete(KEYWORDS)
                .where(
                    KEYWORDS.c.account_id == account_id, KEYWORDS.c.keyword == normalise(keyword)
                )
                .returning(KEYWORDS.c.id)
            )
            if gone.first() is None:
                raise NotFound("The account has no such keyword.")

    async def set_replies(
        self, account_id: uuid.UUID, replies: dict[str, str | None]
    ) -> dict[str, str]:
        """Set the reply of each action given: text, "" for no reply, None for the default."""
        for action, text in replies.items():
            if action not in ACTIONS:
                raise _invalid(f"replies.{action}", "invalid_action", "stop, start or help")
            _check_reply(text, f"replies.{action}")
        async with self.db.begin() as conn:
            current = await self._settings_row(conn, account_id)
            merged = {**current, **replies}
            stored = {a: t for a, t in merged.items() if t is not None}
            await conn.execute(
                update(INBOUND_SETTINGS)
                .where(INBOUND_SETTINGS.c.account_id == account_id)
                .values(replies=stored, updated_at=utcnow())
            )
        return {a: stored.get(a, DEFAULT_REPLIES[a]) for a in ACTIONS}

    async def _settings_row(self, conn: AsyncConnection, account_id: uuid.UUID) -> dict[str, str]:
        """The account's reply texts, creating its settings row (locked) on first use."""
        stmt = dialect_insert(conn)(INBOUND_SETTINGS).values(
            account_id=account_id, replies={}, updated_at=utcnow()
        )
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=["account_id"]))
        query = select(INBOUND_SETTINGS.c.replies).where(
            INBOUND_SETTINGS.c.account_id == account_id
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return dict((await conn.execute(query)).scalar_one() or {})

    # -- the HTTP inbound endpoint's token ---------------------------------------------------

    async def rotate_token(self, account_id: uuid.UUID) -> str:
        """A new token for `POST /v1/inbound/{token}`; the old one stops working. Shown once."""
        token = "in_" + secrets.token_urlsafe(32)
        async with self.db.begin() as conn:
            await self._settings_row(conn, account_id)
            await conn.execute(
                update(INBOUND_SETTINGS)
                .where(INBOUND_SETTINGS.c.account_id == account_id)
                .values(token_hash=hash_token(token), token_created_at=utcnow())
            )
        return token

    async def revoke_token(self, account_id: uuid.UUID) -> None:
        async with self.db.begin() as conn:
            done = await conn.execute(
                update(INBOUND_SETTINGS)
                .where(
                    INBOUND_SETTINGS.c.account_id == account_id,
                    INBOUND_SETTINGS.c.token_hash.isnot(None),
                )
                .values(token_hash=None, token_created_at=None)
                .returning(INBOUND_SETTINGS.c.account_id)
            )
            if done.first() is None:
                raise NotFound("The account has no inbound token.")

    async def token_status(self, account_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    select(INBOUND_SETTINGS.c.token_created_at).where(
                        INBOUND_SETTINGS.c.account_id == account_id,
                        INBOUND_SETTINGS.c.token_hash.isnot(None),
                    )
                )
            ).first()
        return {"enabled": row is not None, "created_at": row[0] if row else None}

    async def account_for_token(self, token: str) -> uuid.UUID | None:
        if not token.startswith("in_") or len(token) > 100:
            return None
        async with self.db.begin() as conn:
            return (
                await conn.execute(
                    select(INBOUND_SETTINGS.c.account_id).where(
                        INBOUND_SETTINGS.c.token_hash == hash_token(token)
                    )
                )
            ).scalar_one_or_none()
