"""The report manifest: the authoritative, canonical JSON of one audit (DESIGN.md, "Audit reports").

HTML and PDF are renderings of it; the ledger signs its sha256. Two rules keep it
verifiable byte for byte:

- every number is a **decimal string** (``"0.8125"``; the shortest text that reads back as
  the same binary float), so no JSON library can reformat it;
- the bytes are **RFC 8785 canonical JSON** (:func:`canonical_bytes`): sorted keys, no
  whitespace, so the same inputs always give the same bytes and the same sha256.

Sections follow the report's order: identity, summary, scope, data, metrics (sections A-D),
findings, trend, method. The ``report`` block (version, supersedes) is set when a report
is issued; the integrity section of a report comes from its ledger entry, not from here.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EXAMPLE_CHARS",
    "MANIFEST_SCHEMA_ID",
    "AnswerExample",
    "ClauseEvidence",
    "DataSummary",
    "FindingEntry",
    "Identity",
    "MappedClause",
    "MappedRegime",
    "Method",
    "MetricEntry",
    "ModelRef",
    "PolicyRef",
    "ReportManifest",
    "ReportRef",
    "RunRef",
    "Scope",
    "Summary",
    "SummaryLine",
    "TrendPoint",
    "canonical_bytes",
    "dec",
    "manifest_json_schema",
    "manifest_sha256",
]

MANIFEST_SCHEMA_ID = "urn:compliance:schema:report:1"
#: the longest raw response an example shows, in characters
EXAMPLE_CHARS = 300
Decimal = str | None


def dec(value: float | int | None) -> str | None:
    """A number as its decimal string (shortest round-trip form); ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = repr(float(value))
    return "0.0" if text == "-0.0" else text


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelRef(_Frozen):
    name: str
    version: str
    version_id: str
    owner: str | None
    intended_use: str | None
    risk_tier: str | None


class PolicyRef(_Frozen):
    name: str
    version: str
    sha256: str
    regimes: list[str]
    decision_mode: str
    min_sample_per_group: str


class RunRef(_Frozen):
    id: str
    benchmark: str
    format: str
    origin: str
    records: str
    sha256: str
    ingested_at: str


class ReportRef(_Frozen):
    id: str
    series: str
    version: str
    supersedes: str | None
    issued_at: str | None = None


class Identity(_Frozen):
    audit_id: str
    audit_key: str
    trigger: str
    slot: str | None
    audited_at: str
    period_start: str
    period_end: str
    model: ModelRef
    policy: PolicyRef
    code_version: str
    runs: list[RunRef]
    input_sha256: str = Field(description="sha256 over the runs' content hashes and the policy")


class SummaryLine(_Frozen):
    rule_id: str
    severity: str
    verdict: str
    line: str


class Summary(_Frozen):
    verdict: Literal["pass", "fail", "inconclusive"]
    counts: dict[str, str]
    lines: list[SummaryLine] = Field(description="one line per rule, worst first")


class Scope(_Frozen):
    intended_use: str | None
    covers: list[str]
    not_measured: list[str]


class DataSummary(_Frozen):
    records: str
    baseline_records: str
    unparsed_records: str
    refused_records: str
    benchmarks: dict[str, str]
    groups: dict[str, dict[str, str]] = Field(
        description="records per group, per dimension (persona, attributes, intersections)"
    )
    unknown_groups: dict[str, str] = Field(description="records with no group, per dimension")
    excluded: dict[str, str] = Field(description="records left out of a metric, with why")


class MetricEntry(_Frozen):
    metric: str
    section: str
    dimension: str
    group: str | None
    status: str
    estimate: Decimal
    ci_low: Decimal
    ci_high: Decimal
    n: str
    p_value: Decimal
    detail: dict[str, str]


class FindingEntry(_Frozen):
    rule_id: str
    metric: str
    dimension: str
    group: str | None
    severity: str
    mode: str
    comparison: str
    threshold: str
    value: Decimal
    ci_low: Decimal
    ci_high: Decimal
    n: str | None
    verdict: str
    reason: str
    text: str | None
    detectable: Decimal = Field(
        default=None,
        description="how far beyond the threshold the true value must be for the rule to "
        "fail with probability 0.8 at this sample (absent before it existed)",
    )
    items_needed: str | None = Field(
        default=None, description="an inconclusive rule: about how many items would decide it"
    )
    clauses: list[str] | None = Field(
        default=None,
        description="the catalogue clauses ('regime:clause') the rule declares it gives "
        "evidence for (absent when the rule declares none, and before it existed)",
    )


class TrendPoint(_Frozen):
    report_id: str
    version: str
    issued_at: str
    verdict: str
    values: dict[str, Decimal] = Field(description="rule id -> the finding's value")
    verdicts: dict[str, str] = Field(
        default_factory=dict, description="rule id -> the finding's verdict"
    )


class Method(_Frozen):
    confidence: str
    bootstrap_resamples: str
    bootstrap_unit: str
    seed: str
    proportion_interval: str
    tests: list[str]
    definitions: dict[str, str]
    min_detectable_gaps: dict[str, str]
    refusal_classifier: str | None = Field(
        default=None,
        description="the version of the refusal patterns the importers apply (a source may "
        "add patterns of its own: its configuration says so)",
    )
    mc_scoring: dict[str, str] | None = Field(
        default=None,
        description="benchmark of a live probe -> how its replies were read: text (a "
        "multiple-choice reply by the letter it names) or logprobs (by the most probable "
        "letter as the first token)",
    )


class AnswerExample(_Frozen):
    """One answer that was not correct, as the model gave it: the evidence behind a rate."""

    item_id: str
    persona: str = Field(description="the persona's id, or (baseline)")
    outcome: Literal["incorrect", "refused", "unparsed"]
    expected: str | None
    response: str = Field(description=f"the raw response, at most {EXAMPLE_CHARS} characters")


class ClauseEvidence(_Frozen):
    rule_id: str
    verdict: str


class MappedClause(_Frozen):
    citation: str
    title: str
    rules: list[ClauseEvidence] = Field(description="the rules whose findings evidence it")
    gap: str | None = Field(description="what the report does not cover of the clause")


class MappedRegime(_Frozen):
    """One regime of the policy, mapped (see :mod:`compliance.domain.regimes`)."""

    regime: str
    name: str
    catalogue_version: str
    status: str
    superseded_by: str | None
    applicable: list[str] = Field(description="application dates passed on the issue date")
    not_yet_applicable: list[str]
    clauses: list[MappedClause]
    not_covered: list[str]


class ReportManifest(_Frozen):
    """One audit, complete: what a report shows and what the ledger signs."""

    schema_id: Literal["urn:compliance:schema:report:1"] = Field(
        default="urn:compliance:schema:report:1", alias="schema"
    )
    identity: Identity
    report: ReportRef | None = None
    summary: Summary
    scope: Scope
    data: DataSummary
    metrics: list[MetricEntry]
    findings: list[FindingEntry]
    trend: list[TrendPoint] = Field(default_factory=list)
    method: Method
    examples: list[AnswerExample] | None = Field(
        default=None,
        description="a few answers per persona and outcome that were not correct (absent "
        "from manifests made before it existed)",
    )
    regulatory_mapping: list[MappedRegime] | None = Field(
        default=None,
        description="the findings mapped onto the clauses of the regimes the policy names, "
        "as of the issue date (absent from manifests made before it existed)",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


#: fields added after manifests were first issued (top level, and of each finding and the
#: method): left out of the canonical JSON when absent, so that an earlier manifest read
#: back gives its own bytes again
_LATER_FIELDS = ("examples", "regulatory_mapping")
_LATER_FINDING_FIELDS = ("detectable", "items_needed", "clauses")
_LATER_METHOD_FIELDS = ("refusal_classifier", "mc_scoring")


def _drop_absent(data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if data.get(name) is None:
            data.pop(name, None)


def canonical_bytes(manifest: ReportManifest) -> bytes:
    """RFC 8785 canonical JSON of the manifest: the bytes that are hashed and signed."""
    data: Any = manifest.model_dump(mode="json", by_alias=True)
    _drop_absent(data, _LATER_FIELDS)
    _drop_absent(data["method"], _LATER_METHOD_FIELDS)
    for finding in data["findings"]:
        _drop_absent(finding, _LATER_FINDING_FIELDS)
    return bytes(rfc8785.dumps(data))


def manifest_sha256(manifest: ReportManifest) -> str:
    return hashlib.sha256(canonical_bytes(manifest)).hexdigest()


def manifest_json_schema() -> dict[str, Any]:
    schema = ReportManifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = MANIFEST_SCHEMA_ID
    return schema
