"""``triggermap serve``: run the web app with uvicorn (mounted by :mod:`triggermap.cli`)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this computer only)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    clinic: bool = typer.Option(False, "--clinic", help="Clinic mode: clinician findings open, more detail."),
) -> None:
    """Start the web app: body-map intake, triage and results, muscle library, handout (English/Spanish)."""
    import uvicorn

    from ..knowledge import KnowledgeError
    from .app import create_app

    loopback = host in ("127.0.0.1", "localhost")
    try:
        app = create_app(clinic=clinic, allowed_hosts=["127.0.0.1", "localhost"] if loopback else None)
    except KnowledgeError as exc:
        typer.echo(f"triggermap: error: {exc}", err=True)
        raise typer.Exit(2) from None
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"triggermap: serving on http://{shown}:{port}/  (Ctrl+C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, server_header=False, log_level="warning", access_log=False)
