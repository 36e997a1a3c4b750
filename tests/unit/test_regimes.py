"""The regulatory catalogue as shipped, and the mapping of findings onto its clauses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compliance.domain.regimes import load_catalogue, map_findings
from compliance.errors import InputError
from compliance.paths import bundled_data

CATALOGUE = load_catalogue(bundled_data("regimes"))
FINDINGS = [
    ("accuracy-gap", "truth.accuracy.gap", "fail"),
    ("flip-rate", "truth.consistency.flip_rate", "pass"),
    ("impact", "outcome.impact_ratio", "inconclusive"),
]


def test_the_shipped_catalogue_is_complete_and_sourced() -> None:
    assert set(CATALOGUE) == {
        "eu-ai-act", "nist-ai-rmf", "nyc-ll144", "iso-42001", "cen-cenelec-pren-18283",
        "colorado-sb24-205",
    }  # fmt: skip
    for regime in CATALOGUE.values():
        assert regime.sources and all(s.url.startswith("https://") for s in regime.sources)
    assert CATALOGUE["cen-cenelec-pren-18283"].status == "draft"
    colorado = CATALOGUE["colorado-sb24-205"]
    assert colorado.status == "superseded" and "SB 26-189" in str(colorado.superseded_by)
    assert colorado.clauses == []  # no obligation of the replacement is invented
    eu = {c.citation for c in CATALOGUE["eu-ai-act"].clauses}
    assert {"Art. 9", "Art. 10(2)(f)", "Art. 10(2)(g)", "Art. 10(5)", "Art. 15", "Art. 72",
            "Annex IV, point 2(g)"} == eu  # fmt: skip
    assert {c.citation for c in CATALOGUE["nist-ai-rmf"].clauses} == {"MEASURE 2.11", "MEASURE 2.5"}


def test_findings_map_to_the_clauses_they_evidence_and_gaps_are_named() -> None:
    [eu, unknown] = map_findings(
        CATALOGUE, ["eu-ai-act", "made-up"], FINDINGS, dt.date(2026, 12, 7)
    )
    by_citation = {c.citation: c for c in eu.clauses}
    assert [r.rule_id for r in by_citation["Art. 10(2)(f)"].rules] == ["accuracy-gap", "impact"]
    assert [(r.rule_id, r.verdict) for r in by_citation["Art. 15"].rules] == [
        ("accuracy-gap", "fail"), ("flip-rate", "pass"),
    ]  # fmt: skip
    assert by_citation["Art. 10(5)"].rules == []
    assert "Art. 10(5): no rule of this report gives evidence" in eu.not_covered
    assert "Art. 72: no rule of this report gives evidence" in eu.not_covered
    assert eu.applicable == [] and len(eu.not_yet_applicable) == 2
    assert unknown.not_covered == ["'made-up' is not in the regulatory catalogue"]


def test_the_application_dates_follow_the_issue_date() -> None:
    [eu] = map_findings(CATALOGUE, ["eu-ai-act"], FINDINGS, dt.date(2028, 1, 1))
    [annex_iii] = eu.applicable
    assert annex_iii.startswith("2027-12-02: high-risk obligations for Annex III systems")
    assert eu.not_yet_applicable[0].startswith("2028-08-02: high-risk obligations for Annex I")


def test_a_bad_catalogue_file_is_named_with_its_field(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "id: x\nname: X\ncatalogue_version: '1'\nstatus: enacted\nsources: []\n"
        "applies: []\nclauses: []\n"
    )
    with pytest.raises(InputError, match=r"x\.yaml: field 'status'"):
        load_catalogue(tmp_path)
    (tmp_path / "x.yaml").write_text(
        "id: y\nname: X\ncatalogue_version: '1'\nstatus: draft\n"
        "sources: [{title: t, url: 'https://example.org'}]\napplies: []\nclauses: []\n"
    )
    with pytest.raises(InputError, match="is not the file's name 'x'"):
        load_catalogue(tmp_path)


def test_declared_clauses_replace_the_patterns_of_their_regime_only() -> None:
    findings = [
        ("accuracy-gap", "truth.accuracy.gap", "fail", ["eu-ai-act:art-10-2-f"]),
        ("worst", "truth.accuracy.worst_group", "pass", None),
    ]
    [eu, nist] = map_findings(
        CATALOGUE, ["eu-ai-act", "nist-ai-rmf"], findings, dt.date(2026, 12, 7)
    )
    by_citation = {c.citation: [r.rule_id for r in c.rules] for c in eu.clauses}
    # declared: only Art. 10(2)(f), although its metric matches Art. 15's patterns too
    assert by_citation["Art. 10(2)(f)"] == ["accuracy-gap", "worst"]
    assert by_citation["Art. 15"] == ["worst"]
    assert by_citation["Annex IV, point 2(g)"] == ["worst"]
    # no clause of NIST declared: the catalogue's patterns decide
    nist_by = {c.citation: [r.rule_id for r in c.rules] for c in nist.clauses}
    assert nist_by["MEASURE 2.5"] == ["accuracy-gap", "worst"]
