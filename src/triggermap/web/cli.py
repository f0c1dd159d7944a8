"""``triggermap serve``: run the web app with uvicorn (mounted by :mod:`triggermap.cli`)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this computer only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    clinic: bool = typer.Option(
        False, "--clinic",
        help="Clinic mode: log-in accounts (clinicians, patients; `triggermap account add`), each clinician "
        "sees only their own patients, every record access audited; clinician findings open.",
    ),
    forwarded_allow_ips: str = typer.Option(
        "", "--forwarded-allow-ips", envvar="TRIGGERMAP_FORWARDED_ALLOW_IPS",
        help="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed (default: none; the client is the connecting address).",
    ),
    header_timeout: float = typer.Option(
        10.0, "--header-timeout", min=0.1, help="Seconds a client has to send a request's headers.",
    ),
    body_timeout: float = typer.Option(
        30.0, "--body-timeout", min=0.1, help="Seconds a client has to send a request's body (then 408).",
    ),
) -> None:
    """Start the web app: body-map intake, triage and results, muscle library, handout, pain diary (English/Spanish).

    The diary lives in $TRIGGERMAP_DATABASE_URL, else a SQLite file in your data directory. Without
    --clinic it belongs to one local person and is shown only on this computer."""
    import uvicorn

    from ..knowledge import KnowledgeError
    from ..store.db import check_url, display_url
    from ..store.errors import StoreError, ValidationError
    from .app import create_app
    from .server import uvicorn_options

    loopback = host in ("127.0.0.1", "localhost", "::1")
    problem = _host_problem(host, port)
    if problem:
        typer.echo(f"triggermap: error: --host: cannot listen on {host!r}: {problem}", err=True)
        raise typer.Exit(2)
    try:
        options = uvicorn_options(forwarded_allow_ips=forwarded_allow_ips, header_timeout=header_timeout)
    except ValueError as exc:
        typer.echo(f"triggermap: error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        app = create_app(clinic=clinic, allowed_hosts=["127.0.0.1", "localhost"] if loopback else None,
                         body_timeout=body_timeout)
        check_url(app.state.db_url)  # a URL the store cannot use fails now, not on the first diary request
        accounts = _prepare_database(app.state.db_url) if clinic else None
    except ValidationError as exc:
        typer.echo(f"triggermap: error: {exc.message('$TRIGGERMAP_DATABASE_URL')}", err=True)
        raise typer.Exit(2) from None
    except KnowledgeError as exc:
        typer.echo(f"triggermap: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except StoreError as exc:
        typer.echo(f"triggermap: database error: {exc}", err=True)
        raise typer.Exit(2) from None
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"triggermap: diary and records in {display_url(app.state.db_url)}", err=True)
    if clinic:
        typer.echo("triggermap: clinic mode: the diary and records need a log-in", err=True)
        if not accounts:
            typer.echo("triggermap: no accounts yet: create one with `triggermap account add --username NAME "
                       "--role clinician`", err=True)
        if not loopback:
            typer.echo("triggermap: warning: serve clinic mode over HTTPS only (a reverse proxy that sets "
                       "X-Forwarded-Proto: https and X-Forwarded-For, trusted with --forwarded-allow-ips); session "
                       "cookies are marked Secure on HTTPS requests or with TRIGGERMAP_SECURE_COOKIES=1", err=True)
    elif not loopback:
        typer.echo("triggermap: the diary is only shown on this computer (use --clinic to share records)", err=True)
    typer.echo(f"triggermap: serving on http://{shown}:{port}/  (Ctrl+C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, **options)


def _host_problem(host: str, port: int) -> str | None:
    """Why ``host`` is not an address this machine can listen on (it does not resolve), or None."""
    import socket

    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return None


def _prepare_database(url: str) -> int:
    """Bring the schema up to date before the first request; the number of accounts."""
    from sqlalchemy import func, select

    from ..store import db
    from ..store.models import Account

    with db.session_scope(url, readonly=True) as session:
        return int(session.scalar(select(func.count(Account.id))) or 0)
