"""`smscast db copy`: move the data to another database (SQLite to PostgreSQL, typically)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["db_copy"]


def db_copy(
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="Source URL, e.g. sqlite:////var/lib/smscast/smscast.db (4 slashes: absolute)",
        ),
    ],
    target: Annotated[
        str, typer.Option("--to", help="Target URL, e.g. postgresql://smscast@db/smscast")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Delete what the target holds before copying.")
    ] = False,
    chunk: Annotated[int, typer.Option(help="Rows read and inserted at a time.", min=1)] = 5000,
) -> None:
    """Migrate the target, then copy every table into it, parents first, in one transaction.

    Stop every smscast process using the source first. The target must be empty unless
    --force is given.
    """
    from smscast.dbcopy import CopyError, copy_database

    def progress(table: str, rows: int) -> None:
        typer.echo(f"  {table}: {rows} rows")

    typer.echo("copying...")
    try:
        report = copy_database(source, target, force=force, chunk=chunk, progress=progress)
    except CopyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for name in report.not_copied:
        typer.echo(f"warning: {name} is not declared by any smscast model: not copied", err=True)
    typer.echo(f"copied {sum(report.rows.values())} rows in {len(report.rows)} tables")
