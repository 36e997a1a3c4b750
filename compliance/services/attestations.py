"""Officers and their sign-off on reports (see :mod:`compliance.reporting.attestation`).

- :func:`register_officer` / :func:`revoke_officer_key`: one ``officer`` ledger entry and
  the officer's row, in one transaction; only the officer's *public* key is stored;
- :func:`attestation_payload`: the attestation an officer is about to sign (the portal
  shows its canonical bytes; the CLI signs them with the officer's key file);
- :func:`record_attestation`: checks the officer's signature and appends the signed
  attestation as an ``attestation`` ledger entry, signed by the ledger too;
- :func:`sign_report`: both at once, with a private key the caller holds in memory only;
- :func:`report_attestations`: a report's attestations, each checked again (the officer's
  signature over the stored attestation, the report entry it names, the entry's own hash,
  the key not revoked before it), and whether the report is signed off.

An attestation is recorded only if its time is not in the future and at most
:data:`MAX_PAYLOAD_AGE` old (a payload signed offline must be pasted back the same day).

Why one module of this length: registering officers, revoking keys and recording
attestations append to the same ledger under the same checks; the checks and their writers
stay together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from compliance.clock import Clock, isoformat_z
from compliance.domain.attestation import AttestationView
from compliance.domain.ids import new_uid
from compliance.errors import AlreadyExists, Conflict, InputError, NotFound
from compliance.reporting.attestation import (
    APPROVALS,
    ATTESTATION_FORMAT,
    STATEMENTS,
    attestation_bytes,
    build_attestation,
    officer_entry_fields,
    revocation_entry_fields,
    sign_attestation,
    verify_attestation_signature,
)
from compliance.reporting.ledger import (
    build_entry,
    entry_hash,
    key_fingerprint,
    load_private_key,
    public_key_raw,
    sign_entry,
)
from compliance.services.access_log import Access, commit_or_refuse, record
from compliance.services.tokens import authenticate
from compliance.storage.tables import Attestation, LedgerEntry, Officer, Report
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MAX_PAYLOAD_AGE",
    "AttestationView",
    "OfficerView",
    "ReportAttestations",
    "attestation_payload",
    "attestations_of",
    "list_officers",
    "parse_public_key",
    "payload_text",
    "record_attestation",
    "record_attestation_as",
    "register_officer",
    "report_attestations",
    "revoke_officer_key",
    "sign_report",
    "stored_attestations",
]

MAX_PAYLOAD_AGE = dt.timedelta(hours=24)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclass(frozen=True)
class OfficerView:
    id: str
    name: str
    role: str
    email: str
    key_id: str
    public_key: str
    registered_at: str
    key_revoked_at: str | None


@dataclass(frozen=True)
class ReportAttestations:
    report_id: str
    signed_off: bool
    attestations: list[AttestationView]


def parse_public_key(text: bytes, *, where: str) -> bytes:
    """An Ed25519 public key given as a PEM ``PUBLIC KEY`` or as 64 hex characters → raw."""
    stripped = text.strip()
    if re.fullmatch(rb"[0-9a-fA-F]{64}", stripped):
        return bytes.fromhex(stripped.decode())
    try:
        key = serialization.load_pem_public_key(stripped)
    except (ValueError, TypeError):
        raise InputError(
            "not an Ed25519 public key (PEM 'PUBLIC KEY' or 64 hex characters)",
            file=where,
            hint="make one with: compliance officers keygen --out KEYFILE",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("the public key is not an Ed25519 key", file=where)
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def register_officer(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    key_path: Path,
    *,
    name: str,
    role: str,
    email: str,
    public_key: bytes,
) -> OfficerView:
    """Register a person who signs reports (one ``officer`` ledger entry and their row)."""
    for field_name, value in (("name", name), ("role", role)):
        if not value.strip() or len(value) > 200:
            raise InputError(
                "is empty or longer than 200 characters", field=field_name, value=value
            )
    if not _EMAIL.match(email) or len(email) > 320:
        raise InputError("is not an e-mail address", field="email", value=email)
    key_id = key_fingerprint(public_key)
    with uow_factory(write=True) as uow:
        if uow.officers.by_key(key_id) is not None:
            raise AlreadyExists(
                f"the key {key_id[:16]}… is already registered",
                hint="every officer has their own key: make a new one with officers keygen",
            )
        uid = new_uid("off")
        now = clock()
        _append(
            uow,
            key_path,
            now,
            "officer",
            officer_entry_fields(
                officer_id=uid, name=name, role=role, email=email, public_key=public_key
            ),
        )
        officer = uow.officers.add(
            Officer(
                uid=uid,
                name=name,
                role=role,
                email=email,
                key_id=key_id,
                public_key=public_key.hex(),
                created_at=now,
            )
        )
        view = _officer_view(officer)
        uow.commit()
    return view


def revoke_officer_key(
    uow_factory: UnitOfWorkFactory, clock: Clock, key_path: Path, officer_id: str
) -> OfficerView:
    """Revoke an officer's key: later attestations with it are refused (by the service
    and by ``reports verify``); earlier ones still verify."""
    with uow_factory(write=True) as uow:
        officer = _officer(uow, officer_id)
        if officer.key_revoked_at is not None:
            raise Conflict(f"officer {officer_id}'s key is already revoked")
        now = clock()
        _append(
            uow,
            key_path,
            now,
            "officer",
            revocation_entry_fields(officer_id=officer.uid, key_id=officer.key_id),
        )
        officer.key_revoked_at = now
        view = _officer_view(officer)
        uow.commit()
    return view


def list_officers(uow_factory: UnitOfWorkFactory) -> list[OfficerView]:
    with uow_factory() as uow:
        return [_officer_view(o) for o in uow.officers.all()]


def attestation_payload(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    report_id: str,
    officer_id: str,
    *,
    statement: str,
    justification: str | None = None,
    note: str | None = None,
    withdraws: str | None = None,
) -> dict[str, Any]:
    """The attestation ``officer_id`` would sign now on ``report_id``; its
    :func:`~compliance.reporting.attestation.attestation_bytes` are what to sign."""
    if statement not in STATEMENTS:
        raise InputError(
            f"must be one of {', '.join(STATEMENTS)}", field="statement", value=statement
        )
    with uow_factory() as uow:
        report = _report(uow, report_id)
        officer = _officer(uow, officer_id)
        if officer.key_revoked_at is not None:
            raise Conflict(f"officer {officer_id}'s key is revoked: register a new key")
        report_entry = _report_entry(uow, report)
        fields = {
            "report_id": report.uid,
            "report_entry_hash": report_entry.entry_hash,
            "officer_id": officer.uid,
            "officer_key_id": officer.key_id,
        }
    try:
        return build_attestation(
            **fields,
            statement=statement,
            time=isoformat_z(clock()),
            justification=justification,
            note=note,
            withdraws=withdraws,
        )
    except ValueError as exc:
        raise InputError(str(exc), field="statement", value=statement) from None


def record_attestation(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    key_path: Path,
    attestation: dict[str, Any],
    signature: str,
) -> AttestationView:
    """Check the officer's signature of ``attestation`` and append it to the ledger (one
    transaction: the ``attestation`` entry and its index row)."""
    with uow_factory(write=True) as uow:
        view = _record(uow, clock, key_path, attestation, signature)
        uow.commit()
    return view


def record_attestation_as(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    key_path: Path,
    access: Access,
    attestation: dict[str, Any],
    signature: str,
) -> AttestationView:
    """:func:`record_attestation` for a portal session: the caller's token is checked (a
    role of ``access.roles`` that sees the report's model), and the signing is logged in
    the access log, all in the one transaction that appends the attestation."""
    now = clock()
    with uow_factory(write=True) as uow:
        principal = authenticate(uow, access.credential, now, access.roles)
        report = uow.reports.get(str(attestation.get("report_id")))
        if report is None or not principal.sees(uow.reports.model_name(report)):
            raise NotFound(f"no report '{attestation.get('report_id')}'")
        view = _record(uow, clock, key_path, attestation, signature)
        record(
            uow, principal, action="sign", object_type="report", object_id=report.uid,
            client=access.client, status=200, now=now,
        )  # fmt: skip
        commit_or_refuse(uow)
    return view


def _record(
    uow: UnitOfWork,
    clock: Clock,
    key_path: Path,
    attestation: dict[str, Any],
    signature: str,
) -> AttestationView:
    """Check and append one signed attestation in ``uow`` (the caller commits)."""
    signature = signature.strip().lower()
    if not isinstance(attestation, dict) or attestation.get("format") != ATTESTATION_FORMAT:
        raise InputError(f"is not a {ATTESTATION_FORMAT} object", field="attestation")
    try:
        rebuilt = build_attestation(**{k: v for k, v in attestation.items() if k != "format"})
    except (TypeError, ValueError) as exc:
        raise InputError(f"is not an attestation ({exc})", field="attestation") from None
    if rebuilt != attestation:
        raise InputError("is not in the form the service prepares", field="attestation")
    report = _report(uow, attestation["report_id"])
    officer = _officer(uow, attestation["officer_id"])
    if officer.key_id != attestation["officer_key_id"]:
        raise InputError(
            f"is not officer {officer.uid}'s key", field="officer_key_id",
            value=attestation["officer_key_id"],
        )  # fmt: skip
    if officer.key_revoked_at is not None:
        raise Conflict(f"officer {officer.uid}'s key is revoked: register a new key")
    if _report_entry(uow, report).entry_hash != attestation["report_entry_hash"]:
        raise InputError(
            f"does not name report {report.uid}'s ledger entry",
            field="report_entry_hash",
            value=attestation["report_entry_hash"],
        )
    if not verify_attestation_signature(bytes.fromhex(officer.public_key), attestation, signature):
        raise InputError(
            f"does not verify with officer {officer.uid}'s key over the attestation's bytes",
            field="signature",
            hint="sign exactly the bytes shown, with the officer's own key",
        )
    now = clock()
    signed_at = dt.datetime.fromisoformat(attestation["time"])
    if signed_at > now or now - signed_at > MAX_PAYLOAD_AGE:
        raise InputError(
            "is in the future or more than 24 hours old: prepare a new payload",
            field="time",
            value=attestation["time"],
        )
    earlier = uow.officers.attestations_of(report.id)
    if any(json.loads(e.payload).get("officer_signature") == signature for _, e in earlier):
        raise Conflict("this signed attestation is already recorded (a replay)")
    if attestation["withdraws"] is not None and not any(
        e.entry_hash == attestation["withdraws"] and a.officer_id == officer.id for a, e in earlier
    ):
        raise InputError(
            "names no attestation of this officer on this report",
            field="withdraws",
            value=attestation["withdraws"],
        )
    entry = _append(
        uow,
        key_path,
        now,
        "attestation",
        {"attestation": attestation, "officer_signature": signature},
    )
    row = uow.officers.add_attestation(
        Attestation(
            uid=new_uid("att"),
            report_id=report.id,
            officer_id=officer.id,
            ledger_seq=entry.seq,
            statement=attestation["statement"],
            created_at=now,
        )
    )
    return _attestation_view(
        row, entry, officer, report_entry_hash=attestation["report_entry_hash"]
    )


def sign_report(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    key_path: Path,
    report_id: str,
    officer_id: str,
    officer_key: Ed25519PrivateKey,
    *,
    statement: str,
    justification: str | None = None,
    note: str | None = None,
    withdraws: str | None = None,
) -> AttestationView:
    """Prepare, sign with ``officer_key`` (held by the caller, never stored) and record."""
    payload = attestation_payload(
        uow_factory, clock, report_id, officer_id,
        statement=statement, justification=justification, note=note, withdraws=withdraws,
    )  # fmt: skip
    if key_fingerprint(public_key_raw(officer_key)) != payload["officer_key_id"]:
        raise InputError(
            f"the key given is not officer {officer_id}'s registered key",
            field="key",
            hint="pass the private key file whose public half was registered",
        )
    return record_attestation(
        uow_factory, clock, key_path, payload, sign_attestation(officer_key, payload)
    )


def report_attestations(uow_factory: UnitOfWorkFactory, report_id: str) -> ReportAttestations:
    """The report's attestations, each verified again, and whether it is signed off."""
    with uow_factory() as uow:
        report = _report(uow, report_id)
        return stored_attestations(uow, report, _report_entry(uow, report).entry_hash)


def stored_attestations(
    uow: UnitOfWork, report: Report, report_entry_hash: str
) -> ReportAttestations:
    """:func:`attestations_of` the report's stored attestation rows, read in ``uow``."""
    rows = uow.officers.attestations_of(report.id)
    officers = uow.officers.by_ids({a.officer_id for a, _ in rows})
    return attestations_of(
        report.uid, [(a, e, officers[a.officer_id]) for a, e in rows], report_entry_hash
    )


def attestations_of(
    report_uid: str,
    rows: list[tuple[Attestation, LedgerEntry, Officer]],
    report_entry_hash: str,
) -> ReportAttestations:
    """The views of a report's attestation rows (each checked again, see the module
    docstring) and whether it is signed off: a verified approval that no verified
    withdrawal names."""
    views = [_attestation_view(a, e, o, report_entry_hash=report_entry_hash) for a, e, o in rows]
    withdrawn = {v.withdraws for v in views if v.verified and v.withdraws}
    signed_off = any(
        v.verified and v.statement in APPROVALS and v.entry_hash not in withdrawn for v in views
    )
    return ReportAttestations(report_uid, signed_off, views)


def payload_text(attestation: dict[str, Any]) -> str:
    """The attestation's canonical bytes as text: what the portal shows to sign."""
    return attestation_bytes(attestation).decode("utf-8")


# ---------------------------------------------------------------------------- helpers


def _append(
    uow: UnitOfWork, key_path: Path, now: dt.datetime, kind: str, extra: dict[str, Any]
) -> LedgerEntry:
    """Append one ledger entry of ``kind`` (under the ledger lock), signed by the ledger."""
    key = load_private_key(key_path)
    key_id = key_fingerprint(public_key_raw(key))
    uow.ledger.lock()
    last = uow.ledger.last()
    entry = sign_entry(
        build_entry(
            seq=1 if last is None else last.seq + 1,
            kind=kind,
            prev_hash=None if last is None else last.entry_hash,
            time=isoformat_z(now),
            key_id=key_id,
            extra=extra,
        ),
        key,
    )
    return uow.ledger.append(
        LedgerEntry(
            seq=int(entry["seq"]),
            kind=kind,
            report_id=None,
            payload=bytes(rfc8785.dumps(entry)),
            prev_hash=entry["prev_hash"] or "",
            entry_hash=entry["entry_hash"],
            key_id=key_id,
            signature=entry["signature"],
            extra_signatures=None,
            created_at=now,
        )
    )


def _attestation_view(
    row: Attestation, entry: LedgerEntry, officer: Officer, *, report_entry_hash: str
) -> AttestationView:
    data = json.loads(entry.payload)
    att = data.get("attestation") or {}
    problems = []
    if entry_hash(data) != entry.entry_hash or data.get("entry_hash") != entry.entry_hash:
        problems.append("the ledger entry's hash does not match its content")
    if att.get("report_entry_hash") != report_entry_hash:
        problems.append("it names another report entry")
    if att.get("officer_key_id") != officer.key_id or not verify_attestation_signature(
        bytes.fromhex(officer.public_key), att, data.get("officer_signature")
    ):
        problems.append("the officer's signature does not verify")
    if officer.key_revoked_at is not None and officer.key_revoked_at < entry.created_at:
        problems.append("the officer's key was revoked before it")
    return AttestationView(
        id=row.uid,
        ledger_seq=entry.seq,
        entry_hash=entry.entry_hash,
        officer_id=officer.uid,
        officer_name=officer.name,
        officer_role=officer.role,
        officer_key_id=officer.key_id,
        statement=str(att.get("statement")),
        justification=att.get("justification"),
        note=att.get("note"),
        withdraws=att.get("withdraws"),
        time=str(att.get("time")),
        recorded_at=isoformat_z(entry.created_at),
        verified=not problems,
        problems=problems,
    )


def _officer_view(officer: Officer) -> OfficerView:
    return OfficerView(
        id=officer.uid,
        name=officer.name,
        role=officer.role,
        email=officer.email,
        key_id=officer.key_id,
        public_key=officer.public_key,
        registered_at=isoformat_z(officer.created_at),
        key_revoked_at=None
        if officer.key_revoked_at is None
        else isoformat_z(officer.key_revoked_at),
    )


def _officer(uow: UnitOfWork, uid: str) -> Officer:
    officer = uow.officers.get(uid)
    if officer is None:
        raise NotFound(f"no officer '{uid}'", hint="see the ids with: compliance officers list")
    return officer


def _report(uow: UnitOfWork, uid: str) -> Report:
    report = uow.reports.get(uid)
    if report is None:
        raise NotFound(f"no report '{uid}'", hint="see the ids with: compliance reports list")
    return report


def _report_entry(uow: UnitOfWork, report: Report) -> LedgerEntry:
    entry = uow.ledger.entry_for_report(report.id)
    if entry is None:  # pragma: no cover - issuing writes both in one transaction
        raise NotFound(f"report {report.uid} has no ledger entry")
    return entry
