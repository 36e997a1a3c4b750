"""The officer attestation contract: statement kinds and the JSON Schema of what is signed.

The checks and signatures are :mod:`compliance.reporting.attestation`'s; this module holds
what is published (``schemas/attestation.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "APPROVALS",
    "ATTESTATION_FORMAT",
    "STATEMENTS",
    "AttestationView",
    "attestation_json_schema",
]

ATTESTATION_FORMAT = "compliance-attestation-v1"
STATEMENTS = ("reviewed", "approved", "approved-with-exceptions", "rejected", "withdrawn")
APPROVALS = ("approved", "approved-with-exceptions")

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_TEXT_OR_NULL = {"type": ["string", "null"]}


def attestation_json_schema() -> dict[str, Any]:
    """The JSON Schema of an attestation: the object whose RFC 8785 canonical bytes the
    officer signs with Ed25519 (``officer_signature`` in its ledger entry)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:compliance:schema:attestation:1",
        "title": "Officer attestation on a report",
        "description": (
            "An accountable person's signed statement on one report version. The officer "
            "signs the RFC 8785 canonical JSON of this object with their own Ed25519 key; "
            "the ledger entry of kind 'attestation' carries it with 'officer_signature' (hex) "
            "and is signed by the service's ledger key too. A withdrawal is a new attestation."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": [
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
        ],
        "properties": {
            "format": {"const": ATTESTATION_FORMAT},
            "report_id": {"type": "string", "minLength": 1},
            "report_entry_hash": {
                **_HEX64,
                "description": "entry_hash of the report's ledger entry (binds the version)",
            },
            "officer_id": {"type": "string", "minLength": 1},
            "officer_key_id": {**_HEX64, "description": "sha256 of the officer's raw public key"},
            "statement": {"enum": list(STATEMENTS)},
            "justification": {
                **_TEXT_OR_NULL,
                "description": "required for approved-with-exceptions and withdrawn",
            },
            "note": _TEXT_OR_NULL,
            "withdraws": {
                "type": ["string", "null"],
                "pattern": "^[0-9a-f]{64}$",
                "description": "withdrawn only: entry_hash of the attestation withdrawn",
            },
            "time": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$",
            },
        },
    }


# One attestation as read back from the ledger, with the result of checking it (a comment,
# not a docstring: the API publishes this class, and a docstring would become its schema's
# description).
@dataclass(frozen=True)
class AttestationView:
    id: str
    ledger_seq: int
    entry_hash: str
    officer_id: str
    officer_name: str
    officer_role: str
    officer_key_id: str
    statement: str
    justification: str | None
    note: str | None
    withdraws: str | None
    time: str
    recorded_at: str
    verified: bool
    problems: list[str]
