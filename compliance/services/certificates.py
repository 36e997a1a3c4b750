"""An attestation's one-page PDF certificate (:mod:`compliance.reporting.certificate`).

:func:`attestation_certificate` reads the report, its manifest and its ledger entry and
the attestation (verified again, as :func:`~compliance.services.attestations.report_attestations`
does) and renders the certificate: nothing is written to the database, and the report's
stored artifacts are only read. :func:`write_certificate` writes it whole, then renames.
"""

from __future__ import annotations

from pathlib import Path

from compliance.clock import isoformat_z
from compliance.domain.manifest import ReportManifest
from compliance.errors import NotFound
from compliance.reporting.certificate import CertificateInfo, render_certificate
from compliance.services.attestations import stored_attestations
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["attestation_certificate", "certificate_info", "write_certificate"]


def certificate_info(
    uow_factory: UnitOfWorkFactory, report_id: str, attestation_id: str
) -> CertificateInfo:
    """What the certificate of attestation ``attestation_id`` on ``report_id`` prints."""
    with uow_factory() as uow:
        report = uow.reports.get(report_id)
        if report is None:
            raise NotFound(
                f"no report '{report_id}'", hint="see the ids with: compliance reports list"
            )
        entry = uow.ledger.entry_for_report(report.id)
        if entry is None:  # pragma: no cover - issuing writes both in one transaction
            raise NotFound(f"report {report.uid} has no ledger entry")
        checked = stored_attestations(uow, report, entry.entry_hash)
        manifest = ReportManifest.model_validate_json(
            uow.reports.artifacts_of(report.id)["manifest"].content
        )
        issued_at = isoformat_z(report.issued_at)
        version = report.version
        verdict = report.verdict
        report_hash = entry.entry_hash
    view = next((a for a in checked.attestations if a.id == attestation_id), None)
    if view is None:
        raise NotFound(
            f"report {report_id} has no attestation '{attestation_id}'",
            hint=f"see them with: compliance reports attestations {report_id}",
        )
    identity = manifest.identity
    return CertificateInfo(
        report_id=report_id,
        report_version=version,
        report_issued_at=issued_at,
        report_entry_hash=report_hash,
        model=f"{identity.model.name} {identity.model.version}",
        policy=f"{identity.policy.name}@{identity.policy.version}",
        verdict=verdict,
        attestation=view,
    )


def attestation_certificate(
    uow_factory: UnitOfWorkFactory, report_id: str, attestation_id: str
) -> bytes:
    """The certificate's PDF bytes: the same attestation gives the same bytes."""
    return render_certificate(certificate_info(uow_factory, report_id, attestation_id))


def write_certificate(
    uow_factory: UnitOfWorkFactory, report_id: str, attestation_id: str, out: Path
) -> Path:
    """Write the certificate to ``out`` (a file, or a directory: then
    ``REPORT-ATTESTATION.certificate.pdf``), whole or not at all."""
    data = attestation_certificate(uow_factory, report_id, attestation_id)
    target = out / f"{report_id}-{attestation_id}.certificate.pdf" if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target
