"""Policies: versioned thresholds that turn metrics into verdicts.

A policy is written in YAML, validated by :class:`PolicySpec` (JSON Schema in
``schemas/policy.schema.json``) and stored immutably by content sha256. Each rule names a
metric of the catalog, the dimension its groups come from, a comparison with a threshold
on the metric's own scale, a severity and a decision mode (METRICS.md, "How a rule turns a
metric into a verdict").

:func:`parse_policy_yaml` reports every problem as one :class:`~compliance.errors.InputError`
with the line of the YAML file it is on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from compliance.domain.metric_catalog import CATALOG
from compliance.errors import InputError

__all__ = [
    "Comparison",
    "DecisionMode",
    "PolicySpec",
    "RuleSpec",
    "Severity",
    "parse_policy_yaml",
    "policy_json_schema",
    "policy_sha256",
]

Comparison = Literal["<=", ">=", "<", ">"]
Severity = Literal["critical", "major", "minor"]
DecisionMode = Literal["point", "confidence"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
_CLAUSE_REF = r"^[a-z0-9-]+:[a-z0-9-]+$"
_DIMENSION = re.compile(
    r"^(persona|bbq\.category|[A-Za-z_][A-Za-z0-9_.-]*([×*][A-Za-z_][A-Za-z0-9_.-]*)*)$"
)


class RuleSpec(BaseModel):
    """One threshold on one metric for one dimension."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug = Field(description="stable id of the rule within the policy")
    metric: str = Field(description="a metric id of the catalog (METRICS.md)")
    dimension: str = Field(
        default="persona",
        description="'persona', one attribute ('gender'), an intersection ('gender×age_band') "
        "or 'bbq.category'",
    )
    comparison: Comparison = Field(description="the metric must be <comparison> threshold to pass")
    threshold: float = Field(allow_inf_nan=False)
    severity: Severity
    mode: DecisionMode | None = Field(
        default=None, description="point or confidence; default: the policy's decision_mode"
    )
    text: str | None = Field(default=None, description="shown in the report beside the finding")
    clauses: list[Annotated[str, StringConstraints(pattern=_CLAUSE_REF)]] | None = Field(
        default=None,
        description="the clauses of the regulatory catalogue this rule gives evidence for, "
        "'regime:clause' (e.g. eu-ai-act:art-15), each of a regime the policy names; "
        "without it, the catalogue's metric patterns decide",
    )

    @field_validator("dimension")
    @classmethod
    def _canonical_dimension(cls, value: str) -> str:
        """``gender * age_band`` and ``gender×age_band`` name the same intersection."""
        return "×".join(part.strip() for part in value.replace("*", "×").split("×"))

    @model_validator(mode="after")
    def _known_metric(self) -> RuleSpec:
        metric = CATALOG.get(self.metric)
        if metric is None:
            raise _Located(["metric"], f"unknown metric id '{self.metric}'", self.metric)
        if not _DIMENSION.match(self.dimension):
            raise _Located(
                ["dimension"],
                "must be 'persona', an attribute, 'a×b' or 'bbq.category'",
                self.dimension,
            )
        low, high = metric.low, metric.high
        if (low is not None and self.threshold < low) or (
            high is not None and self.threshold > high
        ):
            lo_text = "-inf" if low is None else f"{low:g}"
            hi_text = "inf" if high is None else f"{high:g}"
            shown = f"[{lo_text}, {hi_text}]"
            raise _Located(
                ["threshold"], f"is outside {self.metric}'s range {shown}", self.threshold
            )
        return self


class PolicySpec(BaseModel):
    """A policy version as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")]
    description: str = ""
    regimes: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] = Field(
        default_factory=list,
        description="ids of the regulatory catalogue (compliance regimes list), such as "
        "eu-ai-act, nyc-ll144, nist-ai-rmf",
    )
    decision_mode: DecisionMode = "confidence"
    min_sample_per_group: int = Field(default=30, ge=1, le=1_000_000)
    bootstrap_resamples: int = Field(default=2000, ge=100, le=100_000)
    rules: list[RuleSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> PolicySpec:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise _Located(["rules", index, "id"], "repeats an earlier rule id", rule.id)
            seen.add(rule.id)
        return self

    @model_validator(mode="after")
    def _known_regimes_and_clauses(self, info: ValidationInfo) -> PolicySpec:
        """Against the catalogue passed as validation context ``{"regimes": {id: clause
        ids}}`` (a new policy); without it (a stored policy read back) nothing is checked."""
        known = (info.context or {}).get("regimes")
        if known is None:
            return self
        listed = ", ".join(sorted(known))
        for index, regime in enumerate(self.regimes):
            if regime not in known:
                raise _Located(
                    ["regimes", index], f"unknown regime id '{regime}' (known: {listed})", regime
                )
        for r_index, rule in enumerate(self.rules):
            for c_index, ref in enumerate(rule.clauses or []):
                regime, clause = ref.split(":", 1)
                where: list[str | int] = ["rules", r_index, "clauses", c_index]
                if regime not in self.regimes:
                    mine = ", ".join(self.regimes) or "none"
                    raise _Located(
                        where, f"names regime '{regime}', not one of the policy's ({mine})", ref
                    )
                if clause not in known[regime]:
                    clauses = ", ".join(f"{regime}:{c}" for c in known[regime])
                    raise _Located(where, f"unknown clause of {regime} (known: {clauses})", ref)
        return self

    def mode_of(self, rule: RuleSpec) -> DecisionMode:
        return rule.mode or self.decision_mode


class _Located(ValueError):
    """A validation problem of one field below the model that found it."""

    def __init__(self, path: list[str | int], message: str, value: object) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.value = value


def policy_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_json_schema() -> dict[str, Any]:
    schema = PolicySpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:compliance:schema:policy:1"
    return schema


def parse_policy_yaml(
    text: str, *, file: str, regimes: Mapping[str, Sequence[str]] | None = None
) -> PolicySpec:
    """Validate a policy's YAML; any problem is an :class:`InputError` at its line.

    ``regimes`` (the catalogue: regime id → its clause ids) checks ``regimes`` and each
    rule's ``clauses`` against it: a new policy is checked, a stored one is read as it was
    accepted."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
            file=file,
            line=None if mark is None else mark.line + 1,
            hint="check indentation and quoting",
        ) from None
    if not isinstance(data, dict) or root is None:
        raise InputError(
            "a policy is a YAML mapping", file=file, line=1, hint="see compliance/data/policies/"
        )
    try:
        return PolicySpec.model_validate(data, context={"regimes": regimes})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = list(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but missing"
        elif error["type"] == "extra_forbidden":
            message = "is not a policy field"
        value = error.get("input") if not isinstance(error.get("input"), dict | list) else None
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _Located):
            loc, message, value = loc + cause.path, cause.message, cause.value
        raise InputError(
            message,
            file=file,
            line=_line_of(root, loc),
            field=".".join(str(part) for part in loc) or None,
            value=value,
            hint="see schemas/policy.schema.json and the examples in compliance/data/policies/",
        ) from None


def _line_of(node: yaml.Node, loc: list[str | int]) -> int:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.value == part:
                    line = key.start_mark.line + 1
                    child = value
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
