"""`smscast optouts`: an account's opt-out list, its keywords and replies, from the shell.

Changes made here are recorded in the opt-out history with the source `cli` (`import` for
`optouts import`).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from smscast.accounts.models import Account
from smscast.config import get_settings
from smscast.errors import NotFound, SmscastError, ValidationFailed
from smscast.inbound.keywords import ACTIONS, Action
from smscast.lib.jsonx import dumps
from smscast.migrate import upgrade
from smscast.optouts.policy import Scope, update_policy
from smscast.services import Services

app = typer.Typer(
    help="Opt-outs, keywords and consent settings of an account.", no_args_is_help=True
)
keywords_app = typer.Typer(
    help="Keywords an account answers, and their replies.", no_args_is_help=True
)
app.add_typer(keywords_app, name="keywords")

console = Console()
err = Console(stderr=True)
T = TypeVar("T")

Account_ = Annotated[uuid.UUID, typer.Argument(help="The account id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SenderOpt = Annotated[
    str | None, typer.Option(help="Only this sender (with --scope sender); default: all.")
]


def _run(action: Callable[[Services], Awaitable[T]]) -> T:
    async def main() -> T:
        services = Services.build(get_settings(), pool_size=2)
        try:
            return await action(services)
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


async def _region(services: Services, account_id: uuid.UUID) -> str:
    async with services.db.begin() as conn:
        region = (
            await conn.execute(select(Account.default_region).where(Account.id == account_id))
        ).scalar_one_or_none()
    if region is None:
        raise NotFound("No such account.")
    return region


def _print_json(value: object) -> None:
    typer.echo(dumps(value, indent=True).decode())


@app.command("list")
def list_(
    account: Account_,
    number: Annotated[str | None, typer.Option(help="Only this number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 200,
    cursor: Annotated[str | None, typer.Option(help="`next_cursor` of the last page.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List opted-out numbers, newest first."""

    async def action(s: Services) -> tuple[list[dict[str, Any]], str | None]:
        optouts = s.consent.optouts
        region = await _region(s, account)
        wanted = optouts.number(number, region) if number else None
        return await optouts.list(account, number=wanted, cursor=cursor, limit=limit)

    items, next_cursor = _run(action)
    if as_json:
        _print_json({"data": items, "next_cursor": next_cursor})
        return
    table = Table("number", "sender", "source", "detail", "since")
    for i in items:
        table.add_row(
            i["number"], i["sender"] or "(all)", i["source"], i["detail"], str(i["changed_at"])
        )
    console.print(table)
    if next_cursor:
        console.print(f"more: --cursor {next_cursor}")


@app.command("add")
def add(
    account: Account_,
    number: str,
    sender: SenderOpt = None,
    detail: Annotated[str, typer.Option(help="Why, for the history.")] = "",
) -> None:
    """Opt a number out."""

    async def action(s: Services) -> bool:
        optouts = s.consent.optouts
        region = await _region(s, account)
        return await optouts.add(
            account,
            optouts.number(number, region),
            sender=optouts.sender(sender, region),
            source="cli",
            detail=detail,
        )

    changed = _run(action)
    console.print("opted out" if changed else "already opted out")


@app.command("remove")
def remove(account: Account_, number: str, sender: SenderOpt = None) -> None:
    """Opt a number back in."""

    async def action(s: Services) -> int:
        optouts = s.consent.optouts
        region = await _region(s, account)
        return await optouts.remove(
            account,
            optouts.number(number, region),
            sender=optouts.sender(sender, region),
            source="cli",
        )

    _run(action)
    console.print("opted back in")


@app.command("import")
def import_(
    account: Account_,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: JsonOpt = False,
) -> None:
    """Opt out every number of a CSV file (number[,sender[,detail]], header optional)."""
    data = path.read_bytes()

    async def action(s: Services) -> dict[str, Any]:
        region = await _region(s, account)
        return await s.consent.optouts.import_csv(
            account, data, region=region, source="import", detail=path.name
        )

    report = _run(action)
    if as_json:
        _print_json(report)
        return
    console.print(
        f"{report['rows']} rows: {report['opted_out']} opted out, "
        f"{report['unchanged']} already, {report['rejected']} refused"
    )
    for e in report["errors"]:
        err.print(f"row {e['row']}: {e['field'].split('.')[-1]}: {e['message']}")


@app.command("export")
def export(
    account: Account_,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Default: stdout.")] = None,
) -> None:
    """Write the opted-out numbers as CSV."""

    async def action(s: Services) -> str:
        await _region(s, account)
        return "".join([chunk async for chunk in s.consent.optouts.export_csv(account)])

    text = _run(action)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")


@app.command("history")
def history(
    account: Account_,
    number: Annotated[str | None, typer.Option(help="Only this number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Every opt-out and opt-in, newest first, with its source."""

    async def action(s: Services) -> list[dict[str, Any]]:
        optouts = s.consent.optouts
        region = await _region(s, account)
        wanted = optouts.number(number, region) if number else None
        items, _ = await optouts.history(account, number=wanted, cursor=None, limit=limit)
        return items

    items = _run(action)
    if as_json:
        _print_json(items)
        return
    table = Table("at", "number", "sender", "action", "source", "detail")
    for i in items:
        table.add_row(
            str(i["at"]), i["number"], i["sender"] or "(all)", i["action"], i["source"], i["detail"]
        )
    console.print(table)


@app.command("settings")
def settings(
    account: Account_,
    scope: Annotated[
        str | None, typer.Option(help="What a STOP stops: 'account' or 'sender'.")
    ] = None,
    campaign_check: Annotated[
        bool | None,
        typer.Option(
            "--campaign-check/--no-campaign-check", help="Campaigns text subscribers only."
        ),
    ] = None,
) -> None:
    """Show or change the account's consent settings."""
    if scope is not None and scope not in ("account", "sender"):
        err.print("[red]error:[/red] --scope is 'account' or 'sender'")
        raise typer.Exit(1)
    chosen: Scope | None = "sender" if scope == "sender" else "account" if scope else None

    async def action(s: Services) -> Any:
        return await update_policy(
            s.db, account, optout_scope=chosen, campaign_check=campaign_check
        )

    policy = _run(action)
    _print_json({"optout_scope": policy.optout_scope, "campaign_check": policy.campaign_check})


def _action(value: str) -> Action:
    for action in ACTIONS:
        if value.lower() == action:
            return action
    err.print("[red]error:[/red] the action is stop, start or help")
    raise typer.Exit(1)


@keywords_app.command("list")
def keywords_list(account: Account_, as_json: JsonOpt = False) -> None:
    """Every keyword the account answers, and the reply to each action."""

    async def action(s: Services) -> dict[str, Any]:
        await _region(s, account)
        return await s.inbound.config.describe(account)

    out = _run(action)
    if as_json:
        _print_json(out)
        return
    table = Table("keyword", "action", "built-in", "own reply")
    for k in out["keywords"]:
        table.add_row(k["keyword"], k["action"], "yes" if k["built_in"] else "", k["reply"] or "")
    console.print(table)
    for name, text in out["replies"].items():
        console.print(f"{name}: {text or '(no reply)'}")


@keywords_app.command("add")
def keywords_add(
    account: Account_,
    keyword: str,
    action_name: Annotated[str, typer.Argument(metavar="ACTION", help="stop, start or help.")],
    reply: Annotated[str | None, typer.Option(help="Its own reply; default: the action's.")] = None,
) -> None:
    """Add a keyword (ARRET, BAJA) for an action, or give one its own reply."""
    chosen = _action(action_name)

    async def action(s: Services) -> dict[str, Any]:
        await _region(s, account)
        return await s.inbound.config.set_keyword(account, keyword, chosen, reply)

    out = _run(action)
    console.print(f"{out['keyword']} -> {out['action']}")


@keywords_app.command("remove")
def keywords_remove(account: Account_, keyword: str) -> None:
    """Remove one of the account's keywords."""

    async def action(s: Services) -> None:
        await s.inbound.config.delete_keyword(account, keyword)

    _run(action)
    console.print("removed")


@keywords_app.command("reply")
def keywords_reply(
    account: Account_,
    action_name: Annotated[str, typer.Argument(metavar="ACTION", help="stop, start or help.")],
    text: Annotated[str | None, typer.Argument(help='The reply; "" for none.')] = None,
    default: Annotated[bool, typer.Option("--default", help="Back to the built-in reply.")] = False,
) -> None:
    """Set the reply an action's keywords get."""
    chosen = _action(action_name)
    if text is None and not default:
        err.print("[red]error:[/red] give the reply text, or --default")
        raise typer.Exit(1)

    async def action(s: Services) -> dict[str, str]:
        await _region(s, account)
        return await s.inbound.config.set_replies(account, {chosen: None if default else text})

    replies = _run(action)
    console.print(f"{chosen}: {replies[chosen] or '(no reply)'}")
