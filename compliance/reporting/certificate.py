"""An officer's attestation as its own one-page PDF certificate.

An attestation never changes a stored report: the report's PDF (whose sha256 the ledger
signs) keeps its sign-off page of empty boxes, and each attestation is rendered apart, as
a certificate naming the report (id, version, the entry hash of its ledger entry), the
officer (name, role, id, key fingerprint), the statement and its justification or note,
the time signed and recorded, the attestation's own ledger entry, and whether it verified
(✓, or ✗ with each problem) when the certificate was rendered.

Promise: the certificate is a function of :class:`CertificateInfo` only (no clock, no
database): the same info gives the same HTML and, through
:func:`~compliance.reporting.pdf.render_pdf`, the same PDF bytes; the PDF's dates are the
attestation's recorded time (``dcterms.created``/``modified``), never the time of
rendering.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import jinja2

from compliance.domain.attestation import AttestationView
from compliance.paths import bundled_dir
from compliance.reporting.pdf import render_pdf

__all__ = ["CertificateInfo", "certificate_html", "render_certificate"]

_STATEMENTS = {
    "reviewed": "has reviewed",
    "approved": "approves",
    "approved-with-exceptions": "approves, with exceptions,",
    "rejected": "rejects",
    "withdrawn": "withdraws an earlier attestation on",
}


@dataclass(frozen=True)
class CertificateInfo:
    """What one certificate prints; every field comes from the ledger and the manifest."""

    report_id: str
    report_version: int
    report_issued_at: str
    report_entry_hash: str
    model: str
    policy: str
    verdict: str
    attestation: AttestationView


def certificate_html(info: CertificateInfo) -> str:
    """The certificate page (self-contained, A4, one page; every value HTML-escaped)."""
    context = asdict(info)
    context["phrase"] = _STATEMENTS.get(info.attestation.statement, info.attestation.statement)
    return _environment().get_template("certificate.html.j2").render(context)


def render_certificate(info: CertificateInfo) -> bytes:
    """The certificate's PDF bytes (deterministic, see the module docstring)."""
    return render_pdf(certificate_html(info))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(bundled_dir("reports"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
