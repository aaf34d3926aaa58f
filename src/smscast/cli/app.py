"""The `smscast` command line."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from smscast.cli import connectors as connectors_cli
from smscast.cli.serve import serve
from smscast.cli.worker import worker
from smscast.config import get_settings
from smscast.errors import SmscastError
from smscast.lib.jsonx import dumps
from smscast.services import Services

app = typer.Typer(help="smscast: self-hosted SMS campaigns and messaging.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an account.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(connectors_cli.app, name="connectors")

T = TypeVar("T")
console = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_json(value: object) -> None:
    typer.echo(dumps(value, indent=True).decode())


def _run(coro_fn: Callable[[Services], Awaitable[T]]) -> T:
    """Run an async CLI action with the services of this process; domain errors exit 1."""

    async def main() -> T:
        services = Services.build(get_settings(), pool_size=2)
        try:
            return await coro_fn(services)
        finally:
            await services.close()

    try:
        return asyncio.run(main())
    except SmscastError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: every latest head)."""
    from smscast.migrate import upgrade

    upgrade(get_settings(), revision)
    console.print(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the latest known one."""
    from smscast.migrate import current_revisions, head_revisions

    settings = get_settings()
    current = asyncio.run(current_revisions(settings))
    heads = head_revisions(settings)
    state = "up to date" if current == heads else "behind: run `smscast db upgrade`"
    console.print(f"current: {sorted(current)}  heads: {sorted(heads)}  ({state})")


@accounts_app.command("create")
def accounts_create(
    name: str,
    region: Annotated[str, typer.Option(help="Default region for national numbers.")] = "US",
    as_json: JsonOpt = False,
) -> None:
    """Create an account and its first API key (the secret is shown once)."""
    from smscast.migrate import upgrade

    upgrade(get_settings())
    ident = _run(lambda s: s.credentials.create_account(name, default_region=region))
    out = {
        "account_id": str(ident.account.id),
        "api_key": ident.key.api_key,
        "api_secret": ident.key.api_secret,
    }
    if as_json:
        _print_json(out)
    else:
        for k, v in out.items():
            console.print(f"{k}: {v}")
        console.print("[yellow]Keep the secret now: it is not shown again.[/yellow]")


@keys_app.command("list")
def keys_list(account_id: uuid.UUID, as_json: JsonOpt = False) -> None:
    """List an account's keys."""
    rows = _run(lambda s: s.credentials.list_keys(account_id))
    data = [
        {
            "id": str(r.id),
            "api_key": r.key,
            "label": r.label,
            "created_at": r.created_at.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in rows
    ]
    if as_json:
        _print_json(data)
        return
    table = Table("id", "api_key", "label", "created", "revoked")
    for d in data:
        table.add_row(d["id"], d["api_key"], d["label"], d["created_at"], d["revoked_at"] or "")
    console.print(table)


@keys_app.command("create")
def keys_create(account_id: uuid.UUID, label: str = "", as_json: JsonOpt = False) -> None:
    """Issue a new key for an account."""
    key = _run(lambda s: s.credentials.create_key(account_id, label=label))
    _print_json({"id": str(key.key_id), "api_key": key.api_key, "api_secret": key.api_secret})


@keys_app.command("revoke")
def keys_revoke(account_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke a key (and its access tokens)."""
    _run(lambda s: s.credentials.revoke_key(account_id, key_id))
    console.print(f"revoked {key_id}")


@keys_app.command("rotate")
def keys_rotate(account_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoke a key and issue its replacement."""
    key = _run(lambda s: s.credentials.rotate_key(account_id, key_id))
    _print_json({"id": str(key.key_id), "api_key": key.api_key, "api_secret": key.api_secret})


def main() -> None:
    app()
