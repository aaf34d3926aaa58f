"""Accounts and credentials: create, list, revoke, rotate, verify.

Secrets are 256-bit random strings, so a keyed fast hash (HMAC-SHA256 with the server's
secret key) is the right store: brute force is hopeless and verification costs microseconds,
not the milliseconds a password hash would add to every request. Verified credentials are
cached in-process for `credential_cache_s`; a revocation made in this process takes effect at
once, one made in another process within that many seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from smscast.accounts.models import AccessToken, Account, ApiKey
from smscast.db import Database, utcnow
from smscast.errors import NotFound, Unauthenticated, ValidationFailed

__all__ = ["Credentials", "Identity", "NewKey", "Principal"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account and the key it authenticated with."""

    account_id: uuid.UUID
    api_key_id: uuid.UUID
    default_region: str
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewKey:
    account_id: uuid.UUID
    key_id: uuid.UUID
    api_key: str
    api_secret: str  # shown once, never stored


@dataclass(frozen=True, slots=True)
class Identity:
    account: Account
    key: NewKey


class Credentials:
    """The credential store behind every auth scheme (Basic, Bearer, x-api-key)."""

    def __init__(
        self,
        db: Database,
        secret_key: str,
        *,
        token_ttl_s: int,
        cache_s: float,
        cache_size: int = 10_000,
    ):
        self.db = db
        self._pepper = secret_key.encode()
        self.token_ttl = timedelta(seconds=token_ttl_s)
        self.cache_s = cache_s
        self.cache_size = cache_size
        self._cache: dict[str, tuple[float, str, Principal]] = {}

    def _remember(self, key: str, ttl: float, digest: str, principal: Principal) -> None:
        """Cache a verified credential. Expired entries are never read again but would stay
        (one per access token ever used): past `cache_size`, drop them, then the oldest."""
        if ttl <= 0:
            return
        now = time.monotonic()
        if len(self._cache) >= self.cache_size:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            excess = len(self._cache) - self.cache_size * 9 // 10
            for old in list(self._cache)[: max(0, excess)]:
                del self._cache[old]  # dicts keep insertion order: the oldest first
        self._cache[key] = (now + ttl, digest, principal)

    def hash(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    async def create_account(self, name: str, *, default_region: str = "US") -> Identity:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationFailed(
                "Account name must be 1 to 200 characters.",
                [{"field": "name", "code": "invalid_name", "message": "1 to 200 characters"}],
            )
        async with self.db.session() as session, session.begin():
            account = Account(name=name, default_region=default_region.upper(), settings={})
            session.add(account)
            await session.flush()
            key = self._new_key(session, account.id, label="default")
        return Identity(account=account, key=key)

    def _new_key(self, session: AsyncSession, account_id: uuid.UUID, *, label: str) -> NewKey:
        api_key, api_secret = "ak_" + _random(24), "sk_" + _random(43)
        row = ApiKey(
            account_id=account_id, key=api_key, secret_hash=self.hash(api_secret), label=label
        )
        session.add(row)
        row.id = row.id or uuid.uuid4()
        return NewKey(account_id, row.id, api_key, api_secret)

    async def create_key(self, account_id: uuid.UUID, *, label: str = "") -> NewKey:
        async with self.db.session() as session, session.begin():
            if await session.get(Account, account_id) is None:
                raise NotFound("No such account.")
            key = self._new_key(session, account_id, label=label)
        return key

    async def list_keys(self, account_id: uuid.UUID) -> list[ApiKey]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.created_at)
            )
            return list(rows)

    async def revoke_key(self, account_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
        async with self.db.session() as session, session.begin():
            row = await session.get(ApiKey, key_id)
            if row is None or row.account_id != account_id:
                raise NotFound("No such API key.")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            await session.execute(delete(AccessToken).where(AccessToken.api_key_id == key_id))
        self._cache = {k: v for k, v in self._cache.items() if v[2].api_key_id != key_id}
        return row

    async def rotate_key(self, account_id: uuid.UUID, key_id: uuid.UUID) -> NewKey:
        """Revoke a key and issue its replacement, with the same label."""
        old = await self.revoke_key(account_id, key_id)
        return await self.create_key(account_id, label=old.label)

    async def verify_secret(self, api_key: str, api_secret: str) -> Principal:
        """Check a key and secret (Basic auth, x-api-key pairs, the token grant)."""
        digest = self.hash(api_secret)
        cached = self._cache.get(api_key)
        if cached and cached[0] > time.monotonic():
            if hmac.compare_digest(cached[1], digest):
                return cached[2]
            raise Unauthenticated("Invalid API key or secret.")
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(ApiKey, Account)
                    .join(Account, Account.id == ApiKey.account_id)
                    .where(ApiKey.key == api_key)
                )
            ).first()
        if row is None:
            hmac.compare_digest(digest, digest)  # same work on unknown keys
            raise Unauthenticated("Invalid API key or secret.")
        key, account = row
        principal = Principal(account.id, key.id, account.default_region, account.settings or {})
        revoked = key.revoked_at is not None or account.disabled_at is not None
        if not revoked:
            self._remember(api_key, self.cache_s, key.secret_hash, principal)
        # The secret first: without it, nobody learns whether a key exists or was revoked.
        if not hmac.compare_digest(key.secret_hash, digest):
            raise Unauthenticated("Invalid API key or secret.")
        if revoked:
            raise Unauthenticated("This API key has been revoked.")
        return principal

    async def verify_api_key(self, api_secret: str) -> Principal:
        """The x-api-key scheme: the header holds the API secret alone, found by its hash."""
        digest = self.hash(api_secret)
        cached = self._cache.get("s:" + digest)
        if cached and cached[0] > time.monotonic():
            return cached[2]
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(ApiKey, Account)
                    .join(Account, Account.id == ApiKey.account_id)
                    .where(ApiKey.secret_hash == digest)
                )
            ).first()
        if row is None:
            raise Unauthenticated("Invalid API key.")
        key, account = row
        if key.revoked_at is not None or account.disabled_at is not None:
            raise Unauthenticated("This API key has been revoked.")
        principal = Principal(account.id, key.id, account.default_region, account.settings or {})
        self._remember("s:" + digest, self.cache_s, digest, principal)
        return principal

    async def issue_token(self, api_key: str, api_secret: str) -> tuple[str, datetime]:
        principal = await self.verify_secret(api_key, api_secret)
        token = "at_" + secrets.token_urlsafe(32)
        expires = utcnow() + self.token_ttl
        async with self.db.session() as session, session.begin():
            session.add(
                AccessToken(
                    token_hash=self.hash(token),
                    api_key_id=principal.api_key_id,
                    account_id=principal.account_id,
                    expires_at=expires,
                )
            )
        return token, expires

    async def verify_token(self, token: str) -> Principal:
        """Check a bearer access token."""
        digest = self.hash(token)
        cached = self._cache.get("t:" + digest)
        if cached and cached[0] > time.monotonic():
            return cached[2]
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(AccessToken, ApiKey, Account)
                    .join(ApiKey, ApiKey.id == AccessToken.api_key_id)
                    .join(Account, Account.id == AccessToken.account_id)
                    .where(AccessToken.token_hash == digest)
                )
            ).first()
        if row is None:
            raise Unauthenticated("Invalid access token.")
        tok, key, account = row
        now = utcnow()
        if tok.expires_at <= now:
            raise Unauthenticated("The access token has expired.")
        if key.revoked_at is not None or account.disabled_at is not None:
            raise Unauthenticated("This API key has been revoked.")
        principal = Principal(account.id, key.id, account.default_region, account.settings or {})
        ttl = min(self.cache_s, (tok.expires_at - now).total_seconds())
        self._remember("t:" + digest, ttl, digest, principal)
        return principal
