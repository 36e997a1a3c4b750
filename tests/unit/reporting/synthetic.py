"""A small, hand-written manifest that exercises every chart and section of the report.

Three personas (one with an HTML- and math-hostile name), a drop vs the baseline with
Holm-adjusted p-values, every persona pair's disagreement, a per-user preference
histogram, an intersection dimension, and two earlier versions in the trend.
"""

from __future__ import annotations

from compliance.domain.manifest import (
    DataSummary,
    FindingEntry,
    Identity,
    Method,
    MetricEntry,
    ModelRef,
    PolicyRef,
    ReportManifest,
    ReportRef,
    RunRef,
    Scope,
    Summary,
    SummaryLine,
    TrendPoint,
)

HOSTILE = "<b>p&c</b> $x$"
PERSONAS = ("p-young", "p-old", HOSTILE)
SHA = "ab" * 32


def _metric(
    metric: str,
    section: str,
    dimension: str,
    group: str | None,
    estimate: str | None,
    ci: tuple[str, str] | None = None,
    *,
    n: str = "400",
    p: str | None = None,
    status: str = "ok",
    **detail: str,
) -> MetricEntry:
    return MetricEntry(
        metric=metric,
        section=section,
        dimension=dimension,
        group=group,
        status=status,
        estimate=estimate,
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
        n=n,
        p_value=p,
        detail=dict(detail),
    )


def _finding(
    rule_id: str,
    metric: str,
    verdict: str,
    value: str,
    ci: tuple[str, str],
    comparison: str,
    threshold: str,
    severity: str = "major",
    group: str | None = None,
) -> FindingEntry:
    return FindingEntry(
        rule_id=rule_id,
        metric=metric,
        dimension="persona",
        group=group,
        severity=severity,
        mode="confidence",
        comparison=comparison,
        threshold=threshold,
        value=value,
        ci_low=ci[0],
        ci_high=ci[1],
        n="1200",
        verdict=verdict,
        reason=f"{metric} by persona: {value} [{ci[0]}, {ci[1]}] vs {comparison} {threshold}.",
        text="Every persona must be served as well as no persona." if rule_id == "drop" else None,
    )


def synthetic_manifest(*, issued: bool = True) -> ReportManifest:
    accuracy = {"p-young": "0.83", "p-old": "0.6175", HOSTILE: "0.8"}
    metrics = [
        _metric("truth.accuracy", "A", "persona", None, "0.749", ("0.73", "0.77"), n="1200"),
        *(
            _metric(
                "truth.accuracy",
                "A",
                "persona",
                g,
                acc,
                (str(round(float(acc) - 0.04, 4)), str(round(float(acc) + 0.04, 4))),
            )
            for g, acc in accuracy.items()
        ),
        _metric(
            "truth.accuracy.worst_group",
            "A",
            "persona",
            None,
            "0.6175",
            ("0.565", "0.6425"),
            n="1200",
            worst_group="p-old",
        ),
        _metric(
            "truth.accuracy.gap", "A", "persona", None, "0.2125", ("0.17", "0.25"), p="1.8e-11"
        ),
        _metric(
            "truth.accuracy.drop_vs_baseline",
            "A",
            "persona",
            "p-young",
            "0.0",
            ("0.0", "0.0"),
            p="1.0",
            p_adjusted="1.0",
        ),
        _metric(
            "truth.accuracy.drop_vs_baseline",
            "A",
            "persona",
            "p-old",
            "0.2125",
            ("0.17", "0.2575"),
            p="5.2e-26",
            p_adjusted="1.5e-25",
        ),
        _metric(
            "truth.accuracy.drop_vs_baseline",
            "A",
            "persona",
            HOSTILE,
            "0.03",
            ("-0.01", "0.07"),
            p="0.04",
            p_adjusted="0.08",
        ),
        _metric(
            "truth.consistency.max_pair_disagreement",
            "A",
            "persona",
            None,
            "0.41",
            ("0.38", "0.46"),
            pair="p-old | p-young",
            **{
                "pair:p-old | p-young": "0.41",
                f"pair:{HOSTILE} | p-old": "0.3",
                f"pair:{HOSTILE} | p-young": "0.05",
            },
        ),
        _metric("truth.consistency.unanimity", "A", "persona", None, "0.95", ("0.93", "0.97")),
        _metric(
            "truth.accuracy",
            "A",
            "gender×age_band",
            "female|65+",
            "0.61",
            ("0.55", "0.67"),
        ),
        _metric(
            "truth.accuracy",
            "A",
            "gender×age_band",
            "male|18-34",
            "0.84",
            ("0.8", "0.88"),
        ),
        _metric(
            "bbq.accuracy",
            "B",
            "bbq.category",
            None,
            None,
            status="undefined",
            n="0",
            reason="no parsed BBQ answer",
        ),
        _metric(
            "preference.mean",
            "D",
            "persona",
            None,
            "3.44",
            ("3.35", "3.53"),
            n="1200",
            user_hist_edges="1.0 1.5 2.0 2.5 3.0 3.5 4.0 4.5 5.0",
            user_hist_counts="2 6 15 30 60 70 40 17",
            user_hist_counts_reference="0 2 10 25 70 80 40 13",
        ),
        *(
            _metric(
                "preference.mean", "D", "persona", g, s, (str(float(s) - 0.2), str(float(s) + 0.2))
            )
            for g, s in {"p-young": "3.9", "p-old": "2.8", HOSTILE: "3.6"}.items()
        ),
        _metric("preference.worst_user", "D", "persona", None, "1.68", ("1.6", "1.9"), n="240"),
        _metric("preference.bottom_decile", "D", "persona", None, "2.19", ("2.07", "2.36")),
    ]
    findings = [
        _finding(
            "worst-group",
            "truth.accuracy.worst_group",
            "inconclusive",
            "0.6175",
            ("0.565", "0.6425"),
            ">=",
            "0.6",
            severity="critical",
        ),
        _finding(
            "drop",
            "truth.accuracy.drop_vs_baseline",
            "fail",
            "0.2125",
            ("0.17", "0.2575"),
            "<=",
            "0.03",
            group="p-old",
        ),
        _finding(
            "unanimity",
            "truth.consistency.unanimity",
            "pass",
            "0.95",
            ("0.93", "0.97"),
            ">=",
            "0.9",
        ),
        _finding(
            "worst-user",
            "preference.worst_user",
            "fail",
            "1.68",
            ("1.6", "1.9"),
            ">=",
            "2.0",
            severity="minor",
        ),
    ]
    order = {"fail": 0, "insufficient_data": 1, "inconclusive": 2, "pass": 3}
    severity = {"critical": 0, "major": 1, "minor": 2}
    lines = [
        SummaryLine(rule_id=f.rule_id, severity=f.severity, verdict=f.verdict, line=f.reason)
        for f in sorted(findings, key=lambda f: (order[f.verdict], severity[f.severity]))
    ]
    return ReportManifest(
        identity=Identity(
            audit_id="aud_synthetic",
            audit_key="ver_x/pol_y/nightly/2026-11-23T02:00:00Z",
            trigger="schedule",
            slot="2026-11-23T02:00:00Z",
            audited_at="2026-11-23T02:00:05Z",
            period_start="2026-11-22T02:00:00Z",
            period_end="2026-11-23T02:00:00Z",
            model=ModelRef(
                name="toy-assistant",
                version="2.0",
                version_id="ver_x",
                owner="ml-platform",
                intended_use="answering factual questions for personalized users",
                risk_tier="high",
            ),
            policy=PolicyRef(
                name="truth-invariance",
                version="1.0",
                sha256="cd" * 32,
                regimes=["eu-ai-act"],
                decision_mode="confidence",
                min_sample_per_group="100",
            ),
            code_version="0.1.0",
            runs=[
                RunRef(
                    id="run_a",
                    benchmark="simulated-facts",
                    format="canonical",
                    origin="file:/data/facts.jsonl",
                    records="3600",
                    sha256=SHA,
                    ingested_at="2026-11-22T23:00:00Z",
                )
            ],
            input_sha256="ef" * 32,
        ),
        report=ReportRef(
            id="rep_toy_v3",
            series="toy-assistant×truth-invariance",
            version="3",
            supersedes="rep_toy_v2",
        )
        if issued
        else None,
        summary=Summary(
            verdict="fail",
            counts={
                "fail": "2",
                "inconclusive": "1",
                "insufficient_data": "0",
                "not_applicable": "0",
                "pass": "1",
            },
            lines=lines,
        ),
        scope=Scope(
            intended_use="answering factual questions for personalized users",
            covers=[
                "A: truth under personalization (objective items)",
                "D: personalization and preference quality",
            ],
            not_measured=[
                "B: social-bias QA benchmarks (BBQ) (no such records)",
                "C: outcome fairness of yes/no decisions (no such records)",
            ],
        ),
        data=DataSummary(
            records="3600",
            baseline_records="400",
            unparsed_records="12",
            refused_records="3",
            benchmarks={"simulated-facts": "3600"},
            groups={
                "persona": dict.fromkeys(PERSONAS, "1200"),
                "gender×age_band": {"female|65+": "1200", "male|18-34": "1200"},
            },
            unknown_groups={"persona": "0", "gender×age_band": "1200"},
            excluded={"unparsed objective answers (counted as unparsed, not wrong)": "12"},
        ),
        metrics=metrics,
        findings=findings,
        trend=[
            TrendPoint(
                report_id="rep_toy_v1",
                version="1",
                issued_at="2026-11-21T02:00:09Z",
                verdict="pass",
                values={"worst-group": "0.7", "drop": "0.01", "unanimity": "0.97"},
            ),
            TrendPoint(
                report_id="rep_toy_v2",
                version="2",
                issued_at="2026-11-22T02:00:09Z",
                verdict="inconclusive",
                values={
                    "worst-group": "0.65",
                    "drop": "0.02",
                    "unanimity": "0.96",
                    "old-rule": "1",
                },
            ),
        ],
        method=Method(
            confidence="0.95",
            bootstrap_resamples="2000",
            bootstrap_unit="clusters (templates or passages), else items; never records",
            seed="sha256 of the records' content: " + "12" * 32,
            proportion_interval="Wilson score interval",
            tests=["persona vs baseline on the same items: exact McNemar, Holm-corrected"],
            definitions={"truth.accuracy": "Share of correct answers to objective items."},
            min_detectable_gaps={"truth.accuracy.gap by persona": "0.0886"},
        ),
    )
