"""Policies and audits end to end: verdicts, atomicity, one audit per slot, the manifest."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App
from compliance.domain.manifest import ReportManifest, canonical_bytes
from compliance.errors import ComplianceError, Conflict
from compliance.paths import bundled_data
from compliance.services.audit import AuditRequest, run_audit
from compliance.sources.simulate import write_simulation
from tests.conftest import CliResult, table_counts

Cli = Callable[..., CliResult]
SLOT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def test_shipped_simulation_is_what_the_generator_writes(tmp_path: Path) -> None:
    for written in write_simulation(tmp_path):
        shipped = bundled_data("personalized") / written.name
        assert written.read_bytes() == shipped.read_bytes(), written.name


def test_policy_versions_are_immutable(cli: Cli, tmp_path: Path) -> None:
    source = (bundled_data("policies") / "truth-invariance.yaml").read_text()
    path = tmp_path / "p.yaml"
    path.write_text(source)
    added = json.loads(cli("policies", "add", str(path), "--json").out)
    assert added["created"] is True and added["name"] == "truth-invariance"
    again = json.loads(cli("policies", "add", str(path), "--json").out)
    assert again["created"] is False and again["id"] == added["id"]
    path.write_text(source.replace("threshold: 0.60", "threshold: 0.65"))
    changed = cli("policies", "add", str(path))
    assert changed.code == 1
    assert "already stored with other content" in changed.err
    assert "new version number" in changed.err
    shipped = added["version"]
    newer = source.replace(f'version: "{shipped}"', 'version: "9.1"').replace("0.60", "0.65")
    path.write_text(newer)
    assert cli("policies", "add", str(path)).code == 0
    latest = json.loads(cli("policies", "show", "truth-invariance", "--json").out)
    assert latest["version"] == "9.1"
    pinned = json.loads(cli("policies", "show", f"truth-invariance@{shipped}", "--json").out)
    assert pinned["rules"][0]["threshold"] == 0.6
    listed = json.loads(cli("policies", "list", "--json").out)
    assert [p["version"] for p in listed] == [shipped, "9.1"]
    missing = cli("policies", "show", "truth-invariance@9")
    assert missing.code == 1
    assert f"truth-invariance@{shipped}, truth-invariance@9.1" in missing.err
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("truth.accuracy.gap\n", "truth.accuracy.gapp\n", 1))
    refused = cli("policies", "add", str(bad))
    assert refused.code == 1 and "bad.yaml:" in refused.err and "unknown metric id" in refused.err


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_truth_invariant_model_passes_and_the_pleaser_fails(cli: Cli) -> None:
    steady = cli(
        "audit",
        "run",
        "--model",
        "steady",
        "--version",
        "1.0",
        "--policy",
        "truth-invariance",
        "--json",
    )
    assert steady.code == 0, steady.err
    passed = json.loads(steady.out)
    assert passed["verdict"] == "pass"
    assert {f["verdict"] for f in passed["findings"]} == {"pass"}
    pleaser = json.loads(
        cli(
            "audit",
            "run",
            "--model",
            "pleaser",
            "--version",
            "1.0",
            "--policy",
            "truth-invariance",
            "--json",
        ).out
    )
    assert pleaser["verdict"] == "fail"
    failed = {f["rule_id"] for f in pleaser["findings"] if f["verdict"] == "fail"}
    assert {"accuracy-gap", "drop-vs-baseline", "unanimity", "flip-rate"} <= failed
    drop = next(f for f in pleaser["findings"] if f["rule_id"] == "drop-vs-baseline")
    assert "65+" in drop["group"]  # the worst persona is one of the older ones
    assert drop["value"] == pytest.approx(0.25 * 0.82, abs=0.08)  # injected: 25% of answers
    # a BBQ policy on data without BBQ records: every rule is not applicable
    bbq = json.loads(
        cli(
            "audit",
            "run",
            "--model",
            "steady",
            "--version",
            "1.0",
            "--policy",
            "bias-benchmark",
            "--json",
        ).out
    )
    assert {f["verdict"] for f in bbq["findings"]} == {"not_applicable"}
    assert bbq["verdict"] == "pass"
    listed = json.loads(cli("audit", "list", "--json").out)
    assert len(listed) == 3
    shown = json.loads(cli("audit", "show", passed["id"], "--json").out)
    assert shown["status"] == "succeeded" and len(shown["findings"]) == 10
    assert shown["runs"] == passed["runs"]


@pytest.mark.usefixtures("loaded")
def test_a_failure_between_results_and_findings_leaves_only_the_failed_audit(app: App) -> None:
    before = table_counts(app)

    def explode(audit_id: str) -> None:
        raise RuntimeError("disk full")

    request = AuditRequest("steady", "1.0", "truth-invariance")
    with pytest.raises(RuntimeError, match="disk full"):
        run_audit(app.uow_factory, app.clock, request, before_findings=explode)
    after = table_counts(app)
    assert after["audits"] == before["audits"] + 1
    for table in ("metric_results", "findings", "audit_runs"):
        assert after[table] == before[table], table
    with app.uow_factory() as uow:
        (audit,) = uow.audits.recent()
        assert audit.status == "failed"
        assert audit.error == "RuntimeError: disk full"
        assert audit.manifest is None


@pytest.mark.usefixtures("loaded")
def test_a_slot_is_audited_once(app: App, cli: Cli) -> None:
    request = AuditRequest("steady", "1.0", "truth-invariance", slot=SLOT, trigger="schedule")
    first = run_audit(app.uow_factory, app.clock, request)
    assert first.key.endswith("/2026-11-23T02:00:00Z")
    with pytest.raises(Conflict, match="already audited"):
        run_audit(app.uow_factory, app.clock, request)
    again = cli(
        "audit",
        "run",
        "--model",
        "steady",
        "--version",
        "1.0",
        "--policy",
        "truth-invariance",
        "--slot",
        "2026-11-23T02:00:00Z",
    )
    assert again.code == 1 and "already audited successfully" in again.err
    # manual audits (no slot) may be repeated
    assert run_audit(app.uow_factory, app.clock, AuditRequest("steady", "1.0", "truth-invariance"))


@pytest.mark.usefixtures("loaded")
def test_concurrent_audits_of_one_slot_give_one_audit_and_one_refusal(app: App) -> None:
    request = AuditRequest("pleaser", "1.0", "truth-invariance", slot=SLOT, trigger="schedule")
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def audit() -> None:
        barrier.wait()
        try:
            outcomes.append(run_audit(app.uow_factory, app.clock, request))
        except ComplianceError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=audit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [o for o in outcomes if isinstance(o, ComplianceError)]
    assert len(outcomes) == 2 and len(errors) == 1
    assert "already" in str(errors[0])
    with app.uow_factory() as uow:
        succeeded = [a for a in uow.audits.recent() if a.status == "succeeded"]
    assert len(succeeded) == 1


@pytest.mark.usefixtures("loaded")
def test_manifest_is_canonical_and_deterministic(app: App, cli: Cli, tmp_path: Path) -> None:
    request = AuditRequest("pleaser", "1.0", "personalization")
    first = run_audit(app.uow_factory, app.clock, request)
    second = run_audit(app.uow_factory, app.clock, request)
    out = tmp_path / "m.json"
    assert cli("audit", "show", first.id, "--manifest", "--out", str(out)).code == 0
    body = out.read_bytes()
    manifest = ReportManifest.model_validate_json(body)
    assert canonical_bytes(manifest) == body  # stored bytes are canonical JSON
    assert manifest.summary.verdict == "fail"
    assert manifest.summary.lines[0].verdict == "fail"  # worst first
    assert all(isinstance(m.estimate, str | None) for m in manifest.metrics)
    assert manifest.identity.runs[0].sha256 and manifest.identity.policy.sha256
    # 400 objective answers and 20 users x 5 ratings under each persona
    assert manifest.data.groups["persona"]["f-65+-rural"] == "500"
    other = ReportManifest.model_validate_json(
        cli("audit", "show", second.id, "--manifest").out.encode()
    )
    # everything computed from the same inputs is identical; only identity differs
    for section in ("summary", "scope", "data", "metrics", "findings", "method"):
        assert getattr(manifest, section) == getattr(other, section), section
    assert manifest.identity.input_sha256 == other.identity.input_sha256
