"""Issued reports: versions, the signed ledger, exports, offline verification, append-only."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from compliance.bootstrap import App
from compliance.domain.manifest import ReportManifest
from compliance.errors import ComplianceError, Conflict
from compliance.reporting.html import IntegrityInfo
from compliance.reporting.ledger import verify_chain
from compliance.services.audit import AuditRequest, run_audit
from compliance.services.publish import (
    NextReport,
    ReportRenderer,
    append_checkpoint,
    issue_report,
    ledger_entry_json,
    prepare_report,
)
from compliance.storage.tables import Report
from tests.conftest import CliResult, table_counts
from tests.integration.conftest import html_and_stand_in_pdf

Cli = Callable[..., CliResult]


def audit(cli: Cli, model: str, policy: str = "truth-invariance") -> dict[str, object]:
    result = cli("audit", "run", "--model", model, "--version", "1.0", "--policy", policy, "--json")
    assert result.code == 0, result.err
    data: dict[str, object] = json.loads(result.out)
    return data


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_versions_supersede_and_diff(cli: Cli) -> None:
    first, second = audit(cli, "steady"), audit(cli, "steady")
    assert (first["report_version"], second["report_version"]) == (1, 2)
    shown = json.loads(cli("reports", "show", str(second["report_id"]), "--json").out)
    assert shown["supersedes"] == first["report_id"]
    assert shown["series"] == "steady × truth-invariance"
    assert set(shown["artifacts"]) == {"manifest", "html", "pdf"}
    listed = json.loads(cli("reports", "list", "--model", "steady", "--json").out)
    assert [r["version"] for r in listed] == [2, 1]
    manifest = json.loads(cli("audit", "show", str(second["id"]), "--manifest").out)
    assert manifest["report"]["version"] == "2"
    assert [t["report_id"] for t in manifest["trend"]] == [first["report_id"]]
    assert manifest["trend"][0]["verdicts"]["unanimity"] == "pass"
    diff = json.loads(
        cli("reports", "diff", str(first["report_id"]), str(second["report_id"]), "--json").out
    )
    assert diff["verdict_changed"] is False


@pytest.mark.usefixtures("loaded")
def test_bundle_verifies_offline_and_tampering_is_caught(cli: Cli, tmp_path: Path) -> None:
    report = audit(cli, "pleaser")["report_id"]
    assert cli("ledger", "checkpoint").code == 0
    bundle = tmp_path / "b.zip"
    assert (
        cli("reports", "export", str(report), "--format", "bundle", "--out", str(bundle)).code == 0
    )
    assert cli("reports", "verify", str(bundle)).code == 0
    pdf = tmp_path / "r.pdf"
    assert cli("reports", "export", str(report), "--format", "pdf", "--out", str(pdf)).code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    # one byte of the PDF changed inside the bundle
    members = {}
    with zipfile.ZipFile(bundle) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    pdf_name = next(n for n in members if n.endswith(".pdf"))
    altered = bytearray(members[pdf_name])
    altered[len(altered) // 2] ^= 0x01
    members[pdf_name] = bytes(altered)
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert cli("reports", "verify", str(tampered)).code == 1
    assert cli("reports", "verify", str(bundle), "--pin", "2:" + "0" * 64).code == 1
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert cli("reports", "verify", str(tmp_path / "junk.zip")).code == 2


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_reports_and_ledger_are_append_only(cli: Cli, app: App) -> None:
    audit(cli, "steady")
    for statement in (
        "UPDATE reports SET verdict = 'pass'",
        "DELETE FROM report_artifacts",
        "UPDATE ledger_entries SET signature = 'x'",
        "DELETE FROM ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as connection:
            connection.execute(text(statement))
    with app.uow_factory(write=True) as uow:
        report = uow.session.query(Report).one()
        report.verdict = "tampered"
        with pytest.raises(Conflict, match="append-only"):
            uow.session.flush()


@pytest.mark.usefixtures("loaded")
def test_a_missing_key_stops_issuing(cli: Cli, app: App) -> None:
    app.signing_key_path.unlink()
    before = table_counts(app)
    result = cli(
        "audit", "run", "--model", "steady", "--version", "1.0", "--policy", "truth-invariance"
    )
    assert result.code == 1
    assert "signing key" in result.err
    after = table_counts(app)
    for table in ("reports", "report_artifacts", "ledger_entries", "metric_results", "findings"):
        assert after[table] == before[table], table
    assert after["audits"] == before["audits"] + 1  # recorded as failed


@pytest.mark.usefixtures("loaded")
def test_concurrent_issuing_never_forks_the_chain(app: App) -> None:
    errors: list[BaseException] = []

    def issue(model: str, policy: str) -> None:
        try:
            run_audit(
                app.uow_factory,
                app.clock,
                AuditRequest(model, "1.0", policy),
                key_path=app.signing_key_path,
                renderer=html_and_stand_in_pdf,
            )
        except ComplianceError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    jobs = [
        ("steady", "truth-invariance"),
        ("pleaser", "truth-invariance"),
        ("steady", "personalization"),
    ]
    threads = [threading.Thread(target=issue, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.uow_factory() as uow:
        entries = [ledger_entry_json(e) for e in uow.ledger.entries()]
        keys = {k.key_id: bytes.fromhex(k.public_key) for k in uow.ledger.public_keys()}
    assert [int(e["seq"]) for e in entries] == [1, 2, 3]
    assert verify_chain(entries, keys) == []
    # each rendered ahead of its write against the same ledger: the ones that lost the
    # race were rendered again, so every report prints its own place in the chain
    for entry in entries:
        assert f"<td>{entry['seq']}</td>" in html_of(app, str(entry["report_id"]))
        assert str(entry["prev_hash"] or "none (first entry)") in html_of(
            app, str(entry["report_id"])
        )


def html_of(app: App, report_uid: str) -> str:
    with app.uow_factory() as uow:
        report = uow.session.scalars(select(Report).where(Report.uid == report_uid)).one()
        return uow.reports.artifacts_of(report.id)["html"].content.decode()


@pytest.mark.usefixtures("loaded")
def test_a_report_rendered_ahead_is_stored_once_or_rendered_again_if_the_ledger_moved(
    app: App,
) -> None:
    renders: list[str] = []

    def counting(manifest: ReportManifest, integrity: IntegrityInfo) -> tuple[bytes, bytes]:
        html, pdf = html_and_stand_in_pdf(manifest, integrity)
        renders.append(html.decode())
        return html, pdf

    def audited(model: str) -> str:
        result = run_audit(
            app.uow_factory,
            app.clock,
            AuditRequest(model, "1.0", "truth-invariance"),
            key_path=app.signing_key_path,
            renderer=counting,
        )
        assert result.report_id is not None
        return result.report_id

    first = audited("steady")
    assert len(renders) == 1  # rendered before the write, stored as rendered

    second = audited("pleaser")
    assert len(renders) == 2

    prepared_against = _prepare_then_checkpoint(app, counting)
    assert len(renders) == 4  # ahead, and again under the lock after the checkpoint
    with app.uow_factory() as uow:
        entries = [ledger_entry_json(e) for e in uow.ledger.entries()]
        keys = {k.key_id: bytes.fromhex(k.public_key) for k in uow.ledger.public_keys()}
    assert [e["kind"] for e in entries] == ["report", "report", "checkpoint", "report"]
    assert verify_chain(entries, keys) == []
    assert prepared_against == 3  # rendered ahead as seq 3, the checkpoint took it
    assert "<td>4</td>" in html_of(app, str(entries[3]["report_id"]))
    assert "<td>4</td>" not in renders[2] and "<td>4</td>" in renders[3]
    assert {first, second} == {str(e["report_id"]) for e in entries[:2]}


def _prepare_then_checkpoint(app: App, renderer: ReportRenderer) -> int:
    """Render steady's next report ahead, append a checkpoint, then issue: returns the seq
    the report was rendered against."""
    result = run_audit(
        app.uow_factory, app.clock, AuditRequest("steady", "1.0", "truth-invariance")
    )  # an audit without a report: its manifest is the report's input
    with app.uow_factory() as uow:
        stored = uow.audits.get(result.id)
        assert stored is not None and stored.manifest is not None
        manifest = ReportManifest.model_validate_json(stored.manifest)
        model_id = uow.models.get_version_by_id(stored.model_version_id).model_id
        audit_id = stored.id
    job = NextReport(manifest, model_id, app.signing_key_path, app.clock, renderer)
    prepared = prepare_report(app.uow_factory, job)
    append_checkpoint(app.uow_factory, app.clock, app.signing_key_path, note="meanwhile")
    with app.uow_factory(write=True) as uow:
        issue_report(uow, job, audit_id=audit_id, prepared=prepared)
        uow.commit()
    return 1 if prepared.basis.last_seq is None else prepared.basis.last_seq + 1


@pytest.mark.usefixtures("loaded", "stand_in_pdf")
def test_key_rotation_is_signed_by_both_keys(cli: Cli, app: App, tmp_path: Path) -> None:
    report = audit(cli, "steady")["report_id"]
    rotated = json.loads(cli("ledger", "rotate-key", "--json").out)
    assert rotated["old_key_id"] != rotated["new_key_id"]
    assert (app.signing_key_path.stat().st_mode & 0o777) == 0o600
    after = audit(cli, "pleaser")["report_id"]

    def ledger_kinds(report_id: object, name: str) -> list[str]:
        bundle = tmp_path / name
        cli("reports", "export", str(report_id), "--format", "bundle", "--out", str(bundle))
        assert cli("reports", "verify", str(bundle)).code == 0
        with zipfile.ZipFile(bundle) as archive:
            ledger = archive.read(next(n for n in archive.namelist() if n.endswith(".jsonl")))
        return [json.loads(line)["kind"] for line in io.BytesIO(ledger).read().splitlines()]

    # A bundle carries the chain up to its own report: the first stops before the rotation,
    # the second crosses it, and verifies under the new key announced by the old one.
    assert ledger_kinds(report, "first.zip") == ["report"]
    assert ledger_kinds(after, "second.zip") == ["report", "key_rotation", "report"]
