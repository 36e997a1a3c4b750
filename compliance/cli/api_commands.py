"""``compliance tokens``, ``compliance access-log`` and ``compliance serve``.

Register in the root command::

    app.add_typer(api_commands.tokens_app, name="tokens")
    app.command("access-log")(api_commands.access_log)
    app.command("serve")(api_commands.serve)
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from compliance.bootstrap import App
from compliance.cli.context import JsonFlag, cell, emit_json, err_console, get_app, out_console
from compliance.cli.usage import command_group
from compliance.cli.workers import run_workers
from compliance.errors import InputError
from compliance.services.access_log import list_access
from compliance.services.tokens import create_token, list_tokens, revoke_token

__all__ = [
    "access_log",
    "parse_since",
    "proxy_options",
    "run_uvicorn",
    "serve",
    "tokens_app",
]

tokens_app = command_group("API tokens: create (the secret is shown once), list, revoke.")


class RoleChoice(StrEnum):
    """``--role``: the roles of :data:`compliance.services.tokens.ROLES`."""

    regulator = "regulator"
    officer = "officer"
    admin = "admin"


class LogLevel(StrEnum):
    """``--log-level``: uvicorn's levels."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"
    trace = "trace"


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@tokens_app.command("create")
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="who or what the token is for")],
    role: Annotated[RoleChoice, typer.Option("--role", help="what the token may do")],
    models: Annotated[
        str | None, typer.Option(help="only these models, comma-separated (default: all)")
    ] = None,
    expires: Annotated[
        int | None, typer.Option(help="days until it expires (default: never)", min=1, max=3650)
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Create a token and print its secret: the only time it is shown (only its hash is kept)."""
    cli_app = get_app()
    scope = models.split(",") if models is not None else None
    made = create_token(
        cli_app.uow_factory, cli_app.clock, name, role.value, models=scope, expires_days=expires
    )
    if json_:
        emit_json({"token": made.token, "secret": made.secret})
        return
    t = made.token
    limits = f"models {', '.join(t.models)}" if t.models is not None else "all models"
    err_console.print(
        f"token {t.id} for '{t.name}': role {t.role}, {limits}, expires {t.expires_at or 'never'}",
        markup=False,
    )
    err_console.print("secret (shown once; store it now, it cannot be recovered):", markup=False)
    sys.stdout.write(made.secret + "\n")


@tokens_app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """List the tokens (never their secrets)."""
    cli_app = get_app()
    tokens = list_tokens(cli_app.uow_factory, cli_app.clock)
    if json_:
        emit_json(tokens)
        return
    if not tokens:
        out_console.print("no tokens yet: compliance tokens create NAME --role regulator")
        return
    table = Table("id", "name", "role", "models", "state", "created", "expires", "last used")
    for t in tokens:
        table.add_row(
            t.id,
            t.name,
            t.role,
            ", ".join(t.models) if t.models is not None else "all",
            t.state,
            t.created_at,
            t.expires_at or "-",
            t.last_used_at or "-",
        )
    out_console.print(table)


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="the token's id (tok_...)")],
    json_: JsonFlag = False,
) -> None:
    """Revoke a token at once: every request and portal session using it is refused."""
    cli_app = get_app()
    token = revoke_token(cli_app.uow_factory, cli_app.clock, token_id)
    if json_:
        emit_json(token)
        return
    out_console.print(f"token {token.id} ('{token.name}') revoked at {token.revoked_at}")


def parse_since(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """An ISO 8601 time (no zone: UTC) or a span back from now: ``30m``, ``24h``, ``7d``, ``2w``."""
    if text is None:
        return None
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        return now - dt.timedelta(**{unit: amount})
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "is neither an ISO 8601 time nor a span like 24h or 7d",
            field="--since",
            value=text,
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def access_log(
    token: Annotated[str | None, typer.Option(help="only this token's reads (tok_...)")] = None,
    since: Annotated[
        str | None, typer.Option(help="ISO 8601 time, or a span back from now: 24h, 7d")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000,
    json_: JsonFlag = False,
) -> None:
    """Who read which report or downloaded which artifact, newest first."""
    cli_app = get_app()
    rows = list_access(
        cli_app.uow_factory, token=token, since=parse_since(since, cli_app.clock()), limit=limit
    )
    if json_:
        emit_json(rows)
        return
    if not rows:
        out_console.print("no access recorded" + (" for this selection" if token or since else ""))
        return
    table = Table("time", "token", "name", "action", "object", "client", "status")
    for r in rows:  # object ids and client addresses come from requests: shown literally
        table.add_row(
            *map(
                cell,
                (
                    r.at,
                    r.token or "-",
                    r.token_name or "-",
                    r.action,
                    f"{r.object_type} {r.object_id}",
                    r.client or "-",
                    r.status,
                ),
            )
        )
    out_console.print(table)


def default_workers() -> int:
    """One worker per CPU, at most 4 (the rate limits are per process)."""
    return max(1, min(4, os.cpu_count() or 1))


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="processes (default: CPUs, at most 4)")
    ] = None,
    log_level: Annotated[LogLevel, typer.Option(help="uvicorn log level")] = LogLevel.info,
) -> None:
    """Serve the regulator API (/api/v1) and the officer portal (/portal) with uvicorn."""
    cli_app = get_app()
    count = workers or default_workers()
    err_console.print(
        f"serving on http://{host}:{port} ({count} worker{'s' if count > 1 else ''}): "
        "/api/v1, /portal, /healthz, /readyz",
        markup=False,
    )
    options: dict[str, Any] = {
        "log_level": log_level.value,
        "log_config": log_config(log_level.value),
        "access_log": False,  # uvicorn's would print query strings; the Guard logs paths
        "server_header": False,
        **proxy_options(),
    }
    if count == 1:
        from compliance.api.app import create_app

        run_uvicorn(create_app(cli_app), host=host, port=port, workers=1, **options)
        return
    _export_settings(cli_app)
    run_uvicorn(
        "compliance.api.app:create_app_from_environment",
        host=host,
        port=port,
        workers=count,
        factory=True,
        **options,
    )


def proxy_options() -> dict[str, Any]:
    """uvicorn's proxy settings: ``X-Forwarded-For``/``-Proto`` believed only from the
    addresses in ``COMPLIANCE_API_TRUSTED_PROXIES`` (uvicorn's own default trusts
    127.0.0.1, which would let any local client spoof its address); none: not at all."""
    from compliance.api.settings import ApiSettings

    trusted = [a.strip() for a in ApiSettings().trusted_proxies.split(",") if a.strip()]
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted)}


def run_uvicorn(app: Any, *, host: str, port: int, workers: int, **options: Any) -> None:
    """``uvicorn.run`` for one worker; several run under :func:`run_workers` (a socket each)."""
    import uvicorn

    if workers == 1:
        uvicorn.run(app, host=host, port=port, **options)
        return
    run_workers(app, host=host, port=port, workers=workers, **options)


def log_config(level: str) -> dict[str, object]:
    """uvicorn's loggers and the service's own (request lines, refusals), every record one
    logfmt line (:class:`compliance.logline.LogfmtFormatter`): uvicorn's own lines too, so
    nothing a client sends can start a line of its own in the server's log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for name in config["formatters"]:
        config["formatters"][name] = {"()": "compliance.logline.LogfmtFormatter"}
    config["loggers"]["compliance"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return dict(config)


def _export_settings(cli_app: App) -> None:
    """Hand this process's settings to the workers, which read ``COMPLIANCE_*``."""
    settings = cli_app.settings
    os.environ["COMPLIANCE_HOME"] = str(settings.home.resolve())
    os.environ["COMPLIANCE_DATABASE_URL"] = settings.resolved_database_url
    os.environ["COMPLIANCE_SIGNING_KEY_PATH"] = str(settings.resolved_signing_key_path.resolve())
