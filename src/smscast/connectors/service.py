"""Configured connectors: add, list, change, remove. Platform-wide ones (no account) are the
operator's, managed from the CLI; an account may add its own over the API."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from smscast.connectors.models import ConnectorConfig
from smscast.db import Database, utcnow
from smscast.errors import Conflict, NotFound, ValidationFailed

__all__ = ["KINDS", "ConnectorService", "public_view"]

KINDS = ("smpp", "simulator")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SECRET_OPTIONS = ("password",)


def public_view(row: ConnectorConfig) -> dict[str, Any]:
    """A connector as shown to users: never its password."""
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "options": {k: ("***" if k in SECRET_OPTIONS else v) for k, v in row.options.items()},
        "tps": row.tps,
        "sps": row.sps,
        "default": row.is_default,
        "rules": row.rules,
        "priority": row.priority,
        "account_id": row.account_id,
        "created_at": row.created_at,
    }


class ConnectorService:
    def __init__(self, db: Database):
        self.db = db

    async def add(
        self,
        name: str,
        kind: str,
        options: dict[str, Any],
        *,
        account_id: uuid.UUID | None = None,
        tps: float | None = None,
        sps: float | None = None,
        default: bool = False,
        rules: list[dict[str, str]] | None = None,
        priority: int = 100,
    ) -> ConnectorConfig:
        errors = _check(name, kind, options, tps, sps, rules or [])
        if errors:
            raise ValidationFailed("The connector is not valid.", errors)
        async with self.db.session() as session, session.begin():
            if default:  # one default per scope
                await session.execute(
                    update(ConnectorConfig).where(_scope(account_id)).values(is_default=False)
                )
            row = ConnectorConfig(
                name=name,
                kind=kind,
                options=options,
                account_id=account_id,
                tps=tps,
                sps=sps,
                is_default=default,
                rules=rules or [],
                priority=priority,
            )
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:
                raise Conflict(f"A connector named {name!r} exists.") from None
        return row

    async def list(
        self, *, account_id: uuid.UUID | None = None, all_: bool = False
    ) -> list[ConnectorConfig]:
        async with self.db.session() as session:
            query = select(ConnectorConfig).where(ConnectorConfig.disabled_at.is_(None))
            if not all_:
                query = query.where(_scope(account_id))
            return list(
                await session.scalars(
                    query.order_by(ConnectorConfig.priority, ConnectorConfig.name)
                )
            )

    async def get(
        self, connector_id: uuid.UUID, *, account_id: uuid.UUID | None
    ) -> ConnectorConfig:
        async with self.db.session() as session:
            row = await session.get(ConnectorConfig, connector_id)
        if row is None or row.account_id != account_id or row.disabled_at is not None:
            raise NotFound("No such connector.")
        return row

    async def remove(self, name_or_id: str, *, account_id: uuid.UUID | None = None) -> None:
        """Disable a connector (rows keep their history; the name becomes free)."""
        async with self.db.session() as session, session.begin():
            query = select(ConnectorConfig).where(
                _scope(account_id), ConnectorConfig.disabled_at.is_(None)
            )
            try:
                query = query.where(ConnectorConfig.id == uuid.UUID(name_or_id))
            except ValueError:
                query = query.where(ConnectorConfig.name == name_or_id)
            row = (await session.scalars(query)).first()
            if row is None:
                raise NotFound("No such connector.")
            row.disabled_at = utcnow()
            row.name = f"{row.name}~{row.id.hex[:8]}"[:64]
            row.is_default = False


def _scope(account_id: uuid.UUID | None) -> Any:
    if account_id is None:
        return ConnectorConfig.account_id.is_(None)
    return ConnectorConfig.account_id == account_id


def _check(
    name: str,
    kind: str,
    options: dict[str, Any],
    tps: float | None,
    sps: float | None,
    rules: list[dict[str, str]],
) -> list[dict[str, str]]:
    errors = []
    if not _NAME.match(name):
        errors.append(
            {
                "field": "name",
                "code": "invalid_name",
                "message": "lower-case letters, digits, - and _, at most 64",
            }
        )
    if kind not in KINDS:
        errors.append({"field": "kind", "code": "invalid_kind", "message": f"one of {KINDS}"})
    if kind == "smpp":
        for key in ("host", "port", "system_id", "password"):
            if not options.get(key):
                errors.append({"field": key, "code": "missing", "message": "required for smpp"})
        port = options.get("port")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            errors.append({"field": "port", "code": "invalid_port", "message": "1 to 65535"})
        if len(str(options.get("system_id", ""))) > 15:
            errors.append({"field": "system_id", "code": "too_long", "message": "SMPP allows 15"})
        if len(str(options.get("password", ""))) > 8:
            errors.append({"field": "password", "code": "too_long", "message": "SMPP allows 8"})
    for field, value in (("tps", tps), ("sps", sps)):
        if value is not None and not 0 < value <= 100_000:
            errors.append({"field": field, "code": "out_of_range", "message": "0 < rate <= 100000"})
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not set(rule) <= {"prefix", "sender"} or not rule:
            errors.append(
                {
                    "field": f"rules[{i}]",
                    "code": "invalid_rule",
                    "message": 'a rule is {"prefix": "+44"} and/or {"sender": "ACME"}',
                }
            )
    return errors
