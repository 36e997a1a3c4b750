"""``compliance officers``: the accountable persons who sign reports off with their own keys.

Only an officer's *public* key reaches the service. ``keygen`` and ``sign-payload`` run on the
officer's own machine and touch no database: the first makes a key pair, the second signs the
exact bytes the portal shows (a signature to paste back, the private key never uploaded).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.table import Table

from compliance.cli.context import JsonFlag, emit_json, get_app, out_console
from compliance.cli.usage import command_group
from compliance.errors import ConfigError, InputError
from compliance.reporting.attestation import ATTESTATION_FORMAT, sign_attestation
from compliance.reporting.bundle import MalformedBundle, parse_canonical_json
from compliance.reporting.ledger import (
    generate_key,
    key_fingerprint,
    load_private_key,
    private_key_from_pem,
    public_key_raw,
    write_private_key,
)
from compliance.services.attestations import (
    OfficerView,
    list_officers,
    parse_public_key,
    register_officer,
    revoke_officer_key,
)

__all__ = ["app", "read_officer_key"]

app = command_group("Officers: the persons who sign reports off, each with their own key.")


def read_officer_key(source: str) -> Ed25519PrivateKey:
    """The officer's Ed25519 private key from a PEM file (mode 0600) or ``-`` (stdin)."""
    if source == "-":
        return private_key_from_pem(sys.stdin.buffer.read(), where="the key on stdin")
    return load_private_key(Path(source))


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="the person's full name")],
    role: Annotated[str, typer.Option(help="their role, e.g. 'Chief Compliance Officer'")],
    email: Annotated[str, typer.Option(help="their e-mail address")],
    public_key: Annotated[
        Path,
        typer.Option(help="their Ed25519 public key: a PEM file or 64 hex characters in a file"),
    ],
    json_: JsonFlag = False,
) -> None:
    """Register an officer with their public key (a ledger entry records it)."""
    try:
        text = public_key.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=str(public_key)) from None
    cli_app = get_app()
    view = register_officer(
        cli_app.uow_factory,
        cli_app.clock,
        cli_app.signing_key_path,
        name=name,
        role=role,
        email=email,
        public_key=parse_public_key(text, where=str(public_key)),
    )
    if json_:
        emit_json(view)
    else:
        out_console.print(f"registered officer {view.id}: {_line(view)}", markup=False)


@app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """List the officers, their key fingerprints and whether the key is revoked."""
    views = list_officers(get_app().uow_factory)
    if json_:
        emit_json(views)
        return
    if not views:
        out_console.print("no officers yet: register one with 'compliance officers add'")
        return
    table = Table("officer", "name", "role", "e-mail", "key", "registered", "key revoked")
    for v in views:
        table.add_row(
            v.id, v.name, v.role, v.email, v.key_id[:16] + "…", v.registered_at,
            v.key_revoked_at or "-",
        )  # fmt: skip
    out_console.print(table)


@app.command("revoke-key")
def revoke_key(
    officer_id: Annotated[str, typer.Argument(metavar="OFFICER", help="off_...")],
    json_: JsonFlag = False,
) -> None:
    """Revoke an officer's key: their later signatures are refused, earlier ones stand."""
    cli_app = get_app()
    view = revoke_officer_key(
        cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path, officer_id
    )
    if json_:
        emit_json(view)
    else:
        out_console.print(f"revoked the key of officer {view.id}: {_line(view)}", markup=False)


@app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="where to write the private key (mode 0600)")],
    json_: JsonFlag = False,
) -> None:
    """Make an officer's key pair on their own machine (no database): writes the private key
    and prints the public key to register with 'officers add'."""
    pem, public = generate_key()
    try:
        write_private_key(out, pem)
    except ConfigError as exc:
        raise InputError(exc.message, file=str(out), hint=exc.hint) from None
    public_path = out.with_name(out.name + ".pub")
    public_path.write_text(public.hex() + "\n")
    if json_:
        emit_json(
            {
                "private_key": str(out),
                "public_key": public.hex(),
                "public_key_file": str(public_path),
                "key_id": key_fingerprint(public),
            }
        )
    else:
        out_console.print(f"wrote {out} (keep it) and {public_path} (register it)", markup=False)


@app.command("sign-payload")
def sign_payload(
    payload: Annotated[Path, typer.Argument(help="the attestation's bytes, as the portal shows")],
    key: Annotated[str, typer.Option(help="the officer's private key file, or - for stdin")],
) -> None:
    """Sign an attestation offline (no database): prints the hex signature to paste back."""
    try:
        data = payload.read_bytes().strip()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=str(payload)) from None
    try:
        attestation = parse_canonical_json(data, str(payload))
    except MalformedBundle as exc:
        raise InputError(
            str(exc), file=str(payload), hint="save the bytes exactly as shown"
        ) from None
    if not isinstance(attestation, dict) or attestation.get("format") != ATTESTATION_FORMAT:
        raise InputError("is not an attestation prepared by the portal", file=str(payload))
    officer_key = read_officer_key(key)
    if key_fingerprint(public_key_raw(officer_key)) != attestation.get("officer_key_id"):
        raise InputError("the key is not the one the attestation names", field="key")
    out_console.print(sign_attestation(officer_key, attestation), markup=False)


def _line(view: OfficerView) -> str:
    revoked = f", key revoked {view.key_revoked_at}" if view.key_revoked_at else ""
    return f"{view.name} ({view.role}, {view.email}), key {view.key_id[:16]}…{revoked}"
