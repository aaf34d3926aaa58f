"""`smscast doctor`: check that this host can run smscast, and say what is wrong in plain words.

It changes nothing: no migration, no secret file, no database file created. Exit code 0 when
every check passes (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from smscast.config import Settings

__all__ = ["Finding", "checks", "doctor"]

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Finding:
    status: Status
    check: str
    detail: str


def doctor(
    timeout: Annotated[float, typer.Option(help="Seconds allowed to each network check.")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check configuration, database, migrations and connectors; exit 1 if anything is wrong."""
    from smscast.lib.jsonx import dumps

    findings = asyncio.run(checks(timeout))
    failed = sum(f.status == "fail" for f in findings)
    if as_json:
        typer.echo(dumps({"ok": not failed, "checks": [asdict(f) for f in findings]}).decode())
    else:
        width = max(len(f.check) for f in findings)
        for f in findings:
            label = {"ok": "ok", "warn": "warn", "fail": "FAIL", "skip": "skip"}[f.status]
            typer.echo(f"{label:<5} {f.check:<{width}}  {f.detail}")
        typer.echo(
            f"\n{failed} problem{'s' if failed != 1 else ''} found."
            if failed
            else "\nAll checks passed."
        )
    raise typer.Exit(1 if failed else 0)


async def checks(limit_s: float = 5.0) -> list[Finding]:
    """Every check, in order; later ones are skipped when what they need is missing."""
    settings, out = _configuration()
    if settings is None:
        return out
    out.append(_data_dir(settings.data_dir))
    reachable = await _database(settings, limit_s)
    out.append(reachable)
    if reachable.status != "ok":
        out += [
            Finding("skip", "migrations", "needs the database"),
            Finding("skip", "connectors", "needs the database"),
        ]
        return out
    current = await _migrations(settings)
    out.append(current)
    if current.status == "fail":
        out.append(Finding("skip", "connectors", "needs a current schema"))
        return out
    out += await _connectors(settings, limit_s)
    return out


def _configuration() -> tuple[Settings | None, list[Finding]]:
    try:
        settings = Settings()
    except Exception as exc:
        out = [Finding("fail", "configuration", _settings_error(exc))]
        try:  # go on with the rest, as if in development
            return Settings(env="development"), out
        except Exception:
            return None, out
    out = []
    if settings.env == "production":
        if len(settings.secret_key) < 32:
            out.append(
                Finding(
                    "warn",
                    "configuration",
                    "production; the secret key is short: use 32 or more random characters",
                )
            )
        else:
            out.append(Finding("ok", "configuration", "production, secret key set"))
        if not settings.database_url:
            out.append(
                Finding(
                    "warn",
                    "database choice",
                    "SQLite in production serves one host; use PostgreSQL "
                    "(SMSCAST_DATABASE_URL) to run several API or worker processes",
                )
            )
    else:
        detail = "development"
        if not settings.secret_key:
            kept = settings.data_dir / "secret_key"
            detail += (
                f"; secret key from {kept}"
                if kept.exists()
                else f"; a secret key is generated under {settings.data_dir} on first start"
            )
        out.append(Finding("ok", "configuration", detail))
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            out.append(
                Finding(
                    "warn",
                    "configuration",
                    f"development mode listening on {settings.host}: "
                    "set SMSCAST_ENV=production for a real deployment",
                )
            )
    return settings, out


def _settings_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{where}: {msg}" if where else msg)
        return "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


def _data_dir(path: Path) -> Finding:
    """Writable, or creatable; checked with a temporary file that is removed at once."""
    path = path.resolve()
    if path.is_dir():
        try:
            with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
                pass
        except OSError as exc:
            return Finding("fail", "data directory", f"{path} is not writable: {exc.strerror}")
        return Finding("ok", "data directory", f"{path} is writable")
    if path.exists():
        return Finding("fail", "data directory", f"{path} exists and is not a directory")
    parent = next((p for p in path.parents if p.exists()), Path("/"))
    if not os.access(parent, os.W_OK | os.X_OK):
        return Finding("fail", "data directory", f"{path} does not exist and {parent} is read-only")
    return Finding("ok", "data directory", f"{path} will be created on first start")


def _describe_url(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        return f"SQLite at {url.database}"
    return f"PostgreSQL at {url.host}:{url.port or 5432}/{url.database}"


async def _database(settings: Settings, limit_s: float) -> Finding:
    where = _describe_url(settings)
    if _missing_sqlite_file(settings):
        return Finding(
            "fail",
            "database",
            f"{where} does not exist yet: run `smscast db upgrade` (or `smscast serve`)",
        )
    from smscast.db import Database

    db = Database(settings.resolved_database_url, pool_size=1)
    try:
        async with asyncio.timeout(limit_s), db.begin() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return Finding("fail", "database", f"{where} did not answer within {limit_s:g}s")
    except Exception as exc:
        return Finding("fail", "database", f"cannot reach {where}: {_first_line(exc)}")
    finally:
        await db.dispose()
    return Finding("ok", "database", f"{where} reachable")


def _missing_sqlite_file(settings: Settings) -> bool:
    # Connecting would create an empty file: look first.
    url = make_url(settings.resolved_database_url)
    return (
        url.get_backend_name() == "sqlite"
        and bool(url.database)
        and not os.path.exists(str(url.database))
    )


async def _migrations(settings: Settings) -> Finding:
    from smscast.migrate import current_revisions
    from smscast.observability.schema import schema_state

    state, detail = schema_state(await current_revisions(settings), settings)
    if state == "current":
        return Finding("ok", "migrations", f"schema current ({detail})")
    # Ahead: this host runs an older smscast than the one that migrated the database.
    return Finding("warn" if state == "ahead" else "fail", "migrations", detail)


async def _connectors(settings: Settings, limit_s: float) -> list[Finding]:
    from smscast.connectors.service import ConnectorService
    from smscast.db import Database

    db = Database(settings.resolved_database_url, pool_size=1)
    try:
        rows = await ConnectorService(db).list(all_=True)
    finally:
        await db.dispose()
    if not rows:
        if settings.embedded_worker and settings.embedded_simulator:
            return [
                Finding(
                    "warn",
                    "connectors",
                    "none configured: `smscast serve` will add the built-in simulator, which "
                    "reaches no phone; add a carrier with `smscast connectors add`",
                )
            ]
        return [
            Finding(
                "fail",
                "connectors",
                "none configured: nothing can be sent; add one with `smscast connectors add`",
            )
        ]
    out = []
    if not any(r.is_default and r.account_id is None for r in rows):
        out.append(
            Finding(
                "warn",
                "connectors",
                "no platform default: messages that match no routing rule fail with no_route",
            )
        )
    for row in rows:
        out.append(await _connector(row.name, row.kind, dict(row.options), limit_s))
    return out


async def _connector(name: str, kind: str, options: dict[str, Any], limit_s: float) -> Finding:
    check = f"connector {name}"
    if kind == "simulator":
        return Finding(
            "skip", check, "the built-in simulator runs inside `smscast serve`; nothing to reach"
        )
    if kind != "smpp":
        return Finding("warn", check, f"no check for connectors of kind {kind!r}")
    host, port = options.get("host"), options.get("port")
    target = f"{host}:{port}"
    try:
        async with asyncio.timeout(limit_s):
            _, writer = await asyncio.open_connection(host, port)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    except TimeoutError:
        return Finding("fail", check, f"no TCP answer from {target} within {limit_s:g}s")
    except OSError as exc:
        return Finding("fail", check, f"cannot reach {target}: {exc.strerror or exc}")
    return await _bind(check, name, target, options, limit_s)


async def _bind(
    check: str, name: str, target: str, options: dict[str, Any], limit_s: float
) -> Finding:
    from smscast.connectors.smpp import SmppConfig, SmppConnector

    try:
        config = SmppConfig.from_options(
            {**options, "binds": 1, "connect_timeout_s": limit_s, "reconnect_min_s": limit_s}
            | {"reconnect_max_s": limit_s}
        )
    except (TypeError, ValueError) as exc:
        return Finding("fail", check, f"options are not valid: {exc}")
    connector = SmppConnector(name, config)
    who = f"as {config.system_id!r}"
    try:
        async with asyncio.timeout(limit_s + 2):
            await connector.start()
    except Exception as exc:
        # smpp34 reports a refused password as a bind timeout: say both.
        return Finding(
            "fail",
            check,
            f"TCP to {target} works but the bind {who} failed ({_first_line(exc)}): "
            "check system_id and password with the carrier",
        )
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connector.stop(), 5)
    return Finding("ok", check, f"bound to {target} {who}")


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip().splitlines()
    return text_[0][:200] if text_ else type(exc).__name__
