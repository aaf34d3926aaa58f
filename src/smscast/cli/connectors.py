"""`smscast connectors`: the operator's carrier connections."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from smscast.config import get_settings
from smscast.connectors.service import ConnectorService, public_view
from smscast.errors import SmscastError, ValidationFailed
from smscast.lib.jsonx import dumps
from smscast.migrate import upgrade
from smscast.services import Services

app = typer.Typer(
    help="Connectors to carriers (SMPP) and the built-in simulator.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def _run(action: Any) -> Any:
    async def main() -> Any:
        services = Services.build(get_settings(), pool_size=2)
        try:
            return await action(ConnectorService(services.db))
        finally:
            await services.close()

    upgrade(get_settings())
    try:
        return asyncio.run(main())
    except ValidationFailed as exc:
        for e in exc.errors:
            err.print(f"[red]error:[/red] {e['field']}: {e['message']}")
        raise typer.Exit(1) from None
    except SmscastError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None


@app.command("add")
def add(
    name: str,
    kind: Annotated[str, typer.Option(help="smpp or simulator.")] = "smpp",
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    system_id: Annotated[str | None, typer.Option("--system-id")] = None,
    password: Annotated[str | None, typer.Option()] = None,
    tps: Annotated[float | None, typer.Option(help="Messages per second (all workers).")] = None,
    sps: Annotated[float | None, typer.Option(help="Segments per second (all workers).")] = None,
    binds: Annotated[int, typer.Option(help="SMPP sessions to hold open.")] = 1,
    tls: Annotated[bool, typer.Option(help="Bind over TLS.")] = False,
    default: Annotated[bool, typer.Option("--default", help="Carry what no rule routes.")] = False,
    prefix: Annotated[
        list[str] | None, typer.Option(help="Route destinations with this prefix, e.g. +44.")
    ] = None,
    sender: Annotated[
        list[str] | None, typer.Option(help="Route messages from this sender.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="Extra KEY=VALUE connector option (JSON values allowed)."),
    ] = None,
) -> None:
    """Add a connector."""
    options: dict[str, Any] = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "system_id": system_id,
            "password": password,
        }.items()
        if v is not None
    }
    if kind == "smpp":
        options |= {"binds": binds, "tls": tls}
    for item in option or []:
        key, _, raw = item.partition("=")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    rules = [{"prefix": p} for p in prefix or []] + [{"sender": s} for s in sender or []]
    row = _run(lambda s: s.add(name, kind, options, tps=tps, sps=sps, default=default, rules=rules))
    console.print(
        f"added connector {row.name} ({row.kind}){' [default]' if row.is_default else ''}"
    )


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List enabled connectors (passwords hidden)."""
    rows = _run(lambda s: s.list(all_=True))
    views = [public_view(r) for r in rows]
    if as_json:
        typer.echo(dumps(views, indent=True).decode())
        return
    table = Table("name", "kind", "target", "tps", "default", "rules", "account")
    for v in views:
        o = v["options"]
        target = f"{o.get('host', '')}:{o.get('port', '')}"
        table.add_row(
            v["name"],
            v["kind"],
            target,
            str(v["tps"] or ""),
            "yes" if v["default"] else "",
            json.dumps(v["rules"]) if v["rules"] else "",
            str(v["account_id"] or "platform"),
        )
    console.print(table)


@app.command("remove")
def remove(name: str) -> None:
    """Disable a platform connector by name or id."""
    _run(lambda s: s.remove(name))
    console.print(f"removed {name}")
