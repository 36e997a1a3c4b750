"""The JSON Schemas published in ``schemas/``, generated from the domain's contracts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from compliance.domain.attestation import attestation_json_schema
from compliance.domain.manifest import manifest_json_schema
from compliance.domain.policy import policy_json_schema
from compliance.domain.records import record_json_schema

__all__ = ["SCHEMAS", "render_schema"]

SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "attestation.schema.json": attestation_json_schema,
    "evaluation-record.schema.json": record_json_schema,
    "policy.schema.json": policy_json_schema,
    "report.schema.json": manifest_json_schema,
}


def render_schema(name: str) -> str:
    """The exact text of ``schemas/<name>``: sorted keys, two-space indent, final newline."""
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
