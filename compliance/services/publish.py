"""Issuing reports and appending to the signed ledger.

:func:`issue_report` runs inside the audit's write unit of work, under the ledger lock, so
the audit, its report (manifest, HTML, PDF) and the report's ledger entry are written
together or not at all, and two concurrent audits never fork the chain. The rendering
(seconds) can be done before that transaction by :func:`prepare_report`; it is stored only
if the series and the ledger are still as it saw them, and done again under the lock if not:

1. the series (model × policy name) gets its next version, naming the one it supersedes,
   a trend built from the earlier versions' manifests, and the regulatory mapping of its
   findings as of the issue date (:mod:`compliance.domain.regimes`);
2. the manifest is signed (``sign_manifest``), rendered to HTML and PDF (rendering reads
   only the manifest);
3. one ledger entry: seq = last + 1, the sha256 of every artifact, the previous entry's
   hash, its own RFC 8785 hash and an Ed25519 signature.

A missing or unreadable signing key is a :class:`~compliance.errors.ConfigError`: no report
is ever issued unsigned. :func:`append_checkpoint` and :func:`rotate_key` append the other
two kinds of entry.

Why one module of this length: issuing a report and appending to the ledger share one lock,
one transaction and the chain's sequence; apart they could be called out of order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from compliance.clock import Clock, isoformat_z
from compliance.domain.ids import new_uid
from compliance.domain.manifest import (
    ReportManifest,
    ReportRef,
    TrendPoint,
    canonical_bytes,
    manifest_sha256,
)
from compliance.domain.regimes import map_findings, to_manifest
from compliance.errors import ConfigError
from compliance.reporting.html import IntegrityInfo
from compliance.reporting.ledger import (
    build_entry,
    build_rotation_entry,
    generate_key,
    key_fingerprint,
    load_private_key,
    public_key_raw,
    sign_entry,
    sign_manifest,
    write_private_key,
)
from compliance.reporting.render import render_report
from compliance.services.regimes import catalogue
from compliance.storage.tables import LedgerEntry, Report, ReportArtifact
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "IssuedReport",
    "NextReport",
    "RenderedReport",
    "ReportRenderer",
    "append_checkpoint",
    "ensure_signing_key",
    "issue_report",
    "prepare_report",
    "rotate_key",
]

_CONTENT_TYPES = {
    "manifest": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class IssuedReport:
    id: str
    version: int
    supersedes: str | None
    manifest: ReportManifest
    manifest_bytes: bytes
    ledger_seq: int


def ensure_signing_key(uow_factory: UnitOfWorkFactory, clock: Clock, key_path: Path) -> str:
    """Create the private key file (mode 0600) if missing and publish its public part;
    returns the key id (fingerprint). Idempotent."""
    if not key_path.exists():
        private_pem, _ = generate_key()
        write_private_key(key_path, private_pem)
    key = load_private_key(key_path)
    public = public_key_raw(key)
    key_id = key_fingerprint(public)
    with uow_factory(write=True) as uow:
        if uow.ledger.key(key_id) is None:
            uow.ledger.add_key(key_id, public.hex(), now=clock())
            uow.commit()
    return key_id


ReportRenderer = Callable[[ReportManifest, IntegrityInfo], tuple[bytes, bytes]]
"""(manifest, integrity) → (HTML, PDF): :func:`~compliance.reporting.render.render_report`
here, or in a child process (:class:`~compliance.reporting.render.RenderProcess`)."""


@dataclass(frozen=True)
class _Basis:
    """The state a rendering was made against; it stays right while this is unchanged."""

    series: tuple[str, ...]  # the uids of the series' earlier reports, in order
    last_seq: int | None
    last_hash: str | None
    key_id: str


@dataclass(frozen=True)
class NextReport:
    """What the next report of the audit's series is made of and signed with."""

    audit_manifest: ReportManifest
    model_id: int
    key_path: Path
    clock: Clock
    renderer: ReportRenderer | None = None  # None: render_report, in this process

    @property
    def policy(self) -> str:
        return self.audit_manifest.identity.policy.name


@dataclass(frozen=True)
class RenderedReport:
    """The next report of a series, rendered and signed, not yet stored; ``contents`` maps
    each artifact kind (manifest, html, pdf) to its bytes."""

    basis: _Basis
    uid: str
    issued: dt.datetime
    manifest: ReportManifest
    sha: str
    signature: str
    contents: dict[str, bytes]
    previous_id: int | None


def prepare_report(uow_factory: UnitOfWorkFactory, job: NextReport) -> RenderedReport:
    """Render the next report of the audit's series ahead of its write transaction, from a
    read of the series and the ledger's last entry, holding no lock (rendering takes
    seconds; the write then takes milliseconds). :func:`issue_report` stores it only if
    nothing was appended to the ledger or the series meanwhile, and renders again under the
    lock otherwise, so a caller that issues one report at a time never renders twice."""
    key = _signing_key(job.key_path)
    key_id = key_fingerprint(public_key_raw(key))
    with uow_factory() as uow:
        earlier, basis = _series_and_basis(uow, job, key_id)
        return _render_next(uow, job, key, earlier, basis)


def issue_report(
    uow: UnitOfWork, job: NextReport, *, audit_id: int, prepared: RenderedReport | None = None
) -> IssuedReport:
    """Issue the next report of the audit's series in ``uow`` (see the module docstring):
    ``prepared`` if it is still current under the ledger lock, else rendered here. Either
    way the issue time is not earlier than the last entry's, so entry times never go
    backwards."""
    key = _signing_key(job.key_path)
    key_id = key_fingerprint(public_key_raw(key))
    if uow.ledger.key(key_id) is None:
        raise ConfigError(
            f"the signing key {key_id[:16]}… is not published in this database",
            hint="run 'compliance init' (it publishes the key) or restore the right key file",
        )
    uow.ledger.lock()
    earlier, basis = _series_and_basis(uow, job, key_id)
    if prepared is None or prepared.basis != basis:
        prepared = _render_next(uow, job, key, earlier, basis)
    manifest, contents, uid = prepared.manifest, prepared.contents, prepared.uid
    digests = {kind: hashlib.sha256(data).hexdigest() for kind, data in contents.items()}
    version = int(manifest.report.version) if manifest.report else 1
    report = uow.reports.add(
        Report(
            uid=uid,
            audit_id=audit_id,
            model_id=job.model_id,
            policy_name=job.policy,
            version=version,
            supersedes_id=prepared.previous_id,
            verdict=manifest.summary.verdict,
            issued_at=prepared.issued,
            manifest_sha256=prepared.sha,
        ),
        [
            ReportArtifact(
                uid=new_uid("art"),
                kind=kind,
                content_type=_CONTENT_TYPES[kind],
                sha256=digests[kind],
                size=len(data),
                content=data,
            )
            for kind, data in contents.items()
        ],
    )
    seq = _next_seq(basis)
    entry = sign_entry(
        build_entry(
            seq=seq,
            kind="report",
            prev_hash=basis.last_hash,
            time=isoformat_z(prepared.issued),
            key_id=key_id,
            report_id=uid,
            artifacts=digests,
            extra={
                "manifest_signature": prepared.signature,
                "series": manifest.report.series if manifest.report else job.policy,
                "version": str(version),
                "verdict": manifest.summary.verdict,
            },
        ),
        key,
    )
    _append(uow, entry, now=prepared.issued, report_id=report.id)
    return IssuedReport(uid, version, manifest.report.supersedes if manifest.report else None,
                        manifest, contents["manifest"], seq)  # fmt: skip


def _series_and_basis(uow: UnitOfWork, job: NextReport, key_id: str) -> tuple[list[Report], _Basis]:
    """The series' earlier reports and the state a rendering made now is made against."""
    earlier = uow.reports.series(job.model_id, job.policy)
    last = uow.ledger.last()
    basis = _Basis(
        series=tuple(r.uid for r in earlier),
        last_seq=None if last is None else last.seq,
        last_hash=None if last is None else last.entry_hash,
        key_id=key_id,
    )
    return earlier, basis


def _next_seq(basis: _Basis) -> int:
    return 1 if basis.last_seq is None else basis.last_seq + 1


def _render_next(
    uow: UnitOfWork, job: NextReport, key: Any, earlier: list[Report], basis: _Basis
) -> RenderedReport:
    """The next report of the series after ``earlier``, against ``basis``; the issue time is
    read now, after the ledger's last entry was, so it is not earlier than that entry's."""
    audit_manifest, policy = job.audit_manifest, job.policy
    now = job.clock()
    previous = earlier[-1] if earlier else None
    uid = new_uid("rep")
    issued_at = isoformat_z(now)
    manifest = audit_manifest.model_copy(
        update={
            "report": ReportRef(
                id=uid,
                series=f"{audit_manifest.identity.model.name} × {policy}",
                version=str(len(earlier) + 1 if previous is None else previous.version + 1),
                supersedes=None if previous is None else previous.uid,
                issued_at=issued_at,
            ),
            "trend": [_trend_point(uow, r) for r in earlier],
            "regulatory_mapping": to_manifest(
                map_findings(
                    catalogue(),
                    audit_manifest.identity.policy.regimes,
                    [(f.rule_id, f.metric, f.verdict, f.clauses) for f in audit_manifest.findings],
                    now.astimezone(dt.UTC).date(),
                )
            ),
        }
    )
    sha = manifest_sha256(manifest)
    signature = sign_manifest(key, sha)
    renderer = job.renderer or render_report  # looked up now: tests stand in for it
    html, pdf = renderer(
        manifest,
        IntegrityInfo(
            manifest_sha256=sha,
            manifest_signature=signature,
            key_id=basis.key_id,
            public_key=public_key_raw(key).hex(),
            ledger_seq=_next_seq(basis),
            prev_hash=basis.last_hash,
            issued_at=issued_at,
        ),
    )
    return RenderedReport(
        basis=basis,
        uid=uid,
        issued=now,
        manifest=manifest,
        sha=sha,
        signature=signature,
        contents={"manifest": canonical_bytes(manifest), "html": html, "pdf": pdf},
        previous_id=None if previous is None else previous.id,
    )


def append_checkpoint(
    uow_factory: UnitOfWorkFactory, clock: Clock, key_path: Path, *, note: str | None = None
) -> int:
    """Append a signed checkpoint entry (even when nothing was issued); returns its seq."""
    key = _signing_key(key_path)
    key_id = key_fingerprint(public_key_raw(key))
    now = clock()
    with uow_factory(write=True) as uow:
        uow.ledger.lock()
        last = uow.ledger.last()
        seq = 1 if last is None else last.seq + 1
        extra: dict[str, Any] = {"reports_so_far": str(_report_count(uow))}
        if note:
            extra["note"] = note
        entry = sign_entry(
            build_entry(
                seq=seq,
                kind="checkpoint",
                prev_hash=None if last is None else last.entry_hash,
                time=isoformat_z(now),
                key_id=key_id,
                extra=extra,
            ),
            key,
        )
        _append(uow, entry, now=now, report_id=None)
        uow.commit()
    return seq


def rotate_key(uow_factory: UnitOfWorkFactory, clock: Clock, key_path: Path) -> tuple[str, str]:
    """Replace the signing key: a rotation entry signed by the old key and the new one; the
    old key file is kept beside as ``<name>.retired-<key id prefix>``. Returns (old, new)."""
    old = _signing_key(key_path)
    old_id = key_fingerprint(public_key_raw(old))
    new_pem, new_public = generate_key()
    staged = key_path.with_name(key_path.name + ".new")
    write_private_key(staged, new_pem)
    new = load_private_key(staged)
    now = clock()
    try:
        with uow_factory(write=True) as uow:
            uow.ledger.lock()
            last = uow.ledger.last()
            entry = sign_entry(
                build_rotation_entry(
                    seq=1 if last is None else last.seq + 1,
                    prev_hash=None if last is None else last.entry_hash,
                    time=isoformat_z(now),
                    old_key_id=old_id,
                    new_public=new_public,
                ),
                old,
                new_key=new,
            )
            new_id = key_fingerprint(new_public)
            uow.ledger.add_key(new_id, new_public.hex(), now=now)
            retired = uow.ledger.key(old_id)
            if retired is not None:
                retired.retired_at = now
            _append(uow, entry, now=now, report_id=None, extra_signatures={
                "new_key_id": new_id, "new_key_signature": entry["new_key_signature"]})  # fmt: skip
            uow.commit()
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    os.replace(key_path, key_path.with_name(f"{key_path.name}.retired-{old_id[:12]}"))
    os.replace(staged, key_path)
    return old_id, new_id


def ledger_entry_json(entry: LedgerEntry) -> dict[str, Any]:
    """The signed entry exactly as appended (its canonical JSON payload)."""
    data: dict[str, Any] = json.loads(entry.payload)
    return data


def _append(
    uow: UnitOfWork,
    entry: dict[str, Any],
    *,
    now: dt.datetime,
    report_id: int | None,
    extra_signatures: dict[str, Any] | None = None,
) -> None:
    uow.ledger.append(
        LedgerEntry(
            seq=int(entry["seq"]),
            kind=entry["kind"],
            report_id=report_id,
            payload=bytes(rfc8785.dumps(entry)),
            prev_hash=entry["prev_hash"] or "",
            entry_hash=entry["entry_hash"],
            key_id=entry["key_id"],
            signature=entry["signature"],
            extra_signatures=extra_signatures,
            created_at=now,
        )
    )


def _trend_point(uow: UnitOfWork, report: Report) -> TrendPoint:
    manifest = ReportManifest.model_validate_json(
        uow.reports.artifacts_of(report.id)["manifest"].content
    )
    return TrendPoint(
        report_id=report.uid,
        version=str(report.version),
        issued_at=isoformat_z(report.issued_at),
        verdict=report.verdict,
        values={f.rule_id: f.value for f in manifest.findings},
        verdicts={f.rule_id: f.verdict for f in manifest.findings},
    )


def _report_count(uow: UnitOfWork) -> int:
    return len(uow.ledger.entries(kind="report"))


def _signing_key(key_path: Path) -> Any:
    return load_private_key(key_path)
