"""Reading issued reports: lists, one report, diffs between versions, exports and bundles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.clock import isoformat_z
from compliance.domain.manifest import ReportManifest
from compliance.errors import InputError, NotFound
from compliance.reporting.bundle import build_bundle
from compliance.reporting.diff import diff_manifests
from compliance.services.publish import ledger_entry_json
from compliance.services.regimes import annex_iv_extract
from compliance.storage.tables import Report
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "EXPORT_FORMATS",
    "ReportView",
    "diff_reports",
    "export_report",
    "list_reports",
    "show_report",
]

EXPORT_FORMATS = ("pdf", "html", "json", "bundle", "annex-iv")


@dataclass(frozen=True)
class ReportView:
    id: str
    series: str
    model: str
    policy: str
    version: int
    supersedes: str | None
    verdict: str
    issued_at: str
    manifest_sha256: str
    audit_id: str
    ledger_seq: int | None
    artifacts: dict[str, dict[str, object]]


def list_reports(
    uow_factory: UnitOfWorkFactory, *, model: str | None = None, limit: int = 100
) -> list[ReportView]:
    with uow_factory() as uow:
        return [_view(uow, r) for r in uow.reports.recent(model=model, limit=limit)]


def show_report(uow_factory: UnitOfWorkFactory, report_id: str) -> ReportView:
    with uow_factory() as uow:
        return _view(uow, _get(uow, report_id))


def diff_reports(uow_factory: UnitOfWorkFactory, old_id: str, new_id: str) -> dict[str, Any]:
    """Metric deltas and the verdicts that changed between two reports' manifests."""
    with uow_factory() as uow:
        old, new = _manifest(uow, _get(uow, old_id)), _manifest(uow, _get(uow, new_id))
    result: dict[str, Any] = diff_manifests(old, new).to_dict()
    return {"from": old_id, "to": new_id, **result}


def export_report(uow_factory: UnitOfWorkFactory, report_id: str, fmt: str, out: Path) -> Path:
    """Write one artifact (``pdf``, ``html``, ``json``), the EU AI Act Annex IV 2(g)
    extract (``annex-iv``, JSON), or the verifiable ``bundle`` (a zip
    of manifest, HTML, PDF, the ledger from entry 1 to the report's entry or its last
    attestation, and the public keys)."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"must be one of {', '.join(EXPORT_FORMATS)}", field="format", value=fmt)
    if fmt == "annex-iv":
        return _export_annex_iv(uow_factory, report_id, out)
    with uow_factory() as uow:
        report = _get(uow, report_id)
        name = _file_name(report, fmt)
        artifacts = uow.reports.artifacts_of(report.id)
        if fmt == "bundle":
            data = build_bundle(
                manifest=artifacts["manifest"].content,
                html=artifacts["html"].content,
                pdf=artifacts["pdf"].content,
                entries=[
                    ledger_entry_json(e) for e in uow.ledger.entries(upto=_seq_of(uow, report))
                ],
                public_keys={
                    k.key_id: bytes.fromhex(k.public_key) for k in uow.ledger.public_keys()
                },
            )
        else:
            data = artifacts["manifest" if fmt == "json" else fmt].content
    target = out / name if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _export_annex_iv(uow_factory: UnitOfWorkFactory, report_id: str, out: Path) -> Path:
    """The EU AI Act Annex IV 2(g) extract as indented JSON (written whole, then renamed)."""
    extract = annex_iv_extract(uow_factory, report_id)
    name = f"{report_id}-v{extract['report']['version']}.annex-iv.json"
    target = out / name if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(extract, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(target)
    return target


def _seq_of(uow: UnitOfWork, report: Report) -> int:
    """The ledger entry of ``report``, or of its last attestation when it has any: a bundle
    carries the chain up to and including it (officers' keys and signatures included)."""
    entry = uow.ledger.entry_for_report(report.id)
    if entry is None:  # pragma: no cover - issuing writes both in one transaction
        raise NotFound(f"report {report.uid} has no ledger entry")
    return max(entry.seq, uow.officers.last_attestation_seq(report.id) or 0)


def _file_name(report: Report, fmt: str) -> str:
    suffix = {"pdf": "pdf", "html": "html", "json": "json", "bundle": "zip"}[fmt]
    return f"{report.uid}-v{report.version}.{suffix}"


def _get(uow: UnitOfWork, report_id: str) -> Report:
    report = uow.reports.get(report_id)
    if report is None:
        raise NotFound(f"no report '{report_id}'", hint="see the ids with: compliance reports list")
    return report


def _manifest(uow: UnitOfWork, report: Report) -> ReportManifest:
    return ReportManifest.model_validate_json(
        uow.reports.artifacts_of(report.id)["manifest"].content
    )


def _view(uow: UnitOfWork, report: Report) -> ReportView:
    entry = uow.ledger.entry_for_report(report.id)
    audit = uow.audits.by_id(report.audit_id)
    supersedes = (
        None if report.supersedes_id is None else uow.reports.by_id(report.supersedes_id).uid
    )
    model = uow.reports.model_name(report)
    return ReportView(
        id=report.uid,
        series=f"{model} × {report.policy_name}",
        model=model,
        policy=report.policy_name,
        version=report.version,
        supersedes=supersedes,
        verdict=report.verdict,
        issued_at=isoformat_z(report.issued_at),
        manifest_sha256=report.manifest_sha256,
        audit_id=audit.uid,
        ledger_seq=None if entry is None else entry.seq,
        artifacts={
            kind: {"sha256": a.sha256, "size": a.size, "content_type": a.content_type}
            for kind, a in sorted(uow.reports.artifacts_of(report.id).items())
        },
    )
