"""Officer attestations on reports, pure: the signed statement, its bytes, and its checks.

An **officer** is a registered, accountable person with their own Ed25519 key; the service
stores only the public half. Registering an officer and revoking an officer's key are
ledger entries of kind ``officer``::

    {"kind": "officer", "action": "register",
     "officer": {"id": "off_...", "name": "...", "role": "...", "email": "...",
                 "key_id": "<sha256 of the raw public key>", "public_key": "<raw hex>"}}
    {"kind": "officer", "action": "revoke-key", "officer_id": "off_...", "officer_key_id": "..."}

An **attestation** is what the officer signs: a JSON object of strings (and nulls)::

    {"format": "compliance-attestation-v1", "report_id": "rep_...",
     "report_entry_hash": "<entry_hash of the report's ledger entry>",
     "officer_id": "off_...", "officer_key_id": "<fingerprint>",
     "statement": "reviewed" | "approved" | "approved-with-exceptions" | "rejected"
                  | "withdrawn",
     "justification": "..." | null,   # required for approved-with-exceptions and withdrawn
     "note": "..." | null,
     "withdraws": "<entry_hash of an earlier attestation>" | null,   # withdrawn only
     "time": "2026-12-07T19:00:00Z"}

- ``officer_signature = Ed25519(officer key, RFC 8785 canonical bytes of the attestation)``
  (:func:`attestation_bytes`: exactly the bytes the portal shows to sign offline; the
  ``format`` field keeps these signatures apart from every other use of a key);
- the ledger entry of kind ``attestation`` carries ``{"attestation": ..., "officer_signature":
  ...}`` and is signed by the ledger like every entry: two signatures, the person's and the
  service's. Nothing is ever edited: a withdrawal is a new attestation naming the old one.

:func:`attestation_problems` checks every attestation of a chain: its officer was registered
earlier with that key and the key was not revoked before; the named report entry is earlier
in the chain and is that report's; the officer's signature verifies; the attestation's time
is not after its entry's; the same signed attestation appears once (no replay); a withdrawal
names an earlier attestation of the same officer on the same report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from compliance.domain.attestation import APPROVALS, ATTESTATION_FORMAT, STATEMENTS
from compliance.reporting.ledger import key_fingerprint

__all__ = [
    "APPROVALS",
    "ATTESTATION_FORMAT",
    "STATEMENTS",
    "AttestationCheck",
    "attestation_bytes",
    "attestation_problems",
    "build_attestation",
    "is_signed_off",
    "officer_entry_fields",
    "revocation_entry_fields",
    "sign_attestation",
    "verify_attestation_signature",
]

_FIELDS = (
    "format",
    "report_id",
    "report_entry_hash",
    "officer_id",
    "officer_key_id",
    "statement",
    "justification",
    "note",
    "withdraws",
    "time",
)
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_HEX128 = re.compile(r"^[0-9a-f]{128}\Z")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z\Z")


def build_attestation(
    *,
    report_id: str,
    report_entry_hash: str,
    officer_id: str,
    officer_key_id: str,
    statement: str,
    time: str,
    justification: str | None = None,
    note: str | None = None,
    withdraws: str | None = None,
) -> dict[str, Any]:
    """The attestation object (ValueError when a field is out of form): see the module
    docstring. ``approved-with-exceptions`` and ``withdrawn`` need a justification;
    ``withdrawn``, and only it, names the attestation it withdraws."""
    attestation: dict[str, Any] = {
        "format": ATTESTATION_FORMAT,
        "report_id": report_id,
        "report_entry_hash": report_entry_hash,
        "officer_id": officer_id,
        "officer_key_id": officer_key_id,
        "statement": statement,
        "justification": justification or None,
        "note": note or None,
        "withdraws": withdraws or None,
        "time": time,
    }
    problem = _form_problem(attestation)
    if problem:
        raise ValueError(problem)
    return attestation


def _form_problem(att: Mapping[str, Any]) -> str | None:
    """What is wrong with the attestation's form, or None."""
    if sorted(att) != sorted(_FIELDS):
        return f"an attestation has exactly the fields {', '.join(_FIELDS)}"
    statement, justification, withdraws = att["statement"], att["justification"], att["withdraws"]
    checks = [
        (att["format"] == ATTESTATION_FORMAT, f"format is not {ATTESTATION_FORMAT}"),
        (
            all(isinstance(att[n], str) and att[n] for n in ("report_id", "officer_id")),
            "report_id and officer_id are non-empty strings",
        ),
        (
            all(_hex64(att[n]) for n in ("report_entry_hash", "officer_key_id")),
            "report_entry_hash and officer_key_id are lowercase sha256 hex digests",
        ),
        (
            all(att[n] is None or isinstance(att[n], str) for n in ("justification", "note")),
            "justification and note are strings or null",
        ),
        (
            statement in STATEMENTS,
            f"statement must be one of {', '.join(STATEMENTS)}, not {statement!r}",
        ),
        (
            statement not in ("approved-with-exceptions", "withdrawn") or bool(justification),
            f"a '{statement}' statement needs a justification",
        ),
        (
            (statement == "withdrawn") == (withdraws is not None),
            "a 'withdrawn' statement, and only it, names the attestation it withdraws",
        ),
        (
            withdraws is None or _hex64(withdraws),
            "withdraws is the entry hash of an earlier attestation",
        ),
        (
            isinstance(att["time"], str) and _TIME.match(att["time"]) is not None,
            "time is ISO 8601 UTC with a Z, e.g. 2026-12-07T19:00:00Z",
        ),
    ]
    return next((message for holds, message in checks if not holds), None)


def _hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.match(value) is not None


def attestation_bytes(attestation: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of the attestation: the exact bytes an officer signs."""
    return bytes(rfc8785.dumps(dict(attestation)))


def sign_attestation(key: Ed25519PrivateKey, attestation: Mapping[str, Any]) -> str:
    """The officer's Ed25519 signature (hex) of :func:`attestation_bytes`."""
    return key.sign(attestation_bytes(attestation)).hex()


def verify_attestation_signature(
    public: bytes, attestation: Mapping[str, Any], signature: object
) -> bool:
    """Whether ``signature`` (hex) is ``public``'s signature of the attestation's bytes."""
    if not isinstance(signature, str) or not _HEX128.match(signature) or len(public) != 32:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            bytes.fromhex(signature), attestation_bytes(attestation)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def officer_entry_fields(
    *, officer_id: str, name: str, role: str, email: str, public_key: bytes
) -> dict[str, Any]:
    """The ``extra`` fields of the ledger entry registering an officer and their key."""
    return {
        "action": "register",
        "officer": {
            "id": officer_id,
            "name": name,
            "role": role,
            "email": email,
            "key_id": key_fingerprint(public_key),
            "public_key": public_key.hex(),
        },
    }


def revocation_entry_fields(*, officer_id: str, key_id: str) -> dict[str, Any]:
    """The ``extra`` fields of the ledger entry revoking an officer's key."""
    return {"action": "revoke-key", "officer_id": officer_id, "officer_key_id": key_id}


@dataclass(frozen=True)
class AttestationCheck:
    """One attestation of a chain as :func:`attestation_problems` found it."""

    seq: int
    entry_hash: str
    report_id: str
    statement: str
    time: str
    officer_id: str
    officer_name: str | None
    officer_role: str | None
    justification: str | None
    note: str | None
    withdraws: str | None
    verified: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class _Officer:
    name: str
    role: str
    key_id: str
    public: bytes
    revoked: bool = False


def attestation_problems(
    entries: Sequence[Mapping[str, Any]],
) -> tuple[list[str], list[AttestationCheck]]:
    """Every problem of the chain's officer and attestation entries (see the module
    docstring), and every attestation found, each with its own problems. Sealed entries
    (another report's, withheld) are skipped: their content cannot be read."""
    officers: dict[str, _Officer] = {}
    reports: dict[str, tuple[str | None, bool]] = {}  # entry hash → (report id, sealed)
    attestations: dict[str, tuple[str, str]] = {}  # entry hash → (officer, report)
    seen_signatures: set[str] = set()
    problems: list[str] = []
    checks: list[AttestationCheck] = []
    for index, entry in enumerate(entries):
        where = f"ledger line {index + 1}"
        digest = entry.get("entry_hash")
        kind = entry.get("kind")
        if "sealed" in entry:
            if isinstance(digest, str):
                reports[digest] = (None, True)
            continue
        if kind == "report" and isinstance(digest, str):
            report_id = entry.get("report_id")
            reports[digest] = (report_id if isinstance(report_id, str) else None, False)
        elif kind == "officer":
            problems += _officer_problems(where, entry, officers)
        elif kind == "attestation":
            check = _check_attestation(
                where, index + 1, entry, officers, reports, attestations, seen_signatures
            )
            checks.append(check)
            problems += check.problems
    return problems, checks


def _officer_problems(
    where: str, entry: Mapping[str, Any], officers: dict[str, _Officer]
) -> list[str]:
    action = entry.get("action")
    if action == "register":
        return _registration_problems(where, entry.get("officer"), officers)
    if action == "revoke-key":
        officer = officers.get(str(entry.get("officer_id")))
        if officer is None or officer.key_id != entry.get("officer_key_id"):
            return [f"{where}: revokes a key no registered officer holds"]
        officer.revoked = True
        return []
    return [f"{where}: an officer entry with unknown action {action!r}"]


def _registration_problems(where: str, info: object, officers: dict[str, _Officer]) -> list[str]:
    if not isinstance(info, dict) or not all(
        isinstance(info.get(k), str)
        for k in ("id", "name", "role", "email", "key_id", "public_key")
    ):
        return [f"{where}: an officer registration without its officer's fields"]
    public_hex = info["public_key"]
    if not _hex64(public_hex) or key_fingerprint(bytes.fromhex(public_hex)) != info["key_id"]:
        return [f"{where}: the officer's key_id is not the fingerprint of their public key"]
    known = officers.get(info["id"])
    if known is not None and not known.revoked:
        return [f"{where}: officer {info['id']} is registered again while their key is valid"]
    officers[info["id"]] = _Officer(
        info["name"], info["role"], info["key_id"], bytes.fromhex(public_hex)
    )
    return []


def _check_attestation(
    where: str,
    seq: int,
    entry: Mapping[str, Any],
    officers: dict[str, _Officer],
    reports: dict[str, tuple[str | None, bool]],
    attestations: dict[str, tuple[str, str]],
    seen_signatures: set[str],
) -> AttestationCheck:
    att = entry.get("attestation")
    digest = str(entry.get("entry_hash"))
    if not isinstance(att, dict) or (form := _form_problem(att)) is not None:
        reason = "no attestation object" if not isinstance(att, dict) else form
        return AttestationCheck(
            seq, digest, "?", "?", "?", "?", None, None, None, None, None, False,
            [f"{where}: a malformed attestation ({reason})"],
        )  # fmt: skip
    problems = []
    officer = officers.get(att["officer_id"])
    if officer is None:
        problems.append(f"{where}: officer {att['officer_id']} is not registered before it")
    elif officer.key_id != att["officer_key_id"]:
        problems.append(f"{where}: signed with a key that is not officer {att['officer_id']}'s")
    elif officer.revoked:
        problems.append(f"{where}: officer {att['officer_id']}'s key was revoked before it")
    named = reports.get(att["report_entry_hash"])
    if named is None:
        problems.append(f"{where}: names no earlier report entry of the ledger")
    elif not named[1] and named[0] != att["report_id"]:
        problems.append(f"{where}: the named report entry is not report {att['report_id']}'s")
    signature = entry.get("officer_signature")
    if officer is not None and not verify_attestation_signature(officer.public, att, signature):
        problems.append(f"{where}: the officer's signature does not verify (forged or altered)")
    if isinstance(signature, str):
        if signature in seen_signatures:
            problems.append(f"{where}: the same signed attestation appears again (replayed)")
        seen_signatures.add(signature)
    if _after(att["time"], entry.get("time")):
        problems.append(f"{where}: the attestation is dated after its ledger entry")
    if att["withdraws"] is not None:
        earlier = attestations.get(att["withdraws"])
        if earlier != (att["officer_id"], att["report_id"]):
            problems.append(
                f"{where}: withdraws no earlier attestation of the same officer on this report"
            )
    attestations[digest] = (att["officer_id"], att["report_id"])
    return AttestationCheck(
        seq=seq,
        entry_hash=digest,
        report_id=att["report_id"],
        statement=att["statement"],
        time=att["time"],
        officer_id=att["officer_id"],
        officer_name=officer.name if officer else None,
        officer_role=officer.role if officer else None,
        justification=att["justification"],
        note=att["note"],
        withdraws=att["withdraws"],
        verified=not problems,
        problems=problems,
    )


def _after(time: str, entry_time: object) -> bool:
    """Whether ``time`` is later than the entry's time (both ISO 8601 UTC with a Z)."""
    if not isinstance(entry_time, str):
        return False
    try:
        return dt.datetime.fromisoformat(time) > dt.datetime.fromisoformat(entry_time)
    except ValueError:
        return True


def is_signed_off(checks: Sequence[AttestationCheck]) -> bool:
    """Signed off: at least one verified ``approved`` or ``approved-with-exceptions``
    attestation that no verified ``withdrawn`` attestation names."""
    withdrawn = {c.withdraws for c in checks if c.verified and c.withdraws}
    return any(
        c.verified and c.statement in APPROVALS and c.entry_hash not in withdrawn for c in checks
    )
