"""`smscast batch`: send a CSV file as a batch from the command line, with progress bars."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from smscast.accounts.models import Account
from smscast.accounts.service import Principal
from smscast.batches.schemas import BatchFields
from smscast.batches.service import Upload
from smscast.campaigns.models import CAMPAIGNS
from smscast.errors import NotFound
from smscast.lib.jsonx import dumps
from smscast.services import Services

batch_app = typer.Typer(
    help="Batches: send a CSV file of number,message rows.", no_args_is_help=True
)
console = Console(stderr=True)

CampaignOpt = Annotated[uuid.UUID, typer.Option("--campaign", "-c", help="Campaign id.")]


def _run(action: Any) -> Any:
    from smscast.cli.app import _run as run_with_services

    return run_with_services(action)


async def _principal(services: Services, campaign_id: uuid.UUID) -> Principal:
    """Act as the account that owns the campaign (the CLI is the operator's)."""
    async with services.db.begin() as conn:
        account_id = await conn.scalar(
            select(CAMPAIGNS.c.account_id).where(CAMPAIGNS.c.id == campaign_id)
        )
        if account_id is None:
            raise NotFound("No such campaign.")
        account = (
            await conn.execute(
                select(Account.default_region, Account.settings).where(Account.id == account_id)
            )
        ).one()
    return Principal(account_id, uuid.UUID(int=0), account.default_region, account.settings or {})


async def _owner(services: Services, batch_id: uuid.UUID) -> Principal:
    from smscast.batches.models import BATCHES

    async with services.db.begin() as conn:
        campaign_id = await conn.scalar(
            select(BATCHES.c.campaign_id).where(BATCHES.c.id == batch_id)
        )
    if campaign_id is None:
        raise NotFound("No such batch.")
    return await _principal(services, campaign_id)


class _Counting:
    """A binary file that reports how much of it was read."""

    def __init__(self, f: BinaryIO, advance: Any):
        self.f = f
        self.advance = advance

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.advance(len(data))
        return data


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _print(value: object) -> None:
    typer.echo(dumps(value, indent=True).decode())


@batch_app.command("create")
def create(
    file: Annotated[Path, typer.Option("--file", "-f", exists=True, dir_okay=False)],
    campaign: CampaignOpt,
    validate: Annotated[bool, typer.Option(help="Check every row first.")] = True,
    schedule: Annotated[bool, typer.Option(help="Then send it.")] = True,
    description: str = "",
) -> None:
    """Create a batch from FILE (number,message rows), validate it, and schedule it."""

    async def go(services: Services) -> dict[str, Any]:
        principal = await _principal(services, campaign)
        with _bars() as bars:
            size = file.stat().st_size
            up = bars.add_task("upload", total=size)
            with file.open("rb") as f:
                reading = _Counting(f, lambda n: bars.advance(up, n))
                out = await services.batches.create(
                    principal,
                    BatchFields(campaign_id=campaign, description=description),
                    Upload(reading, file.name),  # type: ignore[arg-type]
                )
            batch_id = out["id"]
            for action, wanted in (("VALIDATE", validate), ("SCHEDULE", schedule)):
                if not wanted:
                    continue
                task = bars.add_task(action.lower(), total=out["file"]["rows"] or None)

                def progress(done: int, total: int, task: Any = task) -> None:
                    bars.update(task, completed=done, total=total or None)

                out = await services.batches.act(
                    principal, batch_id, action, progress=progress, background=False
                )
        return out

    out = _run(go)
    _print(out)
    counts = out["counts"]
    console.print(
        f"batch {out['id']}: {out['status']}; {counts['total']} rows, {counts['valid']} valid, "
        f"{counts['invalid']} invalid, {counts['duplicates']} duplicates, "
        f"{counts['opted_out']} opted out"
    )


@batch_app.command("show")
def show(batch_id: uuid.UUID) -> None:
    """A batch with its counters."""

    async def go(services: Services) -> dict[str, Any]:
        return await services.batches.get(await _owner(services, batch_id), batch_id)

    _print(_run(go))


@batch_app.command("errors")
def errors(batch_id: uuid.UUID) -> None:
    """The row errors of a batch as CSV (safe to open in a spreadsheet)."""

    async def go(services: Services) -> None:
        lines = await services.batches.errors_csv(await _owner(services, batch_id), batch_id)
        async for chunk in lines:
            typer.echo(chunk.decode(), nl=False)

    _run(go)


@batch_app.command("action")
def action(
    batch_id: uuid.UUID,
    name: Annotated[str, typer.Argument(help="validate, schedule, pause, resume or cancel")],
) -> None:
    """Validate, schedule, pause, resume or cancel a batch."""

    async def go(services: Services) -> dict[str, Any]:
        principal = await _owner(services, batch_id)
        b = services.batches
        verb = name.lower()
        if verb in ("validate", "schedule"):
            return await b.act(principal, batch_id, verb.upper(), background=False)
        if verb == "pause":
            return await b.pause(principal, batch_id)
        if verb == "resume":
            await b.resume(principal, batch_id)
            await b.wait(batch_id)
            return await b.get(principal, batch_id)
        if verb == "cancel":
            return await b.cancel(principal, batch_id)
        raise typer.BadParameter(f"unknown action {name!r}")

    _print(_run(go))


@batch_app.command("run-pending")
def run_pending() -> None:
    """Finish batches whose process died (SCHEDULED, or PROCESSING with an expired lease)."""

    async def go(services: Services) -> int:
        started = await services.batches.run_pending()
        for task in list(services.batches._tasks):
            await services.batches.wait(task)
        return started

    console.print(f"{_run(go)} batches resumed")
