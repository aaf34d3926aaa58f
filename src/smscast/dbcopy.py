"""Copy every table from one smscast database to another: moving from SQLite to PostgreSQL.

The target is migrated first, then every table is copied in dependency order (parents before
the rows that point at them), in chunks, in one target transaction: the copy is whole or
absent. Rows go through the declared column types, so UUIDs, UTC datetimes and JSON come out
as each backend stores them. On PostgreSQL the id sequences are moved past the copied ids.

Stop every smscast process on the source first: the source is read in one transaction (a
consistent snapshot on SQLite's WAL), but anything written after it is not copied.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

import smscast
from smscast.config import Settings
from smscast.db import Base, Database
from smscast.migrate import current_revisions, head_revisions, upgrade

__all__ = ["CopyError", "CopyReport", "copy_database"]


class CopyError(Exception):
    """The copy cannot start; the message says why and what to do."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied, in copy order
    not_copied: list[str] = field(default_factory=list)  # target tables no model declares


def copy_database(
    source: str,
    target: str,
    *,
    force: bool = False,
    chunk: int = 5000,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy `source` into `target` (URLs as in SMSCAST_DATABASE_URL). Call outside a loop.

    Refuses a source whose schema is not current and a target that holds rows (unless
    `force`, which empties it first).
    """
    src, dst = _settings(source), _settings(target)
    if _same(src, dst):
        raise CopyError("--from and --to are the same database")
    _check_source_exists(src, source)
    asyncio.run(_check_source(src))
    upgrade(dst)
    return asyncio.run(_copy(src, dst, force=force, chunk=chunk, progress=progress))


def _settings(url: str) -> Settings:
    # Only the URL matters here; development mode keeps the secret-key check out of the way.
    return Settings(database_url=url, env="development")


def _same(a: Settings, b: Settings) -> bool:
    ua, ub = make_url(a.resolved_database_url), make_url(b.resolved_database_url)
    return (ua.get_backend_name(), ua.host, ua.port, ua.database) == (
        ub.get_backend_name(),
        ub.host,
        ub.port,
        ub.database,
    )


def _check_source_exists(settings: Settings, shown: str) -> None:
    # Connecting to a missing SQLite file would create it.
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise CopyError(f"the source {shown} does not exist")


async def _check_source(settings: Settings) -> None:
    current = await current_revisions(settings)
    heads = head_revisions(settings)
    if current != heads:
        raise CopyError(
            f"the source schema is at {sorted(current) or 'nothing'}, this version expects "
            f"{sorted(heads)}: upgrade it first (SMSCAST_DATABASE_URL=<source> smscast db upgrade)"
        )


def _tables() -> list[Table]:
    """Every declared table, parents first. Imports each domain's models module."""
    importlib.import_module("smscast.models")
    for info in pkgutil.iter_modules(smscast.__path__):
        name = f"smscast.{info.name}.models"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return list(Base.metadata.sorted_tables)


async def _copy(
    src: Settings,
    dst: Settings,
    *,
    force: bool,
    chunk: int,
    progress: Callable[[str, int], None] | None,
) -> CopyReport:
    source = Database(src.resolved_database_url, pool_size=1)
    target = Database(dst.resolved_database_url, pool_size=1)
    report = CopyReport()
    try:
        async with source.engine.connect() as sconn, target.begin() as tconn:
            present = set(await tconn.run_sync(lambda c: inspect(c).get_table_names()))
            in_source = set(await sconn.run_sync(lambda c: inspect(c).get_table_names()))
            tables = [t for t in _tables() if t.name in present and t.name in in_source]
            declared = {t.name for t in Base.metadata.sorted_tables}
            report.not_copied = sorted(present - declared - {"alembic_version"})
            await _empty_target(tconn, tables, force=force, postgres=target.is_postgres)
            for table in tables:
                report.rows[table.name] = await _copy_table(sconn, tconn, table, chunk)
                if progress is not None:
                    progress(table.name, report.rows[table.name])
            if target.is_postgres:
                await _reset_sequences(tconn)
            for table in tables:  # what the target now holds is what we read
                count = await tconn.scalar(select(func.count()).select_from(table))
                if count != report.rows[table.name]:
                    raise CopyError(
                        f"{table.name}: copied {report.rows[table.name]} rows, target has {count}"
                    )
    finally:
        await source.dispose()
        await target.dispose()
    return report


async def _empty_target(
    conn: AsyncConnection, tables: list[Table], *, force: bool, postgres: bool
) -> None:
    full = [t.name for t in tables if await conn.scalar(select(1).select_from(t).limit(1))]
    if not full:
        return
    if not force:
        raise CopyError(
            f"the target is not empty ({', '.join(full)} hold rows): copy into an empty "
            "database, or pass --force to delete what it holds first"
        )
    if postgres:
        names = ", ".join(f'"{t.name}"' for t in tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for t in reversed(tables):
            await conn.execute(t.delete())


async def _copy_table(
    sconn: AsyncConnection, tconn: AsyncConnection, table: Table, chunk: int
) -> int:
    copied = 0
    result = await sconn.stream(select(table).execution_options(yield_per=chunk))
    async for rows in result.partitions(chunk):
        await tconn.execute(insert(table), [dict(r._mapping) for r in rows])
        copied += len(rows)
    return copied


async def _reset_sequences(conn: AsyncConnection) -> None:
    """Move every serial/identity sequence past the largest copied id."""
    rows = (
        await conn.execute(
            text(
                "SELECT table_name, column_name, "
                "pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq "
                "FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
            )
        )
    ).all()
    for table, column, seq in rows:
        if seq is None:
            continue
        await conn.execute(
            text(
                f'SELECT setval(:seq, COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, '
                "false)"
            ),
            {"seq": seq},
        )
