"""The regulatory catalogue: which clauses of which regime a report's rules give evidence for.

One YAML file per regime in ``compliance/data/regimes/`` (shipped as data, versioned by
its ``catalogue_version``): the regime's name, status (``in-force``, ``voluntary``,
``draft``, ``superseded``), its sources, the dates from which its obligations apply, and
its clauses, each with the metric ids (shell patterns) whose findings are evidence for it
and what the report does not cover (``gap``). A policy's rule may declare the clauses it
gives evidence for (``clauses: [eu-ai-act:art-15]``, checked against this catalogue when
the policy is added): for a regime it declares clauses of, the declaration replaces the
metric patterns. Citations are only those verified against
the sources listed in the file.

:func:`map_findings` turns a report's findings into the "Regulatory mapping": per clause,
the rules that provide evidence and their verdicts, the clause's gap, and the clauses no
rule of the report covers; :func:`applicable_dates` says which application dates have
passed on the report's issue date.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compliance.domain.manifest import ClauseEvidence, MappedClause, MappedRegime
from compliance.errors import InputError

__all__ = [
    "Clause",
    "ClauseMapping",
    "Regime",
    "RegimeMapping",
    "applicable_dates",
    "load_catalogue",
    "map_findings",
    "to_manifest",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://")


class Applies(_Strict):
    from_: dt.date = Field(alias="from")
    scope: str = Field(min_length=1)


class Clause(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    citation: str = Field(min_length=1)
    title: str = Field(min_length=1)
    evidence: list[str] = Field(description="metric ids (shell patterns) that evidence it")
    gap: str | None = None


class Regime(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str = Field(min_length=1)
    catalogue_version: str = Field(min_length=1)
    status: Literal["in-force", "voluntary", "draft", "superseded"]
    superseded_by: str | None = None
    sources: list[Source] = Field(min_length=1)
    applies: list[Applies]
    clauses: list[Clause]
    not_covered: str | None = None


def load_catalogue(directory: Path) -> dict[str, Regime]:
    """Every ``*.yaml`` regime of ``directory`` by id; an InputError names the file and
    field of the first problem (the file's name must be its id)."""
    regimes: dict[str, Regime] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            regime = Regime.model_validate(data)
        except yaml.YAMLError as exc:
            raise InputError(f"is not YAML ({exc})", file=str(path)) from None
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise InputError(error["msg"], file=str(path), field=where) from None
        if regime.id != path.stem:
            raise InputError(f"is not the file's name {path.stem!r}", file=str(path), field="id")
        if regime.status == "superseded" and not regime.superseded_by:
            raise InputError("a superseded regime names what superseded it", file=str(path))
        regimes[regime.id] = regime
    return regimes


@dataclass(frozen=True)
class RuleEvidence:
    rule_id: str
    metric: str
    verdict: str


@dataclass(frozen=True)
class ClauseMapping:
    citation: str
    title: str
    rules: list[RuleEvidence]
    gap: str | None

    @property
    def covered(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class RegimeMapping:
    regime: str
    name: str
    catalogue_version: str
    status: str
    superseded_by: str | None
    applicable: list[str]
    not_yet_applicable: list[str]
    clauses: list[ClauseMapping]
    not_covered: list[str]


def applicable_dates(regime: Regime, on: dt.date) -> tuple[list[str], list[str]]:
    """The regime's application dates that have passed on ``on`` and those still ahead,
    each as ``"YYYY-MM-DD: scope"``."""
    passed = [f"{a.from_.isoformat()}: {a.scope}" for a in regime.applies if a.from_ <= on]
    ahead = [f"{a.from_.isoformat()}: {a.scope}" for a in regime.applies if a.from_ > on]
    return passed, ahead


def map_findings(
    regimes: Mapping[str, Regime],
    names: Iterable[str],
    findings: Sequence[tuple[str, str, str] | tuple[str, str, str, Sequence[str] | None]],
    on: dt.date,
) -> list[RegimeMapping]:
    """The regulatory mapping of findings ``(rule id, metric id, verdict[, declared
    clauses])`` for the regimes ``names`` (a policy's ``regimes``): per clause, the rules
    that declare it (``regime:clause``) or, for a rule that declares no clause of that
    regime, whose metric matches one of its evidence patterns; a name missing from the
    catalogue is reported, not dropped."""
    mappings = []
    for name in names:
        regime = regimes.get(name)
        if regime is None:
            mappings.append(
                RegimeMapping(
                    name,
                    name,
                    "-",
                    "unknown",
                    None,
                    [],
                    [],
                    [],
                    [f"'{name}' is not in the regulatory catalogue"],
                )
            )
            continue
        clauses = [
            ClauseMapping(
                citation=clause.citation,
                title=clause.title,
                rules=[
                    RuleEvidence(rule, metric, verdict)
                    for rule, metric, verdict, *declared in findings
                    if _evidences(regime.id, clause, metric, declared[0] if declared else None)
                ],
                gap=clause.gap,
            )
            for clause in regime.clauses
        ]
        passed, ahead = applicable_dates(regime, on)
        not_covered = [f"{c.citation}: no rule of this report gives evidence" for c in clauses
                       if not c.covered]  # fmt: skip
        if regime.not_covered:
            not_covered.append(regime.not_covered)
        mappings.append(
            RegimeMapping(
                regime=regime.id,
                name=regime.name,
                catalogue_version=regime.catalogue_version,
                status=regime.status,
                superseded_by=regime.superseded_by,
                applicable=passed,
                not_yet_applicable=ahead,
                clauses=clauses,
                not_covered=not_covered,
            )
        )
    return mappings


def _evidences(regime: str, clause: Clause, metric: str, declared: Sequence[str] | None) -> bool:
    """A rule that declares clauses of ``regime`` evidences exactly those of its clauses;
    one that declares none of that regime's evidences the clauses whose metric patterns
    its metric matches (the catalogue's fallback)."""
    mine = [ref for ref in declared or () if ref.startswith(f"{regime}:")]
    if mine:
        return f"{regime}:{clause.id}" in mine
    return any(fnmatch.fnmatchcase(metric, p) for p in clause.evidence)


def to_manifest(mappings: Sequence[RegimeMapping]) -> list[MappedRegime]:
    """The mapping as the manifest carries it (rule ids and verdicts per clause)."""
    return [
        MappedRegime(
            regime=m.regime,
            name=m.name,
            catalogue_version=m.catalogue_version,
            status=m.status,
            superseded_by=m.superseded_by,
            applicable=m.applicable,
            not_yet_applicable=m.not_yet_applicable,
            clauses=[
                MappedClause(
                    citation=c.citation,
                    title=c.title,
                    rules=[ClauseEvidence(rule_id=r.rule_id, verdict=r.verdict) for r in c.rules],
                    gap=c.gap,
                )
                for c in m.clauses
            ],
            not_covered=m.not_covered,
        )
        for m in mappings
    ]
