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
from smscast.cli import optouts as optouts_cli
from smscast.cli.batch import batch_app
from smscast.cli.db_copy import db_copy
from smscast.cli.doctor import doctor
from smscast.cli.serve import serve
from smscast.cli.worker import worker
from smscast.config import get_settings
from smscast.errors import SmscastError
from smscast.lib.jsonx import dumps
from smscast.observability.logs import setup_logging
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
app.add_typer(optouts_cli.app, name="optouts")
app.add_typer(batch_app, name="batch")  # issue 5
app.command("doctor")(doctor)
db_app.command("copy")(db_copy)


@app.callback()
def _setup() -> None:
    # Log format from the environment alone: a setting that fails to validate is for the
    # command (or `smscast doctor`) to report, not for logging to crash on.
    setup_logging()


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


# -- webhooks (issue 8) --------------------------------------------------------------------

webhooks_app = typer.Typer(
    help="Webhook endpoints, dead deliveries, the sender.", no_args_is_help=True
)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("list")
def webhooks_list(account_id: uuid.UUID, as_json: JsonOpt = False) -> None:
    """List an account's webhook endpoints."""
    rows = _run(lambda s: s.webhooks.list_endpoints(account_id))
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "url", "events", "enabled")
    for r in rows:
        table.add_row(str(r["id"]), r["url"], ",".join(r["events"]), str(r["enabled"]))
    console.print(table)


@webhooks_app.command("create")
def webhooks_create(
    account_id: uuid.UUID,
    url: str,
    event: Annotated[list[str], typer.Option("--event", "-e", help="Repeat; * for all.")],
    description: str = "",
) -> None:
    """Create an endpoint; prints its signing secret (shown once)."""
    out = _run(
        lambda s: s.webhooks.create_endpoint(
            account_id, url=url, events=event, description=description
        )
    )
    _print_json(out)


@webhooks_app.command("delete")
def webhooks_delete(account_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    """Delete an endpoint (its pending deliveries end; its log stays)."""
    _run(lambda s: s.webhooks.delete_endpoint(account_id, endpoint_id))
    console.print(f"deleted {endpoint_id}")


@webhooks_app.command("rotate")
def webhooks_rotate(
    account_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    overlap_s: Annotated[int | None, typer.Option(help="Old secret signs this long.")] = None,
) -> None:
    """Give an endpoint a new secret; the old one signs beside it for the overlap."""
    _print_json(
        _run(
            lambda s: s.webhooks.rotate_endpoint_secret(
                account_id, endpoint_id, overlap_s=overlap_s
            )
        )
    )


@webhooks_app.command("dead")
def webhooks_dead(account_id: uuid.UUID, as_json: JsonOpt = False) -> None:
    """List dead deliveries (newest 200)."""
    from smscast.webhooks import DeliveryFilters

    rows, _ = _run(
        lambda s: s.webhooks.list_deliveries(account_id, DeliveryFilters("dead"), limit=200)
    )
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "type", "endpoint", "attempts", "last error")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["type"],
            str(r["endpoint_id"] or r["url"]),
            str(r["attempts"]),
            r["last_error"] or "",
        )
    console.print(table)


@webhooks_app.command("replay")
def webhooks_replay(
    account_id: uuid.UUID,
    delivery_ids: Annotated[
        list[int] | None, typer.Argument(help="Default: every dead one.")
    ] = None,
    endpoint_id: Annotated[uuid.UUID | None, typer.Option(help="Only this endpoint's.")] = None,
) -> None:
    """Send dead deliveries again."""
    count = _run(
        lambda s: s.webhooks.replay_dead(account_id, endpoint_id=endpoint_id, ids=delivery_ids)
    )
    console.print(f"replayed {count}")


@webhooks_app.command("run")
def webhooks_run() -> None:
    """Run a webhook sender until SIGTERM (`serve` runs one itself)."""
    import signal

    from smscast.webhooks import WebhookSender

    async def main(services: Services) -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await WebhookSender(services.db, services.settings).run(stop)

    _run(main)


def main() -> None:
    app()
