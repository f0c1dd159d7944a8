"""``triggermap export-kb`` and ``triggermap site`` (mounted by :mod:`triggermap.cli`)."""

from __future__ import annotations

import typer


def export_kb(
    directory: str = typer.Argument(..., metavar="DIR", help="Folder to write the data package into."),
) -> None:
    """Write the knowledge base as a Frictionless Data Package (CSV + JSON Lines, CC BY 4.0)."""
    from . import export, source

    try:
        counts = export.write_package(source.knowledge(), directory)
    except (ValueError, OSError) as exc:
        typer.echo(f"triggermap: error: export-kb: {exc}", err=True)
        raise typer.Exit(2) from None
    total = sum(counts.values())
    typer.echo(f"triggermap: wrote {len(counts)} tables ({total} rows) and datapackage.json to {directory}", err=True)


def site(
    directory: str = typer.Argument(..., metavar="DIR", help="Folder to write the static atlas into."),
) -> None:
    """Build the static, offline atlas: a page per muscle, region and condition, en and es."""
    from pathlib import Path

    from . import source
    from .site import build

    if Path(directory).exists() and not Path(directory).is_dir():
        typer.echo(f"triggermap: error: DIR: {directory!r} is a file, not a folder", err=True)
        raise typer.Exit(2)
    try:
        pages = build(source.knowledge(), directory)
    except OSError as exc:
        typer.echo(f"triggermap: error: DIR: cannot write the atlas into {directory!r}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"triggermap: wrote {pages} pages to {directory}; open {directory}/index.html", err=True)
