"""Re-rendering an issued report from its stored manifest, and comparing the bytes.

Promise (DESIGN.md, "Audit reports"): a report's HTML and PDF are renderings of its
manifest. :func:`rerender_report` renders the stored manifest again with exactly the
:class:`~compliance.reporting.html.IntegrityInfo` it was rendered with when issued, rebuilt
from what was stored with it (the report's manifest sha256; its ledger entry's sequence
number, previous hash, time, key id and manifest signature; the signing key's published
public part), and compares the result with the stored artifacts byte for byte: the
manifest (parsed and serialized again to canonical JSON), the HTML and the PDF.

The PDF bytes also depend on the rendering stack (WeasyPrint, fontTools or HarfBuzz,
system fonts, :func:`~compliance.reporting.pdf.rendering_stack`), not on the clock: a
difference on another machine may be the stack, so the result names it. Reads only;
writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from compliance.domain.manifest import ReportManifest, canonical_bytes
from compliance.errors import Conflict, NotFound
from compliance.reporting.html import IntegrityInfo
from compliance.reporting.pdf import rendering_stack
from compliance.reporting.render import render_report
from compliance.services.publish import ReportRenderer, ledger_entry_json
from compliance.storage.tables import Report
from compliance.storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["ArtifactComparison", "Rerendering", "first_difference", "rerender_report"]

COMPARED = ("manifest", "html", "pdf")


@dataclass(frozen=True)
class ArtifactComparison:
    """One artifact, stored and rendered again; ``first_difference`` is the offset of the
    first byte that differs (the shorter one's length when one is a prefix of the other),
    None when equal."""

    equal: bool
    first_difference: int | None
    stored_size: int
    rendered_size: int
    stored_sha256: str
    rendered_sha256: str


@dataclass(frozen=True)
class Rerendering:
    """The result of :func:`rerender_report`; ``contents`` holds the new bytes (not shown
    in JSON output)."""

    report_id: str
    version: int
    equal: bool
    artifacts: dict[str, ArtifactComparison]
    rendering_stack: dict[str, str]
    contents: dict[str, bytes] = field(repr=False, compare=False)

    @property
    def differing(self) -> list[str]:
        return [kind for kind, c in self.artifacts.items() if not c.equal]


def rerender_report(
    uow_factory: UnitOfWorkFactory, report_id: str, *, renderer: ReportRenderer | None = None
) -> Rerendering:
    """Render report ``report_id``'s stored manifest again (``renderer``: default
    :func:`~compliance.reporting.render.render_report`, in this process) and compare."""
    with uow_factory() as uow:
        report = uow.reports.get(report_id)
        if report is None:
            raise NotFound(
                f"no report '{report_id}'", hint="see the ids with: compliance reports list"
            )
        stored = {kind: a.content for kind, a in uow.reports.artifacts_of(report.id).items()}
        missing = [kind for kind in COMPARED if kind not in stored]
        if missing:  # pragma: no cover - issuing stores all three in one transaction
            raise Conflict(f"report {report.uid} has no stored {', '.join(missing)}")
        manifest = ReportManifest.model_validate_json(stored["manifest"])
        integrity = issued_integrity(uow, report)
        uid, version = report.uid, report.version
    render = renderer or render_report  # looked up now: tests stand in for it
    html, pdf = render(manifest, integrity)
    contents = {"manifest": canonical_bytes(manifest), "html": html, "pdf": pdf}
    artifacts = {kind: _compare(stored[kind], contents[kind]) for kind in COMPARED}
    return Rerendering(
        report_id=uid,
        version=version,
        equal=all(c.equal for c in artifacts.values()),
        artifacts=artifacts,
        rendering_stack=rendering_stack(),
        contents=contents,
    )


def issued_integrity(uow: UnitOfWork, report: Report) -> IntegrityInfo:
    """The :class:`IntegrityInfo` ``report`` was rendered with when it was issued
    (:func:`compliance.services.publish.issue_report`), from its ledger entry and key."""
    entry = uow.ledger.entry_for_report(report.id)
    if entry is None:  # pragma: no cover - issuing writes both in one transaction
        raise Conflict(f"report {report.uid} has no ledger entry")
    key = uow.ledger.key(entry.key_id)
    if key is None:  # pragma: no cover - an entry's key is published before it is signed
        raise Conflict(f"the key {entry.key_id[:16]}… of ledger entry {entry.seq} is not stored")
    payload = ledger_entry_json(entry)
    return IntegrityInfo(
        manifest_sha256=report.manifest_sha256,
        manifest_signature=str(payload["manifest_signature"]),
        key_id=entry.key_id,
        public_key=key.public_key,
        ledger_seq=entry.seq,
        prev_hash=payload["prev_hash"],
        issued_at=str(payload["time"]),
    )


def first_difference(a: bytes, b: bytes) -> int | None:
    """The offset of the first byte where ``a`` and ``b`` differ; None when equal."""
    if a == b:
        return None
    shorter = min(len(a), len(b))
    start, step = 0, 4096
    while start < shorter and a[start : start + step] == b[start : start + step]:
        start += step
    return next((i for i in range(start, min(start + step, shorter)) if a[i] != b[i]), shorter)


def _compare(stored: bytes, rendered: bytes) -> ArtifactComparison:
    offset = first_difference(stored, rendered)
    return ArtifactComparison(
        equal=offset is None,
        first_difference=offset,
        stored_size=len(stored),
        rendered_size=len(rendered),
        stored_sha256=hashlib.sha256(stored).hexdigest(),
        rendered_sha256=hashlib.sha256(rendered).hexdigest(),
    )
